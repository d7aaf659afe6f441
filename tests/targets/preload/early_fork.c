// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LD_PRELOADed into a launched program: its constructor runs in the loader, before the
 * program's _start, and forks there. The child goes on to run the program (from its _start:
 * where memsnoop stops a new program); the parent waits for it, writes how it ended to
 * stderr ("early child: exit N" or "early child: signal N") and runs the program too.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((constructor)) static void fork_before_start(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		return;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		_exit(125);
	fprintf(stderr, "early child: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}
