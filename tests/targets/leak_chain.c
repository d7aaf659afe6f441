// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Leaks argv[1] (default LEAK_CNT) blocks of LEAK_SZ bytes through
 * main -> leak_outer -> leak_middle -> leak_inner, and churns argv[2] (default 0) blocks of
 * CHURN_SZ bytes, each freed at once, through main -> churn_outer -> churn_inner. */
#include "target.h"

#define LEAK_CNT 100
#define LEAK_SZ 1000
#define CHURN_SZ 64

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

NOINLINE void churn_inner(void)
{
	void *volatile block = malloc(CHURN_SZ); /* else the pair is optimized away */

	free(block);
	KEEP();
}

NOINLINE void churn_outer(int cnt)
{
	for (int i = 0; i < cnt; i++)
		churn_inner();
	KEEP();
}

int main(int argc, char **argv)
{
	int cnt = argc > 1 ? atoi(argv[1]) : LEAK_CNT;
	int churn = argc > 2 ? atoi(argv[2]) : 0;

	target_hold_until_attached();
	leak_outer(cnt);
	churn_outer(churn);
	target_truth("churn_bytes", (unsigned long long)churn * CHURN_SZ);
	target_truth("leaked_bytes", (unsigned long long)cnt * LEAK_SZ);
	target_truth("leaked_objects", cnt);
	return 0;
}
