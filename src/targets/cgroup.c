// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "cgroup.h"
#include "log.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CGROUP_MAX_DEPTH 64 /* subtree walks stop there: no loops, bounded stack */

int cgroup_v2_mount_in(FILE *f, char *buf, size_t sz)
{
	char line[4096], mnt[4096], fstype[64];

	while (fgets(line, sizeof(line), f)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS" */
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2") ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		snprintf(buf, sz, "%s", mnt);
		return 0;
	}
	return -ENOENT;
}

int cgroup_v2_mount(char *buf, size_t sz)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err;

	if (!f)
		return -errno;
	err = cgroup_v2_mount_in(f, buf, sz);
	fclose(f);
	return err;
}

int cgroup_of_pid_in(FILE *f, char *buf, size_t sz)
{
	char line[4096];

	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, sz, "%s", line + 3);
		return 0;
	}
	return -ENOENT;
}

int cgroup_of_pid(pid_t pid, char *buf, size_t sz)
{
	char path[32];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = cgroup_of_pid_in(f, buf, sz);
	fclose(f);
	return err;
}

/* Where the v2 hierarchy is, or one line saying there is none. */
static int v2_mount_or_say(char *mnt, size_t sz)
{
	int err = cgroup_v2_mount(mnt, sz);

	if (err)
		pr_warn("no cgroup v2 hierarchy is mounted (--cgroup follows cgroup v2)\n");
	return err;
}

/* Says why dir cannot be profiled; 0 when it is a v2 cgroup directory. */
static int check_cgroup_dir(const char *arg, int fd, const char *mnt)
{
	struct statfs fs;
	struct stat st;

	if (fstat(fd, &st) || !S_ISDIR(st.st_mode) || fstatfs(fd, &fs)) {
		pr_warn("--cgroup %s: not a cgroup v2 directory\n", arg);
		return -ENOTDIR;
	}
	if (fs.f_type == CGROUP_SUPER_MAGIC) {
		pr_warn("--cgroup %s: a cgroup v1 hierarchy (the v2 hierarchy is mounted at %s)\n",
			arg, mnt);
		return -EMEDIUMTYPE;
	}
	if (fs.f_type != CGROUP2_SUPER_MAGIC || faccessat(fd, "cgroup.procs", R_OK, 0)) {
		pr_warn("--cgroup %s: not a cgroup v2 directory (the v2 hierarchy is mounted at %s)\n",
			arg, mnt);
		return -ENOTDIR;
	}
	return 0;
}

int cgroup_target__open(const char *arg, struct cgroup_target *out)
{
	char mnt[PATH_MAX], joined[PATH_MAX * 2], *dir = NULL;
	size_t mnt_len;
	struct stat st;
	int err, fd;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	err = v2_mount_or_say(mnt, sizeof(mnt));
	if (err)
		return err;
	/* a path relative to the mount names a cgroup, and so does one written as
	 * /proc/PID/cgroup writes them ("/system.slice/x.service"; "/": the whole hierarchy,
	 * every process) */
	if (!strcmp(arg, "/"))
		snprintf(joined, sizeof(joined), "%s", mnt);
	else if (arg[0] == '/' && access(arg, F_OK))
		snprintf(joined, sizeof(joined), "%s%s", mnt, arg);
	else if (arg[0] == '/')
		snprintf(joined, sizeof(joined), "%s", arg);
	else
		snprintf(joined, sizeof(joined), "%s/%s", mnt, arg);
	dir = realpath(joined, NULL);
	if (!dir) {
		err = -errno;
		/* what a container sees of its own cgroup is relative to its cgroup namespace */
		pr_warn("--cgroup %s: %s%s\n", arg, strerror(-err),
			err == -ENOENT ? " (a path read inside a container is relative to its cgroup namespace: take the host's, from the 0:: line of /proc/PID/cgroup read on the host, or podman inspect --format '{{.State.CgroupPath}}')"
				       : "");
		return err;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = errno == ENOTDIR ? -ENOTDIR : -errno;
		pr_warn("--cgroup %s: %s\n", arg, err == -ENOTDIR ? "not a cgroup v2 directory" :
								    strerror(-err));
		goto fail;
	}
	err = check_cgroup_dir(arg, fd, mnt);
	mnt_len = strlen(mnt);
	if (!err && (strncmp(dir, mnt, mnt_len) || (dir[mnt_len] && dir[mnt_len] != '/'))) {
		pr_warn("--cgroup %s: not under the cgroup v2 mount %s\n", arg, mnt);
		err = -EXDEV;
	}
	if (err)
		goto fail;
	fstat(fd, &st);
	out->dir = dir;
	out->name = strdup(dir[mnt_len] ? dir + mnt_len : "/");
	out->fd = fd;
	out->id = st.st_ino;
	if (!out->name) {
		cgroup_target__close(out);
		return -ENOMEM;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
}

void cgroup_target__close(struct cgroup_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->dir);
	free(t->name);
	t->dir = t->name = NULL;
	t->fd = -1;
}

bool cgroup_path_holds(const char *subtree, const char *name)
{
	size_t len = strlen(subtree);

	if (!strcmp(subtree, "/"))
		return name[0] == '/';
	return !strncmp(name, subtree, len) && (name[len] == '\0' || name[len] == '/');
}

bool cgroup_target__holds(const struct cgroup_target *t, const char *name)
{
	return cgroup_path_holds(t->name, name);
}

static int add_pid(pid_t **pids, size_t *cnt, pid_t pid)
{
	pid_t *tmp;

	for (size_t i = 0; i < *cnt; i++)
		if ((*pids)[i] == pid)
			return 0;
	tmp = realloc(*pids, (*cnt + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	*pids = tmp;
	(*pids)[(*cnt)++] = pid;
	return 0;
}

/* The processes of the cgroup open as dirfd, then of its children, depth first. */
static int collect_pids(int dirfd, int depth, pid_t **pids, size_t *cnt)
{
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC), err = 0;
	struct dirent *de;
	FILE *f;
	DIR *d;
	int pid;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (!err && fscanf(f, "%d", &pid) == 1)
		err = add_pid(pids, cnt, pid);
	fclose(f);
	if (err || depth >= CGROUP_MAX_DEPTH)
		return err;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (!err && (de = readdir(d))) {
		int child;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue; /* removed meanwhile */
		err = collect_pids(child, depth + 1, pids, cnt);
		close(child);
		if (err == -ENOENT)
			err = 0;
	}
	closedir(d);
	return err;
}

int cgroup_target__pids(const struct cgroup_target *t, pid_t **pids, size_t *cnt)
{
	int err = collect_pids(t->fd, 0, pids, cnt);

	return err == -ENOENT ? 0 : err; /* removed: it holds nothing */
}

int cgroup_target__reopen(struct cgroup_target *t)
{
	int fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	close(t->fd);
	t->fd = fd;
	t->id = st.st_ino;
	return 0;
}
