// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for what memsnoop does with a target's ELF files, which the target
 * chooses: allocator discovery (symbol tables, section mapping, prologue decoding for probe
 * placement), then symbolization of the entry points and of a few offsets (libdw: symbols,
 * DWARF lines, inlines) and a CFI lookup at each, as unwinding does. Whatever the bytes,
 * nothing may crash. make fuzz-elf runs it; a crash's input goes to tests/fuzz/crashers_elf/,
 * which test_fuzz_elf replays.
 */
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "allocators.h"
#include "symbolize.h"

/* A CFI lookup at offset, through libdw as the unwinder drives it. */
static void lookup_cfi(Dwfl_Module *mod, uint64_t offset)
{
	Dwarf_Addr bias;
	Dwarf_CFI *cfi = dwfl_module_eh_cfi(mod, &bias);
	Dwarf_Frame *frame = NULL;

	if (cfi && !dwarf_cfi_addrframe(cfi, offset, &frame))
		free(frame);
	cfi = dwfl_module_dwarf_cfi(mod, &bias);
	frame = NULL;
	if (cfi && !dwarf_cfi_addrframe(cfi, offset, &frame))
		free(frame);
}

#define FUZZ_MAX_OFFSETS 64

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

/* Runs discovery and lookups on the ELF file at path. */
static void fuzz_elf_file(const char *path)
{
	uint64_t offsets[FUZZ_MAX_OFFSETS] = { 0, 0x40, 0x1000 };
	struct frame frames[SYM_MAX_FRAMES];
	struct alloc_object obj;
	size_t cnt = 3;
	struct module mod = { .path = (char *)path, .open_path = (char *)path };
	struct symbolizer *s;
	Dwfl *dwfl;

	/* discovery with its code analysis (stubs, PLT, forwarders), then what it chose */
	if (!alloc_object__read_elf(path, &obj)) {
		for (size_t i = 0; i < obj.entry_cnt && cnt < FUZZ_MAX_OFFSETS; i++)
			if (obj.entries[i].role == ENTRY_PROBED)
				offsets[cnt++] = obj.entries[i].offset + obj.entries[i].probe_offset;
		alloc_object__clear(&obj);
	}
	mod.fd = open(path, O_RDONLY | O_CLOEXEC);
	s = symbolizer__new();
	for (size_t i = 0; s && i < cnt; i++)
		symbolizer__resolve(s, &mod, offsets[i], frames);
	symbolizer__free(s);
	if (mod.fd >= 0)
		close(mod.fd);
	dwfl = dwfl_begin(&callbacks);
	if (dwfl) {
		Dwfl_Module *m = dwfl_report_offline(dwfl, path, path, -1);

		if (m && !dwfl_report_end(dwfl, NULL, NULL))
			for (size_t i = 0; i < cnt; i++)
				lookup_cfi(m, offsets[i]);
		dwfl_end(dwfl);
	}
}

int fuzz_elf_one(const uint8_t *data, size_t size)
{
	static char path[64];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz_elf.%d", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	fuzz_elf_file(path);
	unlink(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_elf_one(data, size);
}
