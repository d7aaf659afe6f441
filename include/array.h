/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Growable arrays: the one realloc policy of every module's arrays (doubled, from 64). */
#ifndef MEMSNOOP_ARRAY_H
#define MEMSNOOP_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* Makes room for need elements of elem_sz in *arr (capacity *cap, doubled from 64). 0 or
 * -ENOMEM, *arr unchanged then. */
static inline int grow_array(void **arr, size_t *cap, size_t need, size_t elem_sz)
{
	size_t n = *cap ? *cap : 64;
	void *tmp;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	tmp = realloc(*arr, n * elem_sz);
	if (!tmp)
		return -ENOMEM;
	*arr = tmp;
	*cap = n;
	return 0;
}

#endif /* MEMSNOOP_ARRAY_H */
