// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * 2^DEPTH unique stacks, one allocation each: a walk of DEPTH levels goes through left() or
 * right() at each level, as the bits of the path say. Usage: many_stacks DEPTH [ROUNDS].
 */
#include "target.h"

static void *volatile sink;

static NOINLINE void walk(int depth, unsigned long path);

static NOINLINE void left(int depth, unsigned long path)
{
	walk(depth, path);
	KEEP();
}

static NOINLINE void right(int depth, unsigned long path)
{
	walk(depth, path);
	KEEP();
}

static NOINLINE void walk(int depth, unsigned long path)
{
	if (!depth) {
		sink = malloc(16);
		free(sink);
		return;
	}
	if (path & 1)
		left(depth - 1, path >> 1);
	else
		right(depth - 1, path >> 1);
	KEEP();
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 10;
	long rounds = argc > 2 ? atol(argv[2]) : 1;

	target_hold_until_attached();
	for (long r = 0; r < rounds; r++)
		for (unsigned long path = 0; path < 1UL << depth; path++)
			walk(depth, path);
	target_truth("allocs", rounds << depth);
	return 0;
}
