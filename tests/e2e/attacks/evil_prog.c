/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A program linked with its own "dynamic loader" (evil_interp). */
#include <stdlib.h>

int main(void)
{
	free(malloc(16));
	return 0;
}
