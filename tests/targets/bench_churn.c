// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A malloc-heavy loop: malloc+free pairs of 16..1039 bytes (scaffolding in bench_loop.h). */
#include "bench_loop.h"

NOINLINE static void churn(long n, uint32_t x)
{
	void *volatile sink; /* per thread: keeps the pair from being optimized away */

	for (long i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		sink = malloc(16 + (x >> 16) % 1024);
		free(sink);
	}
	KEEP();
}
