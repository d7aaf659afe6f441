// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Leaks LEAK_CNT blocks of LEAK_SZ bytes through main -> leak_outer -> leak_middle -> leak_inner. */
#include "target.h"

#define LEAK_CNT 100
#define LEAK_SZ 1000

static void *volatile sink;

NOINLINE void leak_inner(void)
{
	sink = malloc(LEAK_SZ);
	KEEP();
}

NOINLINE void leak_middle(void)
{
	leak_inner();
	KEEP();
}

NOINLINE void leak_outer(void)
{
	for (int i = 0; i < LEAK_CNT; i++)
		leak_middle();
	KEEP();
}

int main(void)
{
	target_hold_until_attached();
	leak_outer();
	target_truth("leaked_bytes", LEAK_CNT * LEAK_SZ);
	target_truth("leaked_objects", LEAK_CNT);
	return 0;
}
