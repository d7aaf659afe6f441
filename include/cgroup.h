/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cgroup v2 as memsnoop needs it: where the hierarchy is mounted (/sys/fs/cgroup on pure-v2
 * hosts, /sys/fs/cgroup/unified on hybrid ones: always read from mountinfo), what a user's
 * --cgroup argument names, which processes a subtree holds, and which cgroup a process is in.
 */
#ifndef MEMSNOOP_CGROUP_H
#define MEMSNOOP_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* The mount point of the first cgroup2 file system in a mountinfo file. 0 or -ENOENT. */
int cgroup_v2_mount_in(FILE *mountinfo, char *buf, size_t sz);
/* The same from /proc/self/mountinfo. 0, -ENOENT or another -errno. */
int cgroup_v2_mount(char *buf, size_t sz);

/* The v2 cgroup in a /proc/PID/cgroup file (its "0::/path" line): "/path". 0 or -ENOENT. */
int cgroup_of_pid_in(FILE *proc_cgroup, char *buf, size_t sz);
/* The same for pid. 0, -ENOENT (not on a v2 hierarchy) or another -errno. */
int cgroup_of_pid(pid_t pid, char *buf, size_t sz);

/* A cgroup to profile. */
struct cgroup_target {
	char *dir;   /* its directory, under the v2 mount */
	char *name;  /* relative to the mount, as /proc/PID/cgroup names it: "/a/b" ("/": root) */
	int fd;	     /* the directory, open: what the BPF cgroup array takes */
	uint64_t id; /* the kernel's cgroup id: the directory's inode number */
};

/*
 * Resolves a --cgroup argument: a directory under the v2 mount, or a path relative to it
 * ("a/b", or "/a/b" as /proc/PID/cgroup writes it when no such absolute path exists).
 * Says in one line why it cannot be used (missing, not a cgroup directory, a cgroup v1
 * hierarchy, no v2 hierarchy mounted) and returns a negative errno then.
 */
int cgroup_target__open(const char *arg, struct cgroup_target *out);
void cgroup_target__close(struct cgroup_target *t);

/* t's directory was made again at its path (a restart): the new one opened. 0 or -errno. */
int cgroup_target__reopen(struct cgroup_target *t);

/* True when name (a /proc/PID/cgroup path) is t or below it. */
bool cgroup_target__holds(const struct cgroup_target *t, const char *name);
/* Whether the cgroup name ("/a/b/c") is subtree ("/a/b") or under it. */
bool cgroup_path_holds(const char *subtree, const char *name);

/* Every process of t's subtree (its cgroup.procs and its descendants'), appended to *pids
 * (grown with realloc). 0 or a negative errno. */
int cgroup_target__pids(const struct cgroup_target *t, pid_t **pids, size_t *cnt);

#endif /* MEMSNOOP_CGROUP_H */
