// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Keeps BEFORE_CNT blocks live, then exec's itself (same PID): the new image leaks AFTER_CNT
 * blocks and exits. The old image's blocks went with it at the exec: only the new ones leak.
 */
#include "target.h"

#define BEFORE_CNT 20
#define BEFORE_SZ 500
#define AFTER_CNT 7
#define AFTER_SZ 900

static void *volatile sink;

NOINLINE void keep_before_exec(void)
{
	for (int i = 0; i < BEFORE_CNT; i++)
		sink = malloc(BEFORE_SZ);
	KEEP();
}

NOINLINE void leak_after_exec(void)
{
	for (int i = 0; i < AFTER_CNT; i++)
		sink = malloc(AFTER_SZ);
	KEEP();
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		setvbuf(stdout, NULL, _IONBF, 0); /* else printf's buffer is one more leak */
		leak_after_exec();
		target_truth("before_bytes", BEFORE_CNT * BEFORE_SZ);
		target_truth("after_bytes", AFTER_CNT * AFTER_SZ);
		return 0;
	}
	target_hold_until_attached();
	keep_before_exec();
	execl("/proc/self/exe", argv[0], "after", (char *)NULL);
	return 1;
}
