// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Three sites of known, different sizes, each allocating and freeing a known number of times. */
#include <string.h>
#include "target.h"

static void *volatile sink;

#define SITE(name, count, size)                                  \
	NOINLINE void name(void)                                 \
	{                                                        \
		for (int i = 0; i < (count); i++) {              \
			sink = malloc(size);                     \
			free(sink);                              \
		}                                                \
		KEEP();                                          \
		target_truth(#name "_count", (count));           \
		target_truth(#name "_size", (size));             \
	}

SITE(site_small, 200000, 64)
SITE(site_medium, 20000, 4096)
SITE(site_large, 300, 256 * 1024)

int main(void)
{
	target_hold_until_attached();
	site_small();
	site_medium();
	site_large();
	return 0;
}
