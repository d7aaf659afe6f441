// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * big_cfi [N]: leaks N (default 100) blocks of 700 bytes from leak_here(), called through
 * big_cfi_call() (tests/targets/big_cfi_rows.S), a function amid CFI of more rows than the
 * kernel's old table budget in all.
 */
#include "target.h"

#define LEAK_SZ 700

void big_cfi_call(void (*fn)(void));

static void *volatile sink;
static int leak_cnt = 100;

NOINLINE void leak_here(void)
{
	for (int i = 0; i < leak_cnt; i++)
		sink = malloc(LEAK_SZ);
	KEEP();
}

int main(int argc, char **argv)
{
	if (argc > 1)
		leak_cnt = atoi(argv[1]);
	target_hold_until_attached();
	big_cfi_call(leak_here);
	target_truth("leaked_bytes", (unsigned long long)leak_cnt * LEAK_SZ);
	return 0;
}
