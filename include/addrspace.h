/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per process, the model of its address space from /proc/PID/maps, refreshed when a pc
 * falls outside every known mapping and kept after the process exits, so that its samples
 * still symbolize. Mapped files are modules, shared between processes by (device, inode).
 */
#ifndef MEMSNOOP_ADDRSPACE_H
#define MEMSNOOP_ADDRSPACE_H

#include <stdint.h>
#include <sys/types.h>
#include "file_id.h"
#include "procmaps.h"

/* Files held open at once: a module past them is opened when needed and closed after. */
#define ADDRSPACE_HELD_MAX 1024

struct addrspaces;

struct module {
	uint32_t id; /* dense, from 0 */
	uint64_t dev, inode;
	char *path;	 /* as the process maps it */
	char *open_path; /* the same file seen from here, through /proc/PID/root */
	/* held from the first sight of it while a live process maps it (ADDRSPACE_HELD_MAX at
	 * most), so that it symbolizes after its last process exits; closed once that one's
	 * samples are resolved (addrspaces__release_unmapped): nothing stays pinned. Else -1. */
	int fd;
	char *build_id;	 /* GNU build ID in hex, or NULL */
	uint32_t live_cnt; /* processes whose model maps it */
	/* the last process seen mapping it, and where: module__open reopens it there */
	pid_t seen_pid;
	uint64_t seen_start, seen_end;
	struct addrspaces *owner;
};

/*
 * A new descriptor of the module's file (O_CLOEXEC; the caller closes it): the one held, or
 * the file reopened through a live process that maps it (/proc/PID/map_files/, checked to be
 * the same device and inode). A negative errno when neither is there.
 */
int module__open(const struct module *mod);

struct addrspaces *addrspaces__new(void);
void addrspaces__free(struct addrspaces *as);

/*
 * Reads pid's mappings now, opening every mapped file, so that its samples symbolize even
 * if it exits before they are resolved. Returns 0 or a negative errno.
 */
int addrspaces__snapshot(struct addrspaces *as, pid_t pid);

/*
 * The module that holds pc in process pid and pc's offset in its file. Returns 0, -ENOENT
 * when no file mapping holds pc, or another negative errno.
 */
int addrspaces__resolve(struct addrspaces *as, pid_t pid, uint64_t pc, const struct module **mod,
			uint64_t *file_offset);

/* child was forked by parent: until it is read itself (or when it is gone too soon), its
 * model is a copy of its parent's, as its memory was. 0, -ENOENT (parent unknown), -ENOMEM. */
int addrspaces__fork(struct addrspaces *as, pid_t parent, pid_t child);

/* pid exec'd: its old layout says nothing of the new image (unknown beats wrong). Re-reads
 * the new one if the process is still there. */
void addrspaces__exec(struct addrspaces *as, pid_t pid);

/* pid is gone and its samples are recorded: its model goes (modules stay, shared). */
void addrspaces__forget(struct addrspaces *as, pid_t pid);

/* Closes the files of modules no live process maps any more, once their samples are
 * resolved (call it after symbolizing), calling cb for each first. */
void addrspaces__release_unmapped(struct addrspaces *as,
				  void (*cb)(void *ctx, const struct module *mod), void *ctx);

/* How many modules wait for addrspaces__release_unmapped(). */
size_t addrspaces__unmapped_cnt(const struct addrspaces *as);

/* The module of a dense id (struct module's id), or NULL. */
const struct module *addrspaces__module(const struct addrspaces *as, uint32_t id);

/* The module of the file the kernel knows by identity fid (include/file_id.h), or NULL. */
const struct module *addrspaces__module_by_file(const struct addrspaces *as,
						const struct file_id *fid);

/* Bumped each time pid's model is re-read: whatever was built from the old one is stale. */
uint64_t addrspaces__generation(struct addrspaces *as, pid_t pid);

/* Calls cb for each mapping of a file in pid's current model, in address order. */
int addrspaces__for_each_file_mapping(struct addrspaces *as, pid_t pid,
				      int (*cb)(const struct mapping *m, const struct module *mod,
						void *ctx),
				      void *ctx);

#endif /* MEMSNOOP_ADDRSPACE_H */
