/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The live sampled blocks of every process in address order, for `where`: which block holds
 * an address, its start or any byte inside it. The collector keeps it beside its table of
 * live samples (the same entries: bounded as that table is, by the kernel's live map).
 *
 * Memory: 32 bytes a block in one array (no allocation per block), grown by doubling and
 * reused through a free list, so at most 64 bytes a block at the peak count.
 */
#ifndef MEMSNOOP_LIVE_INDEX_H
#define MEMSNOOP_LIVE_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct live_index;

struct live_index *live_index__new(void);
void live_index__free(struct live_index *ix);

/* Adds (or replaces) the block of tgid at ptr. 0 or -ENOMEM. */
int live_index__add(struct live_index *ix, uint32_t tgid, uint64_t ptr, uint64_t size);
/* Removes the block of tgid at ptr, if there is one. */
void live_index__remove(struct live_index *ix, uint32_t tgid, uint64_t ptr);
/* The start of tgid's block that holds addr (a block of 0 bytes holds its start); -ENOENT
 * when none does. */
int live_index__find(const struct live_index *ix, uint32_t tgid, uint64_t addr, uint64_t *start);

size_t live_index__cnt(const struct live_index *ix);
/* Bytes the index holds now (its array). */
size_t live_index__mem_bytes(const struct live_index *ix);

#endif /* MEMSNOOP_LIVE_INDEX_H */
