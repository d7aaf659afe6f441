/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CFI-to-table compiler: interprets a file's .eh_frame (or, without one, its .debug_frame)
 * once and emits the compact rows of include/unwind_abi.h, once per file.
 */
#ifndef MEMSNOOP_UNWIND_TABLE_H
#define MEMSNOOP_UNWIND_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <libelf.h>
#include "unwind_abi.h"

struct cfi_table;

/* What a file's CFI may cost: past either, no table (EFBIG). The rows' bound is 64 MiB of
 * memory, the section's the most read and interpreted; the work is linear in both. */
#define CFI_MAX_SECTION_SZ (64ULL << 20)
#define CFI_MAX_ROWS (4U << 20)

struct cfi_table_stats {
	size_t row_cnt;
	size_t mem_sz;	    /* bytes the rows take */
	size_t cfi_sz;	    /* bytes of CFI read */
	size_t fde_cnt;	    /* FDEs compiled */
	size_t fde_bad_cnt; /* FDEs whose instructions stopped parsing: unsupported from there */
	size_t entry_bad_cnt; /* CIEs and FDEs skipped: malformed */
	size_t kind_cnt[UW_ROW_KIND_CNT];
	uint64_t build_ns;
};

/* Compiles elf's CFI (.eh_frame, else .debug_frame), in time linear in its size. NULL with
 * errno set: ENOENT when it has none, ENOTSUP for a file above 4 GiB, EFBIG past the bounds
 * above, ENOMEM. */
struct cfi_table *cfi_table__build(Elf *elf);
void cfi_table__free(struct cfi_table *t);

/* The rows, sorted by pc; *cnt of them. */
const struct unwind_row *cfi_table__rows(const struct cfi_table *t, size_t *cnt);
/* The row ruling vaddr (a NO_CFI row past the last FDE), or NULL below the first row. */
const struct unwind_row *cfi_table__lookup(const struct cfi_table *t, uint64_t vaddr);
void cfi_table__stats(const struct cfi_table *t, struct cfi_table_stats *out);

#endif /* MEMSNOOP_UNWIND_TABLE_H */
