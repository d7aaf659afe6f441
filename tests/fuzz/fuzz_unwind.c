// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the CFI compiler (src/unwind/cfi_table.c, cfi_parse.c), whose input a
 * target chooses: the bytes become the .eh_frame (first byte even) or .debug_frame (odd) of a
 * minimal ELF image in memory, which is compiled and looked up at every row. Whatever the
 * bytes, nothing may crash, the rows stay sorted and within CFI_MAX_ROWS, and the work stays
 * linear (libFuzzer's -timeout catches a stall). make fuzz-unwind runs it; a crash's input
 * goes to tests/fuzz/crashers_unwind/, which test_fuzz_unwind replays.
 */
#include <elf.h>
#include <gelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cfi_table.h"

#define FUZZ_SEC_ADDR 0x10000

static const char shstrtab[] = "\0.eh_frame\0.debug_frame\0.shstrtab";

/* An ET_DYN image: header, the section's bytes, the names, three section headers. */
static uint8_t *build_image(const uint8_t *data, size_t sz, bool eh, size_t *img_sz)
{
	size_t data_off = sizeof(Elf64_Ehdr), str_off = data_off + sz;
	size_t sh_off = (str_off + sizeof(shstrtab) + 7) & ~(size_t)7;
	uint8_t *img;
	Elf64_Ehdr *eh_hdr;
	Elf64_Shdr sh[4] = {};

	*img_sz = sh_off + sizeof(sh);
	img = calloc(1, *img_sz);
	if (!img)
		return NULL;
	eh_hdr = (Elf64_Ehdr *)img;
	memcpy(eh_hdr->e_ident, ELFMAG, SELFMAG);
	eh_hdr->e_ident[EI_CLASS] = ELFCLASS64;
	eh_hdr->e_ident[EI_DATA] = ELFDATA2LSB;
	eh_hdr->e_ident[EI_VERSION] = EV_CURRENT;
	eh_hdr->e_type = ET_DYN;
	eh_hdr->e_machine = EM_X86_64;
	eh_hdr->e_version = EV_CURRENT;
	eh_hdr->e_ehsize = sizeof(Elf64_Ehdr);
	eh_hdr->e_shoff = sh_off;
	eh_hdr->e_shentsize = sizeof(Elf64_Shdr);
	eh_hdr->e_shnum = 4;
	eh_hdr->e_shstrndx = 3;
	memcpy(img + data_off, data, sz);
	memcpy(img + str_off, shstrtab, sizeof(shstrtab));
	sh[1] = (Elf64_Shdr){ .sh_name = eh ? 1 : 11, .sh_type = SHT_PROGBITS,
			      .sh_flags = eh ? SHF_ALLOC : 0, .sh_addr = eh ? FUZZ_SEC_ADDR : 0,
			      .sh_offset = data_off, .sh_size = sz, .sh_addralign = 1 };
	sh[3] = (Elf64_Shdr){ .sh_name = 24, .sh_type = SHT_STRTAB, .sh_offset = str_off,
			      .sh_size = sizeof(shstrtab), .sh_addralign = 1 };
	memcpy(img + sh_off, sh, sizeof(sh));
	return img;
}

int fuzz_unwind_one(const uint8_t *data, size_t size)
{
	const struct unwind_row *rows;
	struct cfi_table *t;
	size_t img_sz, cnt;
	uint8_t *img;
	Elf *elf;

	if (!size)
		return 0;
	img = build_image(data + 1, size - 1, !(data[0] & 1), &img_sz);
	if (!img)
		return 0;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)img, img_sz);
	t = elf ? cfi_table__build(elf) : NULL;
	if (t) {
		rows = cfi_table__rows(t, &cnt);
		if (cnt > CFI_MAX_ROWS)
			abort();
		for (size_t i = 0; i < cnt; i++) {
			if ((i && rows[i].pc <= rows[i - 1].pc) || rows[i].kind >= UW_ROW_KIND_CNT ||
			    cfi_table__lookup(t, rows[i].pc) != &rows[i])
				abort();
		}
	}
	cfi_table__free(t);
	elf_end(elf);
	free(img);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_unwind_one(data, size);
}
