// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Many distinct sites: argv[1] (default 10000) blocks of 64 bytes, each kept, each allocated
 * through its own path of 14 calls to left() or right() (the bits of its index), so that
 * each has a stack of its own. Then it stays quiet for argv[2] seconds (default 5) before
 * exiting: the live view's cost per tick with that many sites is measured then.
 */
#include "target.h"

#define DEPTH 14

NOINLINE void *left(unsigned bits, int depth);
NOINLINE void *right(unsigned bits, int depth);

static inline void *step(unsigned bits, int depth)
{
	if (!depth)
		return malloc(64);
	return bits & 1 ? left(bits >> 1, depth - 1) : right(bits >> 1, depth - 1);
}

NOINLINE void *left(unsigned bits, int depth)
{
	void *p = step(bits, depth);

	KEEP();
	return p;
}

NOINLINE void *right(unsigned bits, int depth)
{
	void *p = step(bits, depth);

	KEEP();
	return p;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? atoi(argv[1]) : 10000, quiet = argc > 2 ? atoi(argv[2]) : 5;
	void **kept = calloc(n, sizeof(*kept));

	target_hold_until_attached();
	for (unsigned i = 0; i < n; i++)
		kept[i] = step(i, DEPTH);
	target_truth("sites", n);
	sleep(quiet);
	return kept[n - 1] == NULL;
}
