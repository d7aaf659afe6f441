// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A malloc-heavy loop: PAIRS malloc+free pairs of mixed sizes; prints ns per pair. */
#include <stdint.h>
#include <time.h>
#include "target.h"

static void *volatile sink;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

NOINLINE void churn(long pairs)
{
	uint32_t x = 1;

	for (long i = 0; i < pairs; i++) {
		x = x * 1103515245 + 12345;
		sink = malloc(16 + (x >> 16) % 1024);
		free(sink);
	}
	KEEP();
}

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 200000;
	double start;

	target_hold_until_attached();
	start = now_ns();
	churn(pairs);
	target_truth("ns_per_pair", (now_ns() - start) / pairs);
	return 0;
}
