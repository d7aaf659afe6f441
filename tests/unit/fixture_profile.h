/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small exact (rate 1) profile the writer tests share: an inlined frame, a name with a ";",
 * a terminal escape and a newline, a truncated stack, a fully freed stack and one stack seen
 * in two processes.
 */
#ifndef FIXTURE_PROFILE_H
#define FIXTURE_PROFILE_H

#include "alloc_table.h"
#include "memsnoop_abi.h"
#include "profile.h"

/* The exact counter of a glibc entry point. */
#define GLIBC_ROW(row) (FAMILY_GLIBC * ALLOC_ROW_CNT + ROW_##row)

/*
 * Size classes matching the writers' fixture counters: glibc's malloc (8 calls, 1570 bytes:
 * 4 x 24, 3 x 300, 1 x 574) and calloc (1 x 10); 3 frees, 2 of known size (24 bytes each);
 * jemalloc's new (2 x 32).
 */
static inline void fixture_sizes(struct fn_counter *sizes)
{
	sizes[size_counter(FAMILY_GLIBC, SIZE_DIR_ALLOC, 4)] = (struct fn_counter){ 1, 10 };
	sizes[size_counter(FAMILY_GLIBC, SIZE_DIR_ALLOC, 5)] = (struct fn_counter){ 4, 96 };
	sizes[size_counter(FAMILY_GLIBC, SIZE_DIR_ALLOC, 9)] = (struct fn_counter){ 3, 900 };
	sizes[size_counter(FAMILY_GLIBC, SIZE_DIR_ALLOC, 10)] = (struct fn_counter){ 1, 574 };
	sizes[size_counter(FAMILY_GLIBC, SIZE_DIR_FREE, 5)] = (struct fn_counter){ 2, 48 };
	sizes[size_counter(FAMILY_GLIBC, SIZE_DIR_FREE, SIZE_CLASS_UNKNOWN)] = (struct fn_counter){ 1, 0 };
	sizes[size_counter(FAMILY_JEMALLOC, SIZE_DIR_ALLOC, 5)] = (struct fn_counter){ 2, 64 };
}

#define GOLDEN_DIR "tests/unit/golden/"

static struct profile *fixture_profile(void)
{
	const struct frame leaf[] = { { "inner_helper", "app.c", 10, 8, NULL },
				      { "leaf_fn", "app.c", 20, 18, "_Z7leaf_fnv" } };
	const struct frame main_fn = { "main", "app.c", 30, 28, NULL };
	const struct frame start = { "__libc_start_call_main", NULL, 0, 0, NULL };
	const struct frame weird = { "other;weird\x1b[2J\nname", "app.c", 40, 39, NULL };
	struct profile *p = profile__new(1);
	uint32_t l0, l1, l2, l3;
	int s0, s1, s2, s3;

	l0 = profile__add_location(p, "/bin/app", "a1b2c3", 0x1100, leaf, 2);
	l1 = profile__add_location(p, "/bin/app", "a1b2c3", 0x1200, &main_fn, 1);
	l2 = profile__add_location(p, "/lib/libc.so.6", NULL, 0x2a000, &start, 1);
	l3 = profile__add_location(p, "/bin/app", "a1b2c3", 0x1300, &weird, 1);

	s0 = profile__intern_stack(p, 0, (uint32_t[]){ l0, l1, l2 }, 3, false);
	s1 = profile__intern_stack(p, 0, (uint32_t[]){ l3, l1, l2 }, 3, false);
	s2 = profile__intern_stack(p, 0, (uint32_t[]){ l3, l1 }, 2, true);
	s3 = profile__intern_stack(p, 5, (uint32_t[]){ l0, l1, l2 }, 3, false);

	for (int i = 0; i < 3; i++)
		profile__record_alloc(p, s0, 100, true);
	profile__record_alloc(p, s0, 50, true);
	profile__record_free(p, s0, 50, 1000);
	profile__record_alloc(p, s1, 1000, true);
	profile__record_alloc(p, s2, 10, true);
	profile__record_alloc(p, s2, 10, true);
	profile__record_free(p, s2, 10, 1000);
	profile__record_free(p, s2, 10, 1000);
	profile__record_alloc(p, s3, 100, true);
	return p;
}

#endif /* FIXTURE_PROFILE_H */
