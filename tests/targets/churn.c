// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Calls every allocator entry point a known number of times with known sizes, frees all
 * but a known remainder, and prints the truth: calls and requested bytes per entry point,
 * calls of free() with a block, and what is still live at exit.
 */
#include <malloc.h>
#include <string.h>
#include "target.h"

enum { MALLOC, CALLOC, REALLOC, REALLOCARRAY, POSIX_MEMALIGN, ALIGNED_ALLOC, MEMALIGN, VALLOC,
       PVALLOC, FN_CNT };
static const char *const names[FN_CNT] = { "malloc", "calloc", "realloc", "reallocarray",
					    "posix_memalign", "aligned_alloc", "memalign",
					    "valloc", "pvalloc" };
/* an opaque NULL: the compiler would turn realloc(NULL, n) into malloc(n) */
static void *volatile null_block;
static unsigned long long calls[FN_CNT], bytes[FN_CNT], frees, live_bytes, live_objects;

#define PAIRS 20000
#define KEEP_CNT 50
#define KEEP_SZ 3000

static void count(int fn, unsigned long long size)
{
	calls[fn]++;
	bytes[fn] += size;
}

static void release(void *p)
{
	if (p)
		frees++;
	free(p);
}

NOINLINE void churn_malloc(void)
{
	for (int i = 0; i < PAIRS; i++) {
		size_t sz = 16 + (size_t)i * 7919 % 4000;
		char *p = malloc(sz);

		count(MALLOC, sz);
		memset(p, i, sz);
		release(p);
	}
	KEEP();
}

NOINLINE void churn_others(void)
{
	void *p;

	for (int i = 0; i < 1000; i++) {
		release(calloc(10, 24));
		count(CALLOC, 240);
	}
	for (int i = 0; i < 500; i++) {
		/* realloc(NULL, n) allocates; realloc(p, 0) frees and returns NULL */
		p = realloc(null_block, 100);
		count(REALLOC, 100);
		p = realloc(p, 200);
		count(REALLOC, 200);
		p = realloc(p, 50);
		count(REALLOC, 50);
		p = realloc(p, 0);
		count(REALLOC, 0);
		if (p) /* glibc: realloc(p, 0) freed p (not a call of free) */
			exit(2);
	}
	for (int i = 0; i < 300; i++) {
		release(reallocarray(null_block, 10, 30));
		count(REALLOCARRAY, 300);
	}
	for (int i = 0; i < 200; i++) {
		if (posix_memalign(&p, 64, 1000))
			exit(3);
		count(POSIX_MEMALIGN, 1000);
		release(p);
		release(aligned_alloc(64, 512));
		count(ALIGNED_ALLOC, 512);
	}
	for (int i = 0; i < 100; i++) {
		release(memalign(128, 256));
		count(MEMALIGN, 256);
		release(valloc(1000));
		count(VALLOC, 1000);
		release(pvalloc(1000));
		count(PVALLOC, 1000);
	}
	KEEP();
}

static void *volatile kept[KEEP_CNT + 1];

NOINLINE void keep_live(void)
{
	for (int i = 0; i < KEEP_CNT; i++) {
		kept[i] = malloc(KEEP_SZ);
		count(MALLOC, KEEP_SZ);
	}
	/* grown in place or moved: either way one live block of 5000 bytes */
	kept[KEEP_CNT] = realloc(realloc(null_block, 10), 5000);
	count(REALLOC, 10);
	count(REALLOC, 5000);
	live_bytes = KEEP_CNT * KEEP_SZ + 5000;
	live_objects = KEEP_CNT + 1;
	KEEP();
}

int main(void)
{
	unsigned long long all_calls = 0, all_bytes = 0;
	char key[64];

	target_hold_until_attached();
	churn_malloc();
	churn_others();
	keep_live();
	for (int fn = 0; fn < FN_CNT; fn++) {
		snprintf(key, sizeof(key), "calls_%s", names[fn]);
		target_truth(key, calls[fn]);
		snprintf(key, sizeof(key), "bytes_%s", names[fn]);
		target_truth(key, bytes[fn]);
		all_calls += calls[fn];
		all_bytes += bytes[fn];
	}
	target_truth("calls_all", all_calls);
	target_truth("bytes_all", all_bytes);
	target_truth("frees", frees);
	target_truth("live_bytes", live_bytes);
	target_truth("live_objects", live_objects);
	return 0;
}
