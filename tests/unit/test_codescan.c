// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Stubs and branch targets on real prologues of Debian's allocators and PLT entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "codescan.h"

#define SCAN(vaddr, ...)                                                                   \
	({                                                                                 \
		static const uint8_t code_[] = { __VA_ARGS__ };                            \
		struct code_branches b_;                                                   \
		assert_int_equal(codescan_branches(code_, sizeof(code_), (vaddr), &b_), 0); \
		b_;                                                                        \
	})

/* jemalloc 5.3 _Znam at 0xadf10: jmp _Znwm (0xade30) */
static void test_codescan_jemalloc_new_array_is_a_stub(void **state)
{
	struct code_branches b = SCAN(0xadf10, 0xe9, 0x1b, 0xff, 0xff, 0xff, 0x66, 0x2e, 0x0f, 0x1f,
				      0x84, 0x00, 0x00, 0x00, 0x00, 0x00);

	(void)state;
	assert_true(b.is_stub);
	assert_int_equal(b.stub_target, 0xade30);
}

/* libstdc++ 12 operator delete(void*) at 0xa78d0: endbr64; jmp free@plt (0x9a860) */
static void test_codescan_endbr64_then_jump_is_a_stub(void **state)
{
	struct code_branches b = SCAN(0xa78d0, 0xf3, 0x0f, 0x1e, 0xfa, 0xe9, 0x87, 0x2f, 0xff, 0xff);

	(void)state;
	assert_true(b.is_stub);
	assert_int_equal(b.stub_target, 0x9a860);
}

/* musl's free in a static executable: jmp __libc_free, a short jump */
static void test_codescan_short_jump_is_a_stub(void **state)
{
	struct code_branches b = SCAN(0x1000, 0xeb, 0x10, 0x90, 0x90);

	(void)state;
	assert_true(b.is_stub);
	assert_int_equal(b.stub_target, 0x1012);
}

/* glibc's malloc starts with push %r12: no stub; a call out of the function is a target,
 * a jump inside it is not */
static void test_codescan_call_targets_outside_the_function(void **state)
{
	/* push %r12; call +0x100 (0x2106); jne -8 (back inside); ret */
	struct code_branches b = SCAN(0x2000, 0x41, 0x54, 0xe8, 0xff, 0x00, 0x00, 0x00, 0x75, 0xf7,
				      0xc3);

	(void)state;
	assert_false(b.is_stub);
	assert_int_equal(b.target_cnt, 1);
	assert_int_equal(b.targets[0], 0x2106);
}

/* A .plt.sec entry: endbr64; bnd jmp *0x2f6a(%rip) */
static void test_codescan_plt_sec_entry_slot(void **state)
{
	static const uint8_t plt[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xf2, 0xff, 0x25, 0x6a, 0x2f,
				       0x00, 0x00, 0x0f, 0x1f, 0x44, 0x00, 0x00 };

	(void)state;
	assert_int_equal(codescan_plt_slot(plt, sizeof(plt), 0x1090), 0x1090 + 11 + 0x2f6a);
}

/* A lazy-binding .plt entry: jmp *disp(%rip); push; jmp .plt */
static void test_codescan_plt_entry_slot(void **state)
{
	static const uint8_t plt[] = { 0xff, 0x25, 0x00, 0x10, 0x00, 0x00, 0x68, 0x01, 0x00, 0x00,
				       0x00, 0xe9, 0xe0, 0xff, 0xff, 0xff };

	(void)state;
	assert_int_equal(codescan_plt_slot(plt, sizeof(plt), 0x4000), 0x4000 + 6 + 0x1000);
	assert_int_equal(codescan_plt_slot(plt + 6, sizeof(plt) - 6, 0x4006), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codescan_jemalloc_new_array_is_a_stub),
		cmocka_unit_test(test_codescan_endbr64_then_jump_is_a_stub),
		cmocka_unit_test(test_codescan_short_jump_is_a_stub),
		cmocka_unit_test(test_codescan_call_targets_outside_the_function),
		cmocka_unit_test(test_codescan_plt_sec_entry_slot),
		cmocka_unit_test(test_codescan_plt_entry_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
