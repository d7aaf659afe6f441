// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The C allocator pattern, held until attached; built dynamic, static (glibc and musl) and
 * stripped (see the Makefile). */
#include "alloc_pattern.h"

int main(void)
{
	struct truth t = { 0 };

	target_hold_until_attached();
	leak_c(&t);
	churn_c(&t);
	print_truth(&t);
	return 0;
}
