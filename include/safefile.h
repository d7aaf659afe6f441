/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files memsnoop writes, as root, in directories other users may write to. A planted symlink
 * is never followed, a reader never sees half a file, and a run that fails leaves the previous
 * file intact: every output is written to a new temporary file beside its final name (created
 * with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644, owned by the invoking user under sudo) and renamed
 * over it only once complete.
 *
 *	struct safefile *sf = safefile__open("out.folded", &owner);
 *	err = write_it(safefile__file(sf));
 *	err = err ? (safefile__abort(sf), err) : safefile__commit(sf);
 */
#ifndef MEMSNOOP_SAFEFILE_H
#define MEMSNOOP_SAFEFILE_H

#include <stdio.h>
#include <sys/types.h>

/* Who owns what memsnoop writes; (uid_t)-1 / (gid_t)-1 leave memsnoop's own. */
struct safefile_owner {
	uid_t uid;
	gid_t gid;
};

struct safefile;

/*
 * Checks that path can be written later: its directory exists and is writable, and path
 * names a file (not "DIR/"). Says why on stderr and returns -errno otherwise. Nothing is
 * created: outputs are opened only once the run has something to write.
 */
int safefile__check(const char *path);

/* Creates the temporary file beside path. Says why on stderr and returns NULL (errno set). */
struct safefile *safefile__open(const char *path, const struct safefile_owner *owner);
/* The stream to write to. */
FILE *safefile__file(struct safefile *sf);
/* The final name. */
const char *safefile__path(const struct safefile *sf);
/*
 * Flushes, syncs and renames the temporary file over the final name, then frees. On failure
 * (said on stderr) the temporary file is removed, the final name is untouched, and -errno is
 * returned.
 */
int safefile__commit(struct safefile *sf);
/*
 * A writer failed with err: says so on stderr with the reason of the first failed write if
 * there was one (a writer only sees EIO: "No space left on device" is what happened), then
 * aborts. Returns that reason or err.
 */
int safefile__fail(struct safefile *sf, int err);
/* Removes the temporary file and frees; the final name is untouched. NULL is a no-op. */
void safefile__abort(struct safefile *sf);

#endif /* MEMSNOOP_SAFEFILE_H */
