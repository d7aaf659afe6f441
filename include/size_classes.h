/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The exact size-class counters as the outputs read them (the classes: size_class.h). */
#ifndef MEMSNOOP_SIZE_CLASSES_H
#define MEMSNOOP_SIZE_CLASSES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "memsnoop_abi.h"

/* The inclusive upper bound of class k in bytes; 0 for the last class, which has none. */
uint64_t size_class_bound(unsigned k);
/* "<= 32 B", "<= 64 KiB", "> 1 TiB"; "unknown size" for SIZE_CLASS_UNKNOWN. Returns buf. */
const char *size_class_label(unsigned slot, char *buf, size_t sz);
/* The counter of (family, direction, slot) in a report's sizes. */
const struct fn_counter *size_slot(const struct fn_counter sizes[SIZE_COUNTER_CNT],
				   unsigned family, enum size_dir dir, unsigned slot);
/* True when the family counted any allocation or free. */
bool size_family_used(const struct fn_counter sizes[SIZE_COUNTER_CNT], unsigned family);

#endif /* MEMSNOOP_SIZE_CLASSES_H */
