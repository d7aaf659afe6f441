// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Leaks nothing: bursts of allocations, each burst freed whole. Under a ring buffer too small
 * for the bursts, allocation and free events are lost; none of it may become a leak.
 */
#include "target.h"

#define BURSTS 200
#define BURST_CNT 500

static void *blocks[BURST_CNT];

NOINLINE void fill(int round)
{
	for (int i = 0; i < BURST_CNT; i++)
		blocks[i] = malloc(16 + (i + round) % 200);
	KEEP();
}

NOINLINE void empty(void)
{
	for (int i = 0; i < BURST_CNT; i++)
		free(blocks[i]);
	KEEP();
}

int main(void)
{
	target_hold_until_attached();
	for (int r = 0; r < BURSTS; r++) {
		fill(r);
		empty();
	}
	target_truth("allocations", BURSTS * BURST_CNT);
	target_truth("leaked_bytes", 0);
	return 0;
}
