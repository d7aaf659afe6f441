// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include "size_classes.h"

uint64_t size_class_bound(unsigned k)
{
	return k + 1 < SIZE_CLASS_CNT ? 1ULL << k : 0;
}

const char *size_class_label(unsigned slot, char *buf, size_t sz)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned k = slot + 1 < SIZE_CLASS_CNT ? slot : SIZE_CLASS_CNT - 2;

	if (slot >= SIZE_CLASS_UNKNOWN)
		snprintf(buf, sz, "unknown size");
	else
		/* powers of two: whole numbers of their unit */
		snprintf(buf, sz, "%s %llu %s", slot == k ? "<=" : ">", 1ULL << (k % 10),
			 units[k / 10]);
	return buf;
}

const struct fn_counter *size_slot(const struct fn_counter sizes[SIZE_COUNTER_CNT],
				   unsigned family, enum size_dir dir, unsigned slot)
{
	return &sizes[size_counter(family, dir, slot)];
}

bool size_family_used(const struct fn_counter sizes[SIZE_COUNTER_CNT], unsigned family)
{
	for (unsigned i = size_counter(family, 0, 0); i < size_counter(family + 1, 0, 0); i++)
		if (sizes[i].calls)
			return true;
	return false;
}
