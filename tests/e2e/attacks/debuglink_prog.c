/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Allocates through debuglink_lib, so that memsnoop looks up that library's debug information. */
#include <stdio.h>
#include <stdlib.h>

void *lib_alloc(size_t n);

int main(void)
{
	void *p = lib_alloc(4096);

	printf("allocated %p\n", p);
	return 0;
}
