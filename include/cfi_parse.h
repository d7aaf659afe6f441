/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The entries of a CFI section (.eh_frame or .debug_frame), read with every length checked
 * against the section: its CIEs (alignment factors, augmentation, initial instructions) and
 * FDEs (the pc range, the CIE, the instructions). A byte reader shared with the CFI
 * interpreter (cfi_table.c) decodes LEB128 and pointer encodings without reading past its end.
 */
#ifndef MEMSNOOP_CFI_PARSE_H
#define MEMSNOOP_CFI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes [p, end) of a section whose first byte is at section address base + (p - start). */
struct cfi_reader {
	const uint8_t *start, *p, *end;
	uint64_t base;
	bool bad; /* a read went past the end, or an encoding not understood: values are 0 */
};

uint64_t cfi_reader__u8(struct cfi_reader *r);
uint64_t cfi_reader__uleb(struct cfi_reader *r);
int64_t cfi_reader__sleb(struct cfi_reader *r);
uint64_t cfi_reader__fixed(struct cfi_reader *r, unsigned bytes);
/* A pointer in DW_EH_PE encoding enc (absolute, pc-relative; not indirect, text- or
 * data-relative) */
uint64_t cfi_reader__ptr(struct cfi_reader *r, uint8_t enc);

struct cfi_cie {
	uint64_t offset;	  /* in the section */
	uint64_t code_align;
	int64_t data_align;
	uint8_t fde_enc;	  /* DW_EH_PE encoding of the FDEs' pcs */
	bool has_aug_data;	  /* 'z': FDEs carry an augmentation length */
	bool signal;		  /* 'S': the frames of its FDEs are signal trampolines */
	const uint8_t *insns, *insns_end;
};

struct cfi_fde {
	uint64_t pc, pc_end;
	uint32_t cie;		  /* index in cfi_entries.cies */
	const uint8_t *insns, *insns_end;
};

struct cfi_entries {
	const uint8_t *sec;	  /* the section's bytes */
	uint64_t sec_addr;	  /* its address (.eh_frame's pc-relative pointers) */
	struct cfi_cie *cies;	  /* sorted by offset */
	size_t cie_cnt;
	struct cfi_fde *fdes;	  /* sorted by pc */
	size_t fde_cnt;
	size_t bad_cnt;		  /* entries skipped: malformed, or an unknown augmentation */
};

/*
 * Reads every entry of the section data [buf, buf + sz) at address addr (eh: .eh_frame's
 * layout, else .debug_frame's). FDEs that cover nothing, or whose CIE is missing or
 * malformed, are skipped and counted. 0 or -ENOMEM.
 */
int cfi_entries__read(struct cfi_entries *e, const uint8_t *buf, size_t sz, uint64_t addr,
		      bool eh);
void cfi_entries__free(struct cfi_entries *e);

#endif /* MEMSNOOP_CFI_PARSE_H */
