// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "target.h"

static int pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static void read_comm(pid_t pid, char *comm, size_t sz)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	snprintf(comm, sz, "?");
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, sz, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

int targets__open(const pid_t *pids, size_t cnt, struct targets *out)
{
	int err = 0;

	out->cnt = 0;
	out->list = calloc(cnt, sizeof(*out->list));
	if (!out->list)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		struct target *t = &out->list[i];

		if (pids[i] == getpid()) {
			pr_warn("refusing to profile memsnoop itself (PID %d)\n", (int)pids[i]);
			err = -EINVAL;
			goto out;
		}
		t->pid = pids[i];
		t->pidfd = pidfd_open(pids[i]);
		if (t->pidfd < 0) {
			err = -errno;
			if (err == -ESRCH)
				pr_warn("no such process: PID %d\n", (int)pids[i]);
			else
				pr_warn("cannot watch PID %d: %s\n", (int)pids[i], strerror(-err));
			goto out;
		}
		read_comm(t->pid, t->comm, sizeof(t->comm));
		out->cnt++;
	}
out:
	if (err)
		targets__close(out);
	return err;
}

void targets__close(struct targets *t)
{
	for (size_t i = 0; i < t->cnt; i++)
		close(t->list[i].pidfd);
	free(t->list);
	t->list = NULL;
	t->cnt = 0;
}

size_t targets__alive_cnt(const struct targets *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cnt; i++)
		n += !t->list[i].exited;
	return n;
}
