/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * glibc's own accounting of a process's heap, read from outside it: every arena's
 * system_mem (memory obtained from the kernel for the arena) and mp_'s mmapped chunks. The
 * variables (main_arena, mp_) and their structs' layouts come from libc's debug information
 * (Debian's libc6-dbg): without it there is nothing to read, and that is not an error.
 * Optional by nature: a process with another allocator, or a libc without debug info, has
 * no such figures.
 */
#ifndef MEMSNOOP_GLIBC_ARENA_H
#define MEMSNOOP_GLIBC_ARENA_H

#include <stdint.h>
#include <sys/types.h>

struct glibc_arena_stats {
	uint64_t arenas;	 /* main_arena and every other arena on its list */
	uint64_t system_mem;	 /* bytes all arenas hold from the kernel (sbrk, mmap'd heaps) */
	uint64_t mmapped_mem;	 /* bytes in chunks mmap'd on their own (large blocks) */
	uint64_t n_mmaps;	 /* how many */
};

struct glibc_arena;

/*
 * Finds pid's glibc (the libc.so.6 it maps), the addresses of main_arena and mp_, and the
 * offsets of the fields read, from the debug information. NULL with errno ENOENT when pid maps
 * no glibc or its debug information is not installed, another errno otherwise.
 */
struct glibc_arena *glibc_arena__open(pid_t pid);
void glibc_arena__free(struct glibc_arena *g);

/* Reads the figures now. 0, -ESTALE when the process no longer maps that libc there (it
 * exec'd: open it again), or another negative errno (-ESRCH: the process is gone). */
int glibc_arena__read(struct glibc_arena *g, struct glibc_arena_stats *out);

#endif /* MEMSNOOP_GLIBC_ARENA_H */
