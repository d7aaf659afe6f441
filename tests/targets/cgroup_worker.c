// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A process started in a cgroup while memsnoop watches it: leaks CTOR_CNT x CTOR_SZ bytes in a
 * constructor and MAIN_CNT x MAIN_SZ in main (freeing as many), then says "ready PID" and
 * waits on stdin before exiting. It writes with write(2): stdio would allocate a buffer.
 */
#include <string.h>
#include "target.h"

#define CTOR_CNT 20
#define CTOR_SZ 512
#define MAIN_CNT 8
#define MAIN_SZ 2048

static void *volatile sink;

NOINLINE void worker_ctor_leak(void)
{
	for (int i = 0; i < CTOR_CNT; i++)
		sink = malloc(CTOR_SZ);
	KEEP();
}

__attribute__((constructor)) static void before_main(void)
{
	worker_ctor_leak();
}

NOINLINE void worker_main_leak(void)
{
	for (int i = 0; i < MAIN_CNT; i++) {
		sink = malloc(MAIN_SZ * 2);
		free(sink);
		sink = malloc(MAIN_SZ);
	}
	KEEP();
}

int main(void)
{
	char line[32], c;
	int len;

	worker_main_leak();
	len = snprintf(line, sizeof(line), "ready %d\n", (int)getpid());
	if (write(1, line, len) != len || read(0, &c, 1) < 0)
		return 1;
	return 0;
}
