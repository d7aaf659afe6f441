/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The user-space side of the allocator table: symbol names, report names, families. */
#ifndef MEMSNOOP_ALLOC_NAMES_H
#define MEMSNOOP_ALLOC_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include "memsnoop_abi.h"

/* The row a symbol names, or -1. */
int alloc_row_by_symbol(const char *symbol);
/* A symbol's place among its row's names (0: the row's own), INT_MAX when unknown: of two
 * names of one function, -v shows the lower. */
int alloc_symbol_rank(const char *symbol);
/* How a report names the row ("malloc", "new[]", "mallocx", ...). */
const char *alloc_row_name(enum alloc_row row);
enum alloc_kind alloc_row_kind(enum alloc_row row);
enum alloc_api alloc_row_api(enum alloc_row row);
/* How many argument registers the row's probe reads (the highest one it names). */
unsigned alloc_row_arg_cnt(enum alloc_row row);

const char *alloc_family_name(enum alloc_family family);
/* What memsnoop cannot see of a family's interface, for the report; NULL: nothing. */
const char *alloc_family_blind_spot(enum alloc_family family);
/* The family that a symbol only that allocator exports proves (jemalloc's mallocx,
 * tcmalloc's tc_malloc, ...), or -1. */
int alloc_family_marker(const char *symbol);

/*
 * Allocators a program can carry inside its own code, none of whose functions memsnoop probes
 * (PartitionAlloc, mozjemalloc, the Go runtime, V8's and Oilpan's heaps, HotSpot's): the
 * index (< ALLOC_OWN_CNT) of the one a defined function's symbol proves, or -1.
 */
#define ALLOC_OWN_CNT 5
int alloc_own_marker(const char *symbol);
const char *alloc_own_name(int own);

/* The report group of a counter: "C++" for operators, else the family of the object. */
const char *alloc_counter_group(unsigned counter);
enum alloc_row alloc_counter_row(unsigned counter);
/* Every allocation (calls, bytes requested) and every free of a set of exact counters. */
void alloc_counters_sum(const struct fn_counter counters[ALLOC_COUNTER_CNT], uint64_t *calls,
			uint64_t *bytes, uint64_t *frees);

/*
 * True for a function that belongs to the allocator, trimmed from the leaf of stacks: any
 * symbol of the table, as it is or demangled ("operator new(unsigned long)").
 */
bool is_allocator_function(const char *name);

/* A regular expression matching every such function, for pprof's drop_frames (anchored by
 * pprof: it names whole functions). */
const char *alloc_drop_frames_regex(void);

#endif /* MEMSNOOP_ALLOC_NAMES_H */
