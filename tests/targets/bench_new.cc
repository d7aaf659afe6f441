// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The C++ twin of bench_churn.c: new[]+delete[] pairs of 16..1039 bytes. Under glibc +
 * libstdc++ memsnoop probes malloc and free only: a pair must cost what malloc+free does. */
#include "bench_loop.h"

NOINLINE static void churn(long n, uint32_t x)
{
	char *volatile sink; /* per thread: keeps the pair from being optimized away */

	for (long i = 0; i < n; i++) {
		x = x * 1103515245 + 12345;
		sink = new char[16 + (x >> 16) % 1024];
		delete[] sink;
	}
	KEEP();
}
