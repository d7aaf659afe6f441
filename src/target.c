// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cgroup.h"
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

/* Room for one more entry. */
static int grow(struct targets *t)
{
	struct target *tmp;
	size_t cap;

	if (t->cnt < t->cap)
		return 0;
	cap = t->cap ? t->cap * 2 : 16;
	tmp = realloc(t->list, cap * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	t->list = tmp;
	t->cap = cap;
	return 0;
}

/* A new entry for pid: its name and cgroup read now, while it lives. */
static struct target *add_entry(struct targets *t, pid_t pid)
{
	struct target *e;
	char cgroup[4096];

	if (grow(t))
		return NULL;
	e = &t->list[t->cnt];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->pidfd = -1;
	read_comm(pid, e->comm, sizeof(e->comm));
	if (!cgroup_of_pid(pid, cgroup, sizeof(cgroup)))
		e->cgroup = strdup(cgroup);
	t->cnt++;
	return e;
}

int targets__open(const pid_t *pids, size_t cnt, struct targets *out)
{
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cnt; i++) {
		struct target *t;
		int fd;

		if (pids[i] == getpid()) {
			pr_warn("refusing to profile memsnoop itself (PID %d)\n", (int)pids[i]);
			err = -EINVAL;
			goto out;
		}
		fd = pidfd_open(pids[i]);
		if (fd < 0) {
			err = -errno;
			if (err == -ESRCH)
				pr_warn("no such process: PID %d\n", (int)pids[i]);
			else
				pr_warn("cannot watch PID %d: %s\n", (int)pids[i], strerror(-err));
			goto out;
		}
		t = add_entry(out, pids[i]);
		if (!t) {
			close(fd);
			err = -ENOMEM;
			goto out;
		}
		t->pidfd = fd;
	}
out:
	if (err)
		targets__close(out);
	return err;
}

struct target *targets__find(struct targets *t, pid_t pid)
{
	for (size_t i = t->cnt; i-- > 0;) /* the newest first: a reused pid is the latest */
		if (t->list[i].pid == pid && !t->list[i].exited)
			return &t->list[i];
	return NULL;
}

int targets__add(struct targets *t, pid_t pid, bool started)
{
	struct target *e;

	if (targets__find(t, pid))
		return 0;
	e = add_entry(t, pid);
	if (!e)
		return -ENOMEM;
	e->started = started;
	t->started_cnt += started;
	return 0;
}

void targets__exited(struct targets *t, pid_t pid)
{
	struct target *e = targets__find(t, pid);

	if (!e)
		return;
	e->exited = true;
	t->exited_cnt++;
}

void targets__close(struct targets *t)
{
	for (size_t i = 0; i < t->cnt; i++) {
		if (t->list[i].pidfd >= 0)
			close(t->list[i].pidfd);
		free(t->list[i].cgroup);
	}
	free(t->list);
	memset(t, 0, sizeof(*t));
}

size_t targets__alive_cnt(const struct targets *t)
{
	return t->cnt - t->exited_cnt;
}
