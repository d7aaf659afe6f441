// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A process that grows for a while: every 50 ms it keeps 64 KiB from grow_cache (never
 * freed) and churns buffers it frees at once, for the number of milliseconds given (default
 * 3500). The live view should show grow_cache on top, growing at each tick.
 */
#include <string.h>
#include <time.h>
#include "target.h"

#define KEEP_SZ (64 * 1024)

static void *volatile sink;

NOINLINE void *grow_cache(void)
{
	void *p = malloc(KEEP_SZ);

	memset(p, 1, KEEP_SZ); /* resident: the RSS grows with it */
	KEEP();
	return p;
}

NOINLINE void churn_buffers(void)
{
	for (int i = 0; i < 64; i++) {
		sink = malloc(256);
		free(sink);
	}
	KEEP();
}

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 3500, steps = ms / 50;
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	void **kept = calloc(steps, sizeof(*kept));

	target_hold_until_attached();
	for (long i = 0; i < steps; i++) {
		kept[i] = grow_cache();
		churn_buffers();
		nanosleep(&pause, NULL);
	}
	target_truth("kept", steps);
	target_truth("kept_bytes", steps * KEEP_SZ);
	return 0;
}
