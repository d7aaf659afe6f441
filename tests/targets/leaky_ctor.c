// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Launched by memsnoop (-- COMMAND), not held: leaks CTOR_CNT x CTOR_SZ bytes in a
 * constructor, before main, and MAIN_CNT x MAIN_SZ in main; frees everything else. Writes
 * "hello" to stdout with write(2) (stdio would allocate a buffer), then exits with the status
 * argv[1] names, or kills itself with SIGTERM when argv[1] is "term".
 */
#include <signal.h>
#include <string.h>
#include "target.h"

#define CTOR_CNT 25
#define CTOR_SZ 400
#define MAIN_CNT 10
#define MAIN_SZ 3000

static void *volatile sink;

NOINLINE void leak_in_constructor(void)
{
	for (int i = 0; i < CTOR_CNT; i++)
		sink = malloc(CTOR_SZ);
	KEEP();
}

__attribute__((constructor)) static void before_main(void)
{
	leak_in_constructor();
}

NOINLINE void leak_in_main(void)
{
	for (int i = 0; i < MAIN_CNT; i++) {
		sink = malloc(MAIN_SZ * 2); /* not a leak: freed (through sink, or the compiler */
		free(sink);		    /* would drop the pair) */
		sink = malloc(MAIN_SZ);
	}
	KEEP();
}

int main(int argc, char **argv)
{
	leak_in_main();
	if (write(1, "hello\n", 6) != 6)
		return 99;
	if (argc > 1 && !strcmp(argv[1], "term"))
		raise(SIGTERM);
	return argc > 1 ? atoi(argv[1]) : 0;
}
