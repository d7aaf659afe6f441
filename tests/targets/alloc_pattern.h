/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The C part of the allocator-family targets: a known pattern through the C entry points,
 * whatever allocator serves them, and its truth. leak_c() leaks LEAK_C_CNT blocks of
 * LEAK_C_SZ bytes; everything else is freed.
 */
#ifndef ALLOC_PATTERN_H
#define ALLOC_PATTERN_H

#include <stdlib.h>
#include "target.h"

#define LEAK_C_CNT 7
#define LEAK_C_SZ 1000
#define CHURN_CNT 300

struct truth {
	unsigned long long alloc_calls, alloc_bytes, frees, leaked_objects, leaked_bytes;
};

static void *volatile pattern_sink;

static inline void count_alloc(struct truth *t, unsigned long long bytes)
{
	t->alloc_calls++;
	t->alloc_bytes += bytes;
}

NOINLINE void leak_c(struct truth *t)
{
	for (int i = 0; i < LEAK_C_CNT; i++) {
		pattern_sink = malloc(LEAK_C_SZ);
		count_alloc(t, LEAK_C_SZ);
	}
	t->leaked_objects += LEAK_C_CNT;
	t->leaked_bytes += LEAK_C_CNT * LEAK_C_SZ;
	KEEP();
}

NOINLINE void churn_c(struct truth *t)
{
	for (int i = 0; i < CHURN_CNT; i++) {
		void *p = malloc(64), *q;

		count_alloc(t, 64);
		pattern_sink = p;
		q = realloc(pattern_sink, 200); /* p is freed by realloc: no free call of its own */
		count_alloc(t, 200);
		free(q);
		pattern_sink = calloc(10, 8);
		count_alloc(t, 80);
		free(pattern_sink);
		if (posix_memalign(&p, 64, 256) == 0) {
			count_alloc(t, 256);
			free(p);
			t->frees++;
		}
		pattern_sink = aligned_alloc(64, 128);
		count_alloc(t, 128);
		free(pattern_sink);
		t->frees += 3;
	}
	KEEP();
}

static inline void print_truth(const struct truth *t)
{
	target_truth("alloc_calls", t->alloc_calls);
	target_truth("alloc_bytes", t->alloc_bytes);
	target_truth("frees", t->frees);
	target_truth("leaked_objects", t->leaked_objects);
	target_truth("leaked_bytes", t->leaked_bytes);
}

#endif /* ALLOC_PATTERN_H */
