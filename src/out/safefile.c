// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "safefile.h"

#define TMP_TRIES 16

struct safefile {
	int dir_fd;	/* the directory, held: the temporary and the rename happen in it */
	char *path;	/* final name, as given */
	char *name;	/* final name in dir_fd */
	char *tmp_name; /* temporary name in dir_fd */
	FILE *f;	/* writes to fd, keeping the first write error */
	int fd;
	int write_err;	/* errno of the first failed write: stdio keeps only a flag */
};

/*
 * Writers see a failed write as ferror() and can only say EIO; the stream keeps the errno
 * (ENOSPC on a full disk) so that the error line tells the reason.
 */
static ssize_t stream_write(void *cookie, const char *buf, size_t len)
{
	struct safefile *sf = cookie;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(sf->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!sf->write_err)
				sf->write_err = n < 0 ? errno : ENOSPC;
			errno = sf->write_err;
			break;
		}
		done += n;
	}
	return done; /* short: stdio sets its error flag */
}

static int stream_close(void *cookie)
{
	struct safefile *sf = cookie;
	int err = close(sf->fd);

	sf->fd = -1;
	return err;
}

static FILE *open_stream(struct safefile *sf, int fd)
{
	sf->fd = fd;
	return fopencookie(sf, "w", (cookie_io_functions_t){ .write = stream_write,
							      .close = stream_close });
}

/* path split in its directory and its last component; both to be freed. */
static int split_path(const char *path, char **dir, char **name)
{
	char *a = strdup(path), *b = strdup(path);

	*dir = *name = NULL;
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	*dir = strdup(dirname(a));
	*name = strdup(basename(b));
	free(a);
	free(b);
	return *dir && *name ? 0 : -ENOMEM;
}

/* "DIR/", "DIR/." and "DIR/.." name directories: their outputs would be hidden dotfiles. */
static bool names_a_file(const char *path)
{
	const char *last = strrchr(path, '/');

	last = last ? last + 1 : path;
	return *last && strcmp(last, ".") && strcmp(last, "..");
}

int safefile__check(const char *path)
{
	char *dir = NULL, *name = NULL;
	int err;

	if (!names_a_file(path)) {
		pr_warn("cannot write %s: a directory, not a file name (such as %s%sprofile)\n",
			path, path, path[strlen(path) - 1] == '/' ? "" : "/");
		return -EISDIR;
	}
	err = split_path(path, &dir, &name);
	if (!err && access(dir, W_OK | X_OK))
		err = -errno;
	if (err)
		pr_warn("cannot write in %s: %s\n", dir ?: path, strerror(-err));
	free(dir);
	free(name);
	return err;
}

/* A name no one uses yet: ".NAME.XXXXXXXX", hidden beside the final name. */
static int create_tmp(struct safefile *sf)
{
	for (int i = 0; i < TMP_TRIES; i++) {
		unsigned long long r = 0;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -errno;
		if (asprintf(&sf->tmp_name, ".%s.%016llx", sf->name, r) < 0) {
			sf->tmp_name = NULL;
			return -ENOMEM;
		}
		/* O_EXCL|O_NOFOLLOW: a name planted meanwhile, symlink or not, is never opened */
		fd = openat(sf->dir_fd, sf->tmp_name,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0)
			return fd;
		fd = -errno;
		/* not ours: abort must not remove it */
		free(sf->tmp_name);
		sf->tmp_name = NULL;
		if (fd != -EEXIST)
			return fd;
	}
	return -EEXIST;
}

struct safefile *safefile__open(const char *path, const struct safefile_owner *owner)
{
	struct safefile *sf = calloc(1, sizeof(*sf));
	char *dir = NULL;
	int fd = -1, err;

	if (!sf)
		return NULL;
	sf->dir_fd = sf->fd = -1;
	err = split_path(path, &dir, &sf->name);
	if (!err && !(sf->path = strdup(path)))
		err = -ENOMEM;
	if (!err && (sf->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = -errno;
	if (!err && (fd = create_tmp(sf)) < 0)
		err = fd;
	/* the umask does not decide: outputs are meant to be read by the user who asked */
	if (!err && (fchmod(fd, 0644) || (owner && fchown(fd, owner->uid, owner->gid)) ||
		     !(sf->f = open_stream(sf, fd))))
		err = -errno;
	free(dir);
	if (err) {
		pr_warn("cannot write %s: %s\n", path, strerror(-err));
		if (fd >= 0 && !sf->f)
			close(fd);
		safefile__abort(sf);
		errno = -err;
		return NULL;
	}
	return sf;
}

FILE *safefile__file(struct safefile *sf)
{
	return sf->f;
}

const char *safefile__path(const struct safefile *sf)
{
	return sf->path;
}

static void safefile_free(struct safefile *sf)
{
	if (sf->dir_fd >= 0)
		close(sf->dir_fd);
	free(sf->path);
	free(sf->name);
	free(sf->tmp_name);
	free(sf);
}

int safefile__commit(struct safefile *sf)
{
	int err = 0;

	if (fflush(sf->f) || fsync(sf->fd))
		err = -errno;
	if (fclose(sf->f) && !err)
		err = -errno;
	sf->f = NULL;
	/* rename replaces a symlink at the final name; it never writes through one */
	if (!err && renameat(sf->dir_fd, sf->tmp_name, sf->dir_fd, sf->name))
		err = -errno;
	if (err)
		return safefile__fail(sf, err);
	safefile_free(sf);
	return 0;
}

int safefile__fail(struct safefile *sf, int err)
{
	if (sf->write_err)
		err = -sf->write_err;
	pr_warn("cannot write %s: %s\n", sf->path, strerror(-err));
	safefile__abort(sf);
	return err;
}

void safefile__abort(struct safefile *sf)
{
	if (!sf)
		return;
	if (sf->f)
		fclose(sf->f);
	if (sf->tmp_name && sf->dir_fd >= 0)
		unlinkat(sf->dir_fd, sf->tmp_name, 0);
	safefile_free(sf);
}
