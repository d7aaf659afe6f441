/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* /proc/PID/maps, parsed. */
#ifndef MEMSNOOP_PROCMAPS_H
#define MEMSNOOP_PROCMAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct mapping {
	uint64_t start, end, offset;
	uint64_t dev; /* makedev(major, minor) */
	uint64_t inode;
	bool exec;
	char *path; /* "" for anonymous mappings, "[stack]" and the like for special ones */
};

struct procmaps {
	struct mapping *maps; /* sorted by start, as the kernel lists them */
	size_t cnt;
};

/* Returns 0, -EINVAL for a malformed line, -ENOMEM. */
int procmaps__parse(FILE *f, struct procmaps *out);
/* Reads /proc/PID/maps. Returns 0 or a negative errno (-ESRCH when the process is gone). */
int procmaps__read(pid_t pid, struct procmaps *out);
/* A deep copy: 0 or -ENOMEM (then *to is empty). */
int procmaps__copy(const struct procmaps *from, struct procmaps *to);
void procmaps__clear(struct procmaps *pm);

/* The mapping that holds addr, or NULL. */
const struct mapping *procmaps__find(const struct procmaps *pm, uint64_t addr);
/* A mapping of a regular file (not anonymous, not [vdso] and the like). */
bool mapping_is_file(const struct mapping *m);

#endif /* MEMSNOOP_PROCMAPS_H */
