/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every target shares: it prints its PID, holds on stdin until the test says memsnoop
 * has attached, runs its allocation pattern from noinline functions, and prints the truth
 * as "key value" lines for the test to compare with memsnoop's figures.
 */
#ifndef TARGET_H
#define TARGET_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
/* keeps a noinline function from being merged with its twin or turned into a tail call */
#define KEEP() asm volatile("" ::: "memory")

static inline void target_hold_until_attached(void)
{
	char c;

	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	if (read(0, &c, 1) != 1)
		exit(100);
}

static inline void target_truth(const char *key, unsigned long long value)
{
	printf("%s %llu\n", key, value);
	fflush(stdout);
}

#endif /* TARGET_H */
