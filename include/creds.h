/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Whose privileges a program memsnoop starts runs with. memsnoop runs as root; what it
 * launches must not: the command runs as the user who invoked sudo (or --user), and a
 * program a target chose (its dynamic loader, asked which libraries it maps) runs with that
 * target's own ids and no capabilities.
 */
#ifndef MEMSNOOP_CREDS_H
#define MEMSNOOP_CREDS_H

#include <sys/types.h>

#define CREDS_MAX_GROUPS 64

struct creds {
	uid_t uid;
	gid_t gid;
	gid_t groups[CREDS_MAX_GROUPS]; /* supplementary groups */
	int group_cnt;
};

/*
 * The user who ran memsnoop through sudo, from its SUDO_UID, SUDO_GID and SUDO_USER (any may
 * be NULL); the groups are SUDO_USER's when that user has SUDO_UID. Returns 0, -ENOENT when
 * sudo_uid is NULL (not run through sudo), or -EINVAL for malformed ids.
 */
int creds__from_sudo(const char *sudo_uid, const char *sudo_gid, const char *sudo_user,
		     struct creds *c);
/* A user by name or number, with its primary group and supplementary groups. Returns 0 or
 * -ENOENT. */
int creds__from_user(const char *user, struct creds *c);
/* memsnoop's own ids and groups. */
int creds__self(struct creds *c);
/* The effective ids and groups of a process. Returns 0 or a negative errno. */
int creds__of_process(pid_t pid, struct creds *c);
/* Becomes c (groups, then gid, then uid: every capability goes with a non-zero uid). For a
 * child about to exec. Returns 0 or a negative errno. */
int creds__apply(const struct creds *c);

#endif /* MEMSNOOP_CREDS_H */
