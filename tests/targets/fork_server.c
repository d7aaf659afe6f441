// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fork_server [WORKERS [REQUESTS]]: a pre-forking server. The parent maps its libraries and
 * is held until memsnoop has attached, then forks WORKERS (default 8) workers, which run
 * without exec: worker w serves REQUESTS (default 50) requests, each leaking one block of
 * 1000 + w bytes from serve_request(), called from worker_main(). The parent allocates
 * nothing after the hold and waits for every worker.
 */
#include <sys/wait.h>
#include "target.h"

static void *volatile sink;

NOINLINE void serve_request(int worker)
{
	sink = malloc(1000 + worker);
	KEEP();
}

NOINLINE void worker_main(int worker, int requests)
{
	for (int i = 0; i < requests; i++)
		serve_request(worker);
	KEEP();
}

int main(int argc, char **argv)
{
	int workers = argc > 1 ? atoi(argv[1]) : 8, requests = argc > 2 ? atoi(argv[2]) : 50;
	unsigned long long bytes = 0;

	target_hold_until_attached();
	for (int w = 0; w < workers; w++) {
		pid_t pid = fork();

		if (pid < 0)
			return 2;
		if (!pid) {
			worker_main(w, requests);
			_exit(0);
		}
		bytes += (unsigned long long)requests * (1000 + w);
	}
	for (int w = 0; w < workers; w++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			return 3;
	}
	target_truth("worker_calls", (unsigned long long)workers * requests);
	target_truth("worker_bytes", bytes);
	return 0;
}
