// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Launched by memsnoop: forks a child that leaks CHILD_CNT x CHILD_SZ bytes from
 * child_leaks() and exits, waits for it, then leaks PARENT_CNT x PARENT_SZ from
 * parent_leaks().
 */
#include <sys/wait.h>
#include "target.h"

#define CHILD_CNT 30
#define CHILD_SZ 1000
#define PARENT_CNT 5
#define PARENT_SZ 2000

static void *volatile sink;

NOINLINE void child_leaks(void)
{
	for (int i = 0; i < CHILD_CNT; i++)
		sink = malloc(CHILD_SZ);
	KEEP();
}

NOINLINE void parent_leaks(void)
{
	for (int i = 0; i < PARENT_CNT; i++)
		sink = malloc(PARENT_SZ);
	KEEP();
}

int main(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		child_leaks();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 2;
	parent_leaks();
	return 0;
}
