// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Built -O2 -fomit-frame-pointer, as distributions build: a 6-deep chain, chain_d inlined into
 * chain_c, leaking CNT blocks. Frame pointers cannot walk it; DWARF CFI can.
 */
#include "target.h"

#define CNT 50
#define SZ 777
#define CHAIN __attribute__((noinline, noclone))

static void *volatile sink;

CHAIN void chain_f(int i)
{
	sink = malloc(SZ + (i & 0));
	KEEP();
}

CHAIN void chain_e(int i)
{
	chain_f(i);
	KEEP();
}

static inline __attribute__((always_inline)) void chain_d(int i)
{
	chain_e(i);
	KEEP();
}

CHAIN void chain_c(int i)
{
	chain_d(i);
	KEEP();
}

CHAIN void chain_b(int i)
{
	chain_c(i);
	KEEP();
}

CHAIN void chain_a(void)
{
	for (int i = 0; i < CNT; i++)
		chain_b(i);
	KEEP();
}

int main(void)
{
	target_hold_until_attached();
	chain_a();
	target_truth("leaked_bytes", CNT * SZ);
	return 0;
}
