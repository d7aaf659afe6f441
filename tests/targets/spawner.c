// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * spawner N PROGRAM [ARGS...]: runs PROGRAM N times, one after the other, its output thrown
 * away; exits 0 once every run exited 0. It allocates nothing itself (fork, execv, waitpid).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[1]) : 0;

	for (int i = 0; i < runs; i++) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			return 3;
		if (!pid) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 1);
			execv(argv[2], argv + 2);
			_exit(4);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 5;
	}
	return 0;
}
