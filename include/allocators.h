/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The allocator entry points a process actually maps, found in its ELF objects. */
#ifndef MEMSNOOP_ALLOCATORS_H
#define MEMSNOOP_ALLOCATORS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "memsnoop_abi.h"

/* The name of an entry point ("malloc", "free", ...). */
const char *alloc_fn_name(enum alloc_fn fn);

/* How many integer argument registers the probe of fn reads. */
unsigned alloc_fn_arg_cnt(enum alloc_fn fn);

/* True for a function that belongs to the allocator, trimmed from the leaf of stacks. */
bool is_allocator_function(const char *name);

struct alloc_entry {
	bool found;
	uint64_t offset;	 /* file offset of the function's first instruction */
	uint32_t probe_offset;	 /* where its probe goes, from the first instruction */
	enum alloc_fn alias_of;	 /* FN_CNT, or the entry point found at the same offset */
	char placement_why[160]; /* why there, for -v */
};

/* One ELF object of the process that defines at least one entry point. */
struct alloc_object {
	char *path;	 /* as the process maps it */
	char *open_path; /* the same file seen from here: /proc/PID/root/<path> */
	struct alloc_entry entries[FN_CNT];
};

struct alloc_objects {
	struct alloc_object *objs;
	size_t cnt;
};

/*
 * Finds every mapped object of pid that defines allocator entry points (libc, a static
 * executable, a preloaded allocator). Returns 0 (objs->cnt may be 0) or a negative errno.
 */
int alloc_objects__find(pid_t pid, struct alloc_objects *out);
void alloc_objects__clear(struct alloc_objects *objs);

/* Adds the file (path as the process names it, open_path as seen from here) when it defines
 * any entry point and is not there yet. Returns 0 or -ENOMEM. */
int alloc_objects__add_file(struct alloc_objects *objs, const char *path, const char *open_path);

/* Looks the entry points up in one ELF file. Returns 0 or a negative errno. */
int alloc_entries__read_elf(const char *path, struct alloc_entry entries[FN_CNT]);

#endif /* MEMSNOOP_ALLOCATORS_H */
