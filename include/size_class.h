/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Log2 size classes of the exact counters, shared by the BPF program and user space (and the
 * unit tests), so that a class means the same on both sides.
 *
 * Class k holds the sizes in (2^(k-1), 2^k]: a 32-byte node is in class 5 ("<= 32 B"), a
 * 64 KiB buffer in class 16, which is how people ask ("are my blocks mostly 32 bytes?") and
 * how a Prometheus histogram's inclusive upper bounds (le) read. Class 0 holds 0 and 1;
 * the last class every size above 2^(SIZE_CLASS_CNT - 2), requests no allocator grants.
 * A free whose block's size is unknown (not sampled, not a sized free) has a slot of its own.
 */
#ifndef MEMSNOOP_SIZE_CLASS_H
#define MEMSNOOP_SIZE_CLASS_H

#ifndef __BPF__
#include <linux/types.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

#define SIZE_CLASS_CNT 42		   /* classes 0..40 up to 1 TiB, 41 above */
#define SIZE_CLASS_UNKNOWN SIZE_CLASS_CNT  /* frees only: the block's size is not known */
#define SIZE_SLOT_CNT (SIZE_CLASS_CNT + 1) /* counters per (family, direction) */

enum size_dir {
	SIZE_DIR_ALLOC, /* allocations by requested size (a realloc: its new size) */
	SIZE_DIR_FREE,	/* frees by the freed block's size */
	SIZE_DIR_CNT,
};

/* The smallest k with size <= 2^k, capped at the last class. */
static __always_inline __u32 size_class(__u64 size)
{
	__u64 v = size ? size - 1 : 0;
	__u32 k = 0;

	/* a binary search of the highest bit (clang unrolls it for BPF) */
	for (__u32 step = 32; step; step >>= 1) {
		if (v >> step) {
			v >>= step;
			k += step;
		}
	}
	k += v; /* v is 0 or 1 here: the bit length of size - 1 */
	return k < SIZE_CLASS_CNT - 1 ? k : SIZE_CLASS_CNT - 1;
}

/* The counter of a (family, direction, slot) in the size-class map. */
static __always_inline __u32 size_counter(__u32 family, __u32 dir, __u32 slot)
{
	return (family * SIZE_DIR_CNT + dir) * SIZE_SLOT_CNT + slot;
}

#endif /* MEMSNOOP_SIZE_CLASS_H */
