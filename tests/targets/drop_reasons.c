// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Each process event right behind a burst that fills a small ring buffer whose reader is
 * stopped (the test stops memsnoop): BURST_CNT blocks kept, a child forked that exits at
 * once, then an exec of itself. The new image prints "exec_done 1", holds on stdin until it
 * is closed (the test resumes memsnoop meanwhile), then exits. No block is ever freed: a
 * lost free can only be miscounted.
 */
#include <string.h>
#include <sys/wait.h>
#include "target.h"

#define BURST_CNT 1000
#define BURST_SZ 100

static void *volatile sink;

NOINLINE void burst(void)
{
	for (int i = 0; i < BURST_CNT; i++)
		sink = malloc(BURST_SZ);
	KEEP();
}

int main(int argc, char **argv)
{
	char c;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "after")) {
		target_truth("exec_done", 1);
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	target_hold_until_attached();
	burst();
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		return 1;
	execl("/proc/self/exe", argv[0], "after", (char *)NULL);
	return 1;
}
