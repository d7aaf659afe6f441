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
		read_comm(t->pid, t->comm, sizeof(t->comm));
		err = check_process(t->pid, t->comm);
		if (err == -EINVAL)
			goto out;
		t->pidfd = err ? -1 : pidfd_open(pids[i]);
		if (t->pidfd < 0) {
			err = err ?: -errno;
			if (err == -ESRCH)
				pr_warn("no such process: PID %d\n", (int)pids[i]);
			else
				pr_warn("cannot watch PID %d: %s\n", (int)pids[i], strerror(-err));
			goto out;
		}
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
