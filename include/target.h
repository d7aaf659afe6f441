/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The process registry: every process profiled, however it came (-p and its pidfd, the
 * launched program, a cgroup's processes found at attach or started since), with its name,
 * its cgroup and its state. Entries are small and kept to the end of the run (the report
 * names them); what is heavy per process (address-space model, unwinder, kernel layout) is
 * released by its owners when the process has exited.
 */
#ifndef MEMSNOOP_TARGET_H
#define MEMSNOOP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct target {
	pid_t pid;
	int pidfd;    /* readable once the process has exited; -1: its exit comes as an event */
	bool exited;
	bool released; /* exited, and what memsnoop held for it let go (targets__take_gone) */
	bool started; /* appeared during the run: forked, exec'd into, or moved into a cgroup */
	char comm[16];
	char *cgroup; /* its cgroup v2 path relative to the mount ("/a/b"), or NULL */
	uint64_t exit_ns; /* CLOCK_MONOTONIC, once exited */
};

struct targets {
	struct target *list;
	size_t cnt, cap;
	size_t started_cnt, exited_cnt;
};

/*
 * Checks that every pid names a live process other than memsnoop itself and opens a pidfd
 * for each. Says why on stderr and returns a negative errno when one does not.
 */
int targets__open(const pid_t *pids, size_t cnt, struct targets *out);
/* A process found without a pidfd (a cgroup's): 0, or -ENOMEM. Known pids are left alone. */
int targets__add(struct targets *t, pid_t pid, bool started);
/* The entry of pid still alive, or NULL. */
struct target *targets__find(struct targets *t, pid_t pid);
/* The newest entry of pid, alive or exited, or NULL. */
const struct target *targets__lookup(const struct targets *t, pid_t pid);
/* pid has exited at exit_ns (a no-op for a pid unknown or already gone). */
void targets__exited(struct targets *t, pid_t pid, uint64_t exit_ns);
/* An exited target not taken yet, into *pid: its model and files can go. */
bool targets__take_gone(struct targets *t, pid_t *pid);
void targets__close(struct targets *t);
size_t targets__alive_cnt(const struct targets *t);

#endif /* MEMSNOOP_TARGET_H */
