// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Leaks argv[1] (default LEAK_CNT) blocks of LEAK_SZ bytes through
 * main -> leak_outer -> leak_middle -> leak_inner. */
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

NOINLINE void leak_outer(int cnt)
{
	for (int i = 0; i < cnt; i++)
		leak_middle();
	KEEP();
}

int main(int argc, char **argv)
{
	int cnt = argc > 1 ? atoi(argv[1]) : LEAK_CNT;

	target_hold_until_attached();
	leak_outer(cnt);
	target_truth("leaked_bytes", (unsigned long long)cnt * LEAK_SZ);
	target_truth("leaked_objects", cnt);
	return 0;
}
