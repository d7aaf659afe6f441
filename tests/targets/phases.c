// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Allocations in two phases, each started by a byte on stdin: before_window keeps 40 blocks
 * of 1000 bytes, in_window 25 blocks of 3000 bytes; each phase ends with a line "NAME_done 1"
 * so that a test can take a baseline in between (a ?seconds=N delta holds only the second).
 * Then it holds on stdin until it is closed, every block still live.
 */
#include "target.h"

#define BEFORE_CNT 40
#define BEFORE_SZ 1000
#define IN_CNT 25
#define IN_SZ 3000

static void *kept[BEFORE_CNT + IN_CNT];

NOINLINE void *before_window(void)
{
	void *p = malloc(BEFORE_SZ);

	KEEP();
	return p;
}

NOINLINE void *in_window(void)
{
	void *p = malloc(IN_SZ);

	KEEP();
	return p;
}

static void wait_byte(void)
{
	char c;

	if (read(0, &c, 1) != 1)
		exit(100);
}

int main(void)
{
	char c;

	target_hold_until_attached();
	for (int i = 0; i < BEFORE_CNT; i++)
		kept[i] = before_window();
	target_truth("before_done", 1);
	wait_byte();
	for (int i = 0; i < IN_CNT; i++)
		kept[BEFORE_CNT + i] = in_window();
	target_truth("window_done", 1);
	while (read(0, &c, 1) == 1)
		;
	target_truth("before_bytes", BEFORE_CNT * BEFORE_SZ);
	target_truth("before_objects", BEFORE_CNT);
	target_truth("window_bytes", IN_CNT * IN_SZ);
	target_truth("window_objects", IN_CNT);
	return 0;
}
