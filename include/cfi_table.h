/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The CFI-to-table compiler: reads a file's .eh_frame (or, without one, its .debug_frame)
 * through libdw's CFI API and emits the compact rows of include/unwind_abi.h, once per file.
 */
#ifndef MEMSNOOP_UNWIND_TABLE_H
#define MEMSNOOP_UNWIND_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <libelf.h>
#include "unwind_abi.h"

struct cfi_table;

struct cfi_table_stats {
	size_t row_cnt;
	size_t mem_sz;	    /* bytes the rows take */
	size_t fde_cnt;	    /* FDEs compiled */
	size_t kind_cnt[UW_ROW_KIND_CNT];
	uint64_t build_ns;
};

/* Compiles elf's CFI. NULL with errno set: ENOENT when it has none, ENOTSUP for a layout not
 * understood (an .eh_frame_hdr encoding, a file above 4 GiB), ENOMEM. */
struct cfi_table *cfi_table__build(Elf *elf);
void cfi_table__free(struct cfi_table *t);

/* The rows, sorted by pc; *cnt of them. */
const struct unwind_row *cfi_table__rows(const struct cfi_table *t, size_t *cnt);
/* The row ruling vaddr (a NO_CFI row past the last FDE), or NULL below the first row. */
const struct unwind_row *cfi_table__lookup(const struct cfi_table *t, uint64_t vaddr);
void cfi_table__stats(const struct cfi_table *t, struct cfi_table_stats *out);

#endif /* MEMSNOOP_UNWIND_TABLE_H */
