// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cgexec PROCS_FILE PROGRAM [ARGS...]: moves itself into a cgroup (writes its PID to the
 * cgroup's cgroup.procs) and execs PROGRAM there. It allocates nothing, so that a profile of
 * the cgroup holds PROGRAM's allocations only.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char pid[16];
	int fd, len;

	if (argc < 3)
		return 2;
	len = snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, len) != len)
		return 3;
	close(fd);
	execv(argv[2], argv + 2);
	return 4;
}
