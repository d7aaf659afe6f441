// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A program that carries an allocator of its own, as a Go binary carries runtime.mallocgc:
 * own_arena_alloc() hands out its arena's bytes without calling malloc, which memsnoop does
 * not see, then the program mallocs 10 blocks of 100 bytes, which it does. */
#include "target.h"

static char arena[1 << 16];
static size_t used;
static void *volatile sink;

/* named as the Go runtime's allocator is, so that memsnoop takes it for one */
NOINLINE void *own_arena_alloc(size_t n) __asm__("runtime.mallocgc");
NOINLINE void *own_arena_alloc(size_t n)
{
	void *p = used + n <= sizeof(arena) ? arena + used : NULL;

	used += n;
	KEEP();
	return p;
}

int main(void)
{
	target_hold_until_attached();
	for (int i = 0; i < 100; i++)
		sink = own_arena_alloc(256);
	for (int i = 0; i < 10; i++)
		sink = malloc(100);
	target_truth("leaked_bytes", 10 * 100);
	return 0;
}
