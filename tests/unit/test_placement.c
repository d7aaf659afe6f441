// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "placement.h"

#define CHOOSE(arg_cnt, ...)                                                          \
	({                                                                            \
		static const uint8_t code_[] = { __VA_ARGS__ };                       \
		struct placement p_;                                                  \
		assert_int_equal(placement_choose(code_, sizeof(code_), (arg_cnt), &p_), 0); \
		p_;                                                                   \
	})

/* glibc 2.36 free: test %rdi,%rdi (single-stepped); je (emulated) at +3 */
static void test_placement_glibc_free_at_je(void **state)
{
	struct placement p = CHOOSE(1, 0x48, 0x85, 0xff, 0x0f, 0x84, 0xbf, 0x00, 0x00, 0x00, 0x55,
				    0x48, 0x8d, 0x77, 0xf0);

	(void)state;
	assert_int_equal(p.offset, 3);
}

/* glibc 2.36 malloc: push %r12 at the entry */
static void test_placement_glibc_malloc_at_entry_push(void **state)
{
	struct placement p = CHOOSE(1, 0x41, 0x54, 0x55, 0x53, 0x48, 0x89, 0xfb);

	(void)state;
	assert_int_equal(p.offset, 0);
	assert_non_null(strstr(p.why, "push"));
}

/* jemalloc 5.3 malloc: cmp $0x1000,%rdi; ja (emulated) at +7 */
static void test_placement_jemalloc_malloc_at_ja(void **state)
{
	struct placement p = CHOOSE(1, 0x48, 0x81, 0xff, 0x00, 0x10, 0x00, 0x00, 0x77, 0x20, 0x48,
				    0x89, 0xf8);

	(void)state;
	assert_int_equal(p.offset, 7);
}

/* jemalloc 5.3 free: loads into scratch registers, a test, then jne (emulated) at +0x30 */
static void test_placement_jemalloc_free_at_jne(void **state)
{
	struct placement p = CHOOSE(1,
		0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00, /* mov 0x1000(%rip),%rax */
		0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00,
		0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00,
		0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00,
		0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00,
		0x48, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00,
		0x48, 0x89, 0xc2,			  /* mov %rax,%rdx: not free's argument */
		0x48, 0x85, 0xc0,			  /* test %rax,%rax */
		0x75, 0x10,				  /* jne at +0x30 */
		0xc3);

	(void)state;
	assert_int_equal(p.offset, 0x30);
}

/* endbr64 is single-stepped; the push after it is not */
static void test_placement_after_endbr64(void **state)
{
	struct placement p = CHOOSE(1, 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5);

	(void)state;
	assert_int_equal(p.offset, 4);
}

/* an indirect jump before any emulated instruction: not every call reaches what follows */
static void test_placement_early_branch_keeps_entry(void **state)
{
	struct placement p = CHOOSE(1, 0x48, 0x85, 0xff, 0xff, 0x25, 0x00, 0x10, 0x00, 0x00, 0x55);

	(void)state;
	assert_int_equal(p.offset, 0);
	assert_non_null(strstr(p.why, "branches"));
}

/* sub $0x18,%rsp before the first push: [sp] no longer holds the return address */
static void test_placement_stack_adjustment_keeps_entry(void **state)
{
	struct placement p = CHOOSE(1, 0x48, 0x83, 0xec, 0x18, 0x55, 0x53);

	(void)state;
	assert_int_equal(p.offset, 0);
	assert_non_null(strstr(p.why, "stack pointer"));
}

/* glibc reallocarray: mul writes %rdx, its third argument, before the first branch */
static void test_placement_argument_write_keeps_entry(void **state)
{
	struct placement three = CHOOSE(3, 0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe2, 0x48, 0x89, 0xc6,
					0x70, 0x05, 0xe9, 0x00, 0x00, 0x00, 0x00);
	struct placement one = CHOOSE(1, 0x48, 0x89, 0xf0, 0x48, 0xf7, 0xe2, 0x48, 0x89, 0xc6,
				      0x70, 0x05, 0xe9, 0x00, 0x00, 0x00, 0x00);

	(void)state;
	assert_int_equal(three.offset, 0);
	assert_non_null(strstr(three.why, "argument"));
	/* reading only %rdi, the jo at +9 would do */
	assert_int_equal(one.offset, 9);
}

/* a jump back to +3 from later in the function would make a probe there fire twice */
static void test_placement_jump_back_into_prologue_keeps_entry(void **state)
{
	struct placement p = CHOOSE(1, 0x48, 0x85, 0xff, 0x75, 0x05, 0x90, 0x90, 0x90, 0x90, 0x90,
				    0xeb, 0xf7);

	(void)state;
	assert_int_equal(p.offset, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement_glibc_free_at_je),
		cmocka_unit_test(test_placement_glibc_malloc_at_entry_push),
		cmocka_unit_test(test_placement_jemalloc_malloc_at_ja),
		cmocka_unit_test(test_placement_jemalloc_free_at_jne),
		cmocka_unit_test(test_placement_after_endbr64),
		cmocka_unit_test(test_placement_early_branch_keeps_entry),
		cmocka_unit_test(test_placement_stack_adjustment_keeps_entry),
		cmocka_unit_test(test_placement_argument_write_keeps_entry),
		cmocka_unit_test(test_placement_jump_back_into_prologue_keeps_entry),
	};

	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
