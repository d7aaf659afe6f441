// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Launched by memsnoop --follow-forks: every fork comes from a worker thread, never from the
 * main one (test runners, thread pools and Go's os/exec do this). The worker forks a child
 * that leaks CHILD_CNT x CHILD_SZ from child_leaks() and, daemon style, forks a grandchild
 * that leaks GRAND_CNT x GRAND_SZ from grandchild_leaks() after its parent has exited; then it
 * vforks a child that execs this program again ("exec" argument) to leak EXEC_CNT x EXEC_SZ
 * from exec_leaks(). The parent leaks PARENT_CNT x PARENT_SZ from parent_leaks() once all
 * of them are done.
 */
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include "target.h"

#define CHILD_CNT 40
#define CHILD_SZ 1500
#define GRAND_CNT 20
#define GRAND_SZ 700
#define EXEC_CNT 9
#define EXEC_SZ 333
#define PARENT_CNT 5
#define PARENT_SZ 2000

static void *volatile sink;
static int done[2]; /* the grandchild writes a byte here once it has leaked */
static const char *self;

#define LEAKER(name, cnt, sz)                  \
	NOINLINE void name(void)               \
	{                                      \
		for (int i = 0; i < (cnt); i++) \
			sink = malloc(sz);     \
		KEEP();                        \
	}

LEAKER(child_leaks, CHILD_CNT, CHILD_SZ)
LEAKER(grandchild_leaks, GRAND_CNT, GRAND_SZ)
LEAKER(exec_leaks, EXEC_CNT, EXEC_SZ)
LEAKER(parent_leaks, PARENT_CNT, PARENT_SZ)

static void run_child(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* the grandchild: orphaned at once, it runs on its own */
		grandchild_leaks();
		if (write(done[1], "d", 1) != 1)
			_exit(3);
		_exit(0);
	}
	child_leaks();
	_exit(pid < 0 ? 2 : 0);
}

static int wait_ok(pid_t pid)
{
	int status;

	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

static int failed;

static void *worker(void *arg)
{
	pid_t pid = fork();
	char c;

	(void)arg;
	if (pid == 0)
		run_child();
	if (!wait_ok(pid) || read(done[0], &c, 1) != 1) {
		failed = 1;
		return NULL;
	}
	pid = vfork();
	if (pid == 0) {
		execl(self, self, "exec", (char *)NULL);
		_exit(4);
	}
	failed = !wait_ok(pid);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1 && !strcmp(argv[1], "exec")) {
		exec_leaks();
		return 0;
	}
	self = argv[0];
	if (pipe(done) || pthread_create(&t, NULL, worker, NULL) || pthread_join(t, NULL) ||
	    failed)
		return 2;
	parent_leaks();
	return 0;
}
