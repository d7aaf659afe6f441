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

struct module {
	uint32_t id; /* dense, from 0 */
	uint64_t dev, inode;
	char *path;	 /* as the process maps it */
	char *open_path; /* the same file seen from here, through /proc/PID/root */
	int fd;		 /* open from the first sight of it on, or -1: outlives the process */
};

struct addrspaces;

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

#endif /* MEMSNOOP_ADDRSPACE_H */
