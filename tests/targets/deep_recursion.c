// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Allocates at the bottom of a recursion of argv[1] levels (default DEPTH, ~160 bytes of stack
 * each: far deeper than --stack-bytes copies). */
#include <string.h>
#include "target.h"

#define DEPTH 1000

static void *volatile sink;

NOINLINE void recurse(int depth)
{
	volatile char frame[128]; /* ~160 bytes of stack a level */

	memset((char *)frame, depth, sizeof(frame));
	if (depth == 0)
		sink = malloc(4242);
	else
		recurse(depth - 1);
	KEEP();
}

int main(int argc, char **argv)
{
	target_hold_until_attached();
	recurse(argc > 1 ? atoi(argv[1]) : DEPTH);
	target_truth("leaked_bytes", 4242);
	return 0;
}
