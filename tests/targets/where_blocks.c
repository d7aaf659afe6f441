// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Blocks of known sizes from known sites, for `where` and the size classes. Held like every
 * target, then allocates (each site a noinline function), frees some, and prints:
 *   block SITE START SIZE    a block still live (the first of its site)
 *   freed SITE START         a block freed (no allocation follows: its address stays free)
 *   alloc_class K CALLS BYTES, free_class K CALLS BYTES: its own size-class counts
 * then "ready 1" and holds again until its stdin closes, with every block printed live.
 *
 * "launch": run by memsnoop -- COMMAND; it re-executes itself with address space
 * randomization off, so that its heap addresses are the same from run to run (a test learns
 * them from a first run and asks --where for them in a second), then neither holds nor waits.
 */
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include "target.h"

#define SMALL_CNT 1000
#define SMALL_SZ 24
#define MEDIUM_CNT 100
#define MEDIUM_SZ 3000
#define LARGE_CNT 4
#define LARGE_SZ 200000
#define CALLOC_CNT 50
#define CALLOC_N 10
#define CALLOC_SZ 100
#define TINY_CNT 7 /* 1 byte: class 0 */

#define CLASS_CNT 42

static void *small[SMALL_CNT], *medium[MEDIUM_CNT], *large[LARGE_CNT], *zeroed[CALLOC_CNT];
static void *tiny[TINY_CNT];
static unsigned long long alloc_calls[CLASS_CNT], alloc_bytes[CLASS_CNT];
static unsigned long long free_calls[CLASS_CNT], free_bytes[CLASS_CNT];

/* as memsnoop's size_class.h: the smallest k with size <= 2^k */
static int size_class(unsigned long long size)
{
	int k = 0;

	while (k < CLASS_CNT - 1 && (1ULL << k) < size)
		k++;
	return k;
}

static void count(unsigned long long *calls, unsigned long long *bytes, unsigned long long size)
{
	calls[size_class(size)]++;
	bytes[size_class(size)] += size;
}

/* A macro, not a function: the site itself calls malloc (no inlined frame between). */
#define FILL(blocks, cnt, size)                                      \
	do {                                                         \
		for (int i = 0; i < (cnt); i++) {                    \
			(blocks)[i] = malloc(size);                  \
			count(alloc_calls, alloc_bytes, (size));     \
		}                                                    \
		KEEP();                                              \
	} while (0)

NOINLINE void alloc_small(void)
{
	FILL(small, SMALL_CNT, SMALL_SZ);
}

NOINLINE void alloc_medium(void)
{
	FILL(medium, MEDIUM_CNT, MEDIUM_SZ);
}

NOINLINE void alloc_large(void)
{
	FILL(large, LARGE_CNT, LARGE_SZ);
}

NOINLINE void alloc_zeroed(void)
{
	for (int i = 0; i < CALLOC_CNT; i++) {
		zeroed[i] = calloc(CALLOC_N, CALLOC_SZ);
		count(alloc_calls, alloc_bytes, CALLOC_N * CALLOC_SZ);
	}
	KEEP();
}

NOINLINE void alloc_tiny(void)
{
	FILL(tiny, TINY_CNT, 1);
}

/* Frees the second half of each array: the first block of each site stays live. */
static void free_half(void **blocks, int cnt, unsigned long long size)
{
	for (int i = cnt / 2; i < cnt; i++) {
		free(blocks[i]);
		count(free_calls, free_bytes, size);
	}
}

static void print_block(const char *site, void *p, unsigned long long size)
{
	printf("block %s %llu %llu\n", site, (unsigned long long)(uintptr_t)p, size);
}

static void no_randomization(char **argv)
{
	int pers = personality(0xffffffff);

	if (pers == -1 || (pers & ADDR_NO_RANDOMIZE))
		return;
	if (personality(pers | ADDR_NO_RANDOMIZE) == -1)
		return;
	execv("/proc/self/exe", argv);
}

int main(int argc, char **argv)
{
	int launched = argc > 1 && !strcmp(argv[1], "launch");

	if (launched)
		no_randomization(argv);
	else
		target_hold_until_attached();
	alloc_small();
	alloc_medium();
	alloc_large();
	alloc_zeroed();
	alloc_tiny();
	free_half(small, SMALL_CNT, SMALL_SZ);
	free_half(medium, MEDIUM_CNT, MEDIUM_SZ);
	free_half(large, LARGE_CNT, LARGE_SZ);
	print_block("alloc_small", small[0], SMALL_SZ);
	print_block("alloc_medium", medium[0], MEDIUM_SZ);
	print_block("alloc_large", large[0], LARGE_SZ);
	print_block("alloc_zeroed", zeroed[0], CALLOC_N * CALLOC_SZ);
	print_block("alloc_tiny", tiny[0], 1);
	printf("freed alloc_small %llu\n", (unsigned long long)(uintptr_t)small[SMALL_CNT - 1]);
	for (int k = 0; k < CLASS_CNT; k++) {
		if (alloc_calls[k])
			printf("alloc_class %d %llu %llu\n", k, alloc_calls[k], alloc_bytes[k]);
		if (free_calls[k])
			printf("free_class %d %llu %llu\n", k, free_calls[k], free_bytes[k]);
	}
	printf("ready 1\n");
	fflush(stdout);
	if (!launched) {
		char c;

		while (read(0, &c, 1) == 1)
			;
	}
	return 0;
}
