// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The CFI compiler's fuzz harness, built without libFuzzer: every input it ever stalled or
 * crashed on replayed, and hostile CFI written by hand compiled in bounded work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../fuzz/fuzz_unwind.c"
#include "replay.h"

#define CRASHERS_DIR "tests/fuzz/crashers_unwind/"

/* .eh_frame: a CIE (zR, code 1, data -8, ra 16; CFA rsp+8, ra at CFA-8), then one FDE over
 * [0x1000, 0x1000 + range) whose instructions follow. */
static size_t eh_frame(uint8_t *buf, const uint8_t *insns, size_t n, uint32_t range)
{
	static const uint8_t cie[] = { 0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 1,
				       0x1b, 0x0c, 7, 8, 0x90, 1, 0, 0 };
	uint32_t len = 4 + 4 + 4 + 1 + n, id = sizeof(cie) + 4;
	int32_t pc = 0x1000 - (int32_t)(FUZZ_SEC_ADDR + sizeof(cie) + 8);
	size_t off = 0;

	buf[off++] = 0; /* .eh_frame */
	memcpy(buf + off, cie, sizeof(cie));
	off += sizeof(cie);
	memcpy(buf + off, &len, 4);
	memcpy(buf + off + 4, &id, 4);
	memcpy(buf + off + 8, &pc, 4);
	memcpy(buf + off + 12, &range, 4);
	buf[off + 16] = 0; /* no augmentation data */
	memcpy(buf + off + 17, insns, n);
	return off + 17 + n;
}

static void test_fuzz_unwind_crashers_replayed(void **state)
{
	(void)state;
	replay_bytes_dir(CRASHERS_DIR, fuzz_unwind_one);
}

/* An instruction cut short at the FDE's end once read nops forever. */
static void test_fuzz_unwind_cut_instruction_ends(void **state)
{
	static const uint8_t insns[] = { 0x41, 0x0e, 0x10, 0x04, 0x01 };
	uint8_t buf[256];

	(void)state;
	fuzz_unwind_one(buf, eh_frame(buf, insns, sizeof(insns), 64));
}

/* remember_state nested 100,000 deep after a rule for register 50,000: the FDE is cut at 64
 * states and unsupported from there, in one pass. */
static void test_fuzz_unwind_remember_bomb_bounded(void **state)
{
	static uint8_t insns[4 + 2 * 100000], buf[sizeof(insns) + 64];
	struct cfi_table_stats st;
	struct cfi_table *t;
	size_t img_sz, n;
	uint8_t *img;
	Elf *elf;

	(void)state;
	memcpy(insns, "\x05\xd0\x86\x03", 4); /* offset_extended r50000 */
	insns[4] = 2;
	for (size_t i = 5; i + 1 < sizeof(insns); i += 2)
		insns[i] = 0x0a, insns[i + 1] = 0x41; /* remember_state, advance_loc 1 */
	n = eh_frame(buf, insns, sizeof(insns) - 1, 100000);
	img = build_image(buf + 1, n - 1, true, &img_sz);
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)img, img_sz);
	t = cfi_table__build(elf);
	assert_non_null(t);
	cfi_table__stats(t, &st);
	assert_int_equal(st.fde_bad_cnt, 1);
	assert_true(st.row_cnt < 100);
	assert_int_equal(cfi_table__lookup(t, 0x1000 + 99999)->kind, UW_ROW_UNSUPPORTED);
	cfi_table__free(t);
	elf_end(elf);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_unwind_crashers_replayed),
		cmocka_unit_test(test_fuzz_unwind_cut_instruction_ends),
		cmocka_unit_test(test_fuzz_unwind_remember_bomb_bounded),
	};

	return cmocka_run_group_tests_name("fuzz_unwind", tests, NULL, NULL);
}
