// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* An allocation inside an always-inlined helper: the stack must show the helper as a frame. */
#include "target.h"

#define CNT 10
#define SZ 512

static void *volatile sink;

static inline __attribute__((always_inline)) void inlined_helper(int i)
{
	sink = malloc(SZ + i % 1);
}

NOINLINE void outer_function(void)
{
	for (int i = 0; i < CNT; i++)
		inlined_helper(i);
	KEEP();
}

int main(void)
{
	target_hold_until_attached();
	outer_function();
	target_truth("leaked_bytes", CNT * SZ);
	return 0;
}
