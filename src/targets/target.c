// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "array.h"
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
	/* the process names itself: no control character of its choosing reaches the logs */
	for (char *c = comm; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

#define PF_KTHREAD 0x00200000 /* in /proc/PID/stat's flags: a kernel thread */

/*
 * Refuses, saying why, what has no user-space heap to profile or is not a process: a thread
 * of another process (its TGID named), a kernel thread, a zombie. 0 or -EINVAL; -ESRCH when
 * there is no such PID (said by the caller).
 */
static int check_process(pid_t pid, const char *comm)
{
	char path[64], *line = NULL, state = '?';
	unsigned long flags = 0;
	size_t len = 0;
	long tgid = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (getline(&line, &len, f) > 0) {
		sscanf(line, "State: %c", &state);
		sscanf(line, "Tgid: %ld", &tgid);
	}
	fclose(f);
	free(line);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	/* "pid (comm) S ppid pgrp session tty tpgid flags": comm may hold anything but ')' last */
	if (f) {
		char buf[1024], *rp;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		buf[n] = '\0';
		rp = strrchr(buf, ')');
		if (rp)
			sscanf(rp + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags);
		fclose(f);
	}
	if (tgid != pid) {
		pr_warn("PID %d is a thread of process %ld: give -p %ld\n", (int)pid, tgid, tgid);
		return -EINVAL;
	}
	if (flags & PF_KTHREAD) {
		pr_warn("PID %d (%s) is a kernel thread: it has no user-space heap to profile\n",
			(int)pid, comm);
		return -EINVAL;
	}
	if (state == 'Z' || state == 'X') {
		pr_warn("PID %d (%s) has exited (a zombie): nothing left to profile\n", (int)pid, comm);
		return -EINVAL;
	}
	return 0;
}

/* Room for one more entry. */
static int grow(struct targets *t)
{
	return grow_array((void **)&t->list, &t->cap, t->cnt + 1, sizeof(*t->list));
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
		char comm[16];
		struct target *t;
		int fd;

		if (pids[i] == getpid()) {
			pr_warn("refusing to profile memsnoop itself (PID %d)\n", (int)pids[i]);
			err = -EINVAL;
			goto out;
		}
		read_comm(pids[i], comm, sizeof(comm));
		err = check_process(pids[i], comm);
		if (err == -EINVAL)
			goto out;
		fd = err ? -1 : pidfd_open(pids[i]);
		if (fd < 0) {
			err = err ?: -errno;
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

const struct target *targets__lookup(const struct targets *t, pid_t pid)
{
	for (size_t i = t->cnt; i-- > 0;)
		if (t->list[i].pid == pid)
			return &t->list[i];
	return NULL;
}

void targets__exited(struct targets *t, pid_t pid, uint64_t exit_ns)
{
	struct target *e = targets__find(t, pid);

	if (!e)
		return;
	e->exited = true;
	e->exit_ns = exit_ns;
	t->exited_cnt++;
}

bool targets__take_gone(struct targets *t, pid_t *pid)
{
	for (size_t i = 0; i < t->cnt; i++) {
		if (t->list[i].exited && !t->list[i].released) {
			t->list[i].released = true;
			*pid = t->list[i].pid;
			return true;
		}
	}
	return false;
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
