// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "creds.h"

static int parse_id(const char *s, unsigned long *id)
{
	char *end;

	errno = 0;
	*id = strtoul(s, &end, 10);
	/* (uid_t)-1 means "unchanged" to set*id(): never a real id */
	return errno || end == s || *end || *s == '-' || *id >= (uid_t)-1 ? -EINVAL : 0;
}

/* The supplementary groups of the user named name (gid included), or just gid. */
static void fill_groups(const char *name, struct creds *c)
{
	int n = CREDS_MAX_GROUPS;

	if (!name || getgrouplist(name, c->gid, c->groups, &n) < 0) {
		c->groups[0] = c->gid;
		n = 1;
	}
	c->group_cnt = n;
}

int creds__from_sudo(const char *sudo_uid, const char *sudo_gid, const char *sudo_user,
		     struct creds *c)
{
	unsigned long uid, gid;
	struct passwd *pw;

	if (!sudo_uid)
		return -ENOENT;
	if (parse_id(sudo_uid, &uid))
		return -EINVAL;
	pw = sudo_user ? getpwnam(sudo_user) : NULL;
	if (!pw || pw->pw_uid != uid)
		pw = getpwuid(uid); /* SUDO_USER is only a name: the groups follow the uid */
	if (sudo_gid) {
		if (parse_id(sudo_gid, &gid))
			return -EINVAL;
	} else {
		gid = pw ? pw->pw_gid : uid;
	}
	c->uid = uid;
	c->gid = gid;
	fill_groups(pw ? pw->pw_name : NULL, c);
	return 0;
}

int creds__from_user(const char *user, struct creds *c)
{
	struct passwd *pw = getpwnam(user);
	unsigned long id;

	if (!pw && !parse_id(user, &id))
		pw = getpwuid(id);
	if (!pw)
		return -ENOENT;
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	fill_groups(pw->pw_name, c);
	return 0;
}

int creds__self(struct creds *c)
{
	int n = getgroups(CREDS_MAX_GROUPS, c->groups);

	c->uid = geteuid();
	c->gid = getegid();
	c->group_cnt = n < 0 ? 0 : n;
	return n < 0 ? -errno : 0;
}

/* "Uid:\tREAL\tEFFECTIVE\t...", "Gid:" likewise, "Groups:\tG G G". */
int creds__of_process(pid_t pid, struct creds *c)
{
	char path[64], *line = NULL;
	size_t len = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	c->group_cnt = 0;
	while (getline(&line, &len, f) > 0) {
		unsigned r, e;

		if (sscanf(line, "Uid: %u %u", &r, &e) == 2) {
			c->uid = e;
			found++;
		} else if (sscanf(line, "Gid: %u %u", &r, &e) == 2) {
			c->gid = e;
			found++;
		} else if (!strncmp(line, "Groups:", 7)) {
			char *s = line + 7, *end;

			while (c->group_cnt < CREDS_MAX_GROUPS) {
				unsigned long g = strtoul(s, &end, 10);

				if (end == s)
					break;
				c->groups[c->group_cnt++] = g;
				s = end;
			}
		}
	}
	free(line);
	fclose(f);
	return found == 2 ? 0 : -EINVAL;
}

int creds__apply(const struct creds *c)
{
	if (setgroups(c->group_cnt, c->groups) || setresgid(c->gid, c->gid, c->gid) ||
	    setresuid(c->uid, c->uid, c->uid))
		return -errno;
	return 0;
}
