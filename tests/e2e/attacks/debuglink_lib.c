/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A library whose debug information is "separate": its .gnu_debuglink names a file beside it,
 * which the target replaces by a FIFO. */
#include <stdlib.h>

void *lib_alloc(size_t n)
{
	void *p = malloc(n);

	asm volatile("" ::: "memory");
	return p;
}
