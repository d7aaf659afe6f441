// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The allocator table: its rows decode arguments as the functions take them, and its names
 * find their rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "alloc_names.h"

static struct alloc_call decode(enum alloc_row row, __u64 a1, __u64 a2, __u64 a3)
{
	const __u64 reg[5] = { a1, a2, a3, 0xdead, 0xbeef };
	struct alloc_call call;

	alloc_decode(&alloc_row_specs[row], reg, &call);
	return call;
}

static void test_alloc_table_decodes_c_calls(void **state)
{
	(void)state;
	assert_int_equal(decode(ROW_MALLOC, 100, 7, 7).size, 100);
	assert_int_equal(decode(ROW_CALLOC, 10, 8, 7).size, 80);
	assert_int_equal(decode(ROW_REALLOC, 0x1000, 300, 7).size, 300);
	assert_int_equal(decode(ROW_REALLOC, 0x1000, 300, 7).ptr, 0x1000);
	assert_int_equal(decode(ROW_REALLOCARRAY, 0x1000, 3, 50).size, 150);
	/* posix_memalign(&out, align, size) */
	assert_int_equal(decode(ROW_POSIX_MEMALIGN, 0x7ff0, 64, 256).size, 256);
	assert_int_equal(decode(ROW_POSIX_MEMALIGN, 0x7ff0, 64, 256).out, 0x7ff0);
	/* aligned_alloc(align, size), but mi_malloc_aligned(size, align) */
	assert_int_equal(decode(ROW_ALIGNED_ALLOC, 64, 128, 7).size, 128);
	assert_int_equal(decode(ROW_MI_MALLOC_ALIGNED, 128, 64, 7).size, 128);
	assert_int_equal(decode(ROW_FREE, 0x2000, 7, 7).ptr, 0x2000);
	assert_int_equal(decode(ROW_FREE, 0x2000, 7, 7).size, 0);
	assert_int_equal(decode(ROW_MALLOC, 100, 7, 7).ptr, 0);
}

static void test_alloc_table_decodes_cxx_and_jemalloc_calls(void **state)
{
	(void)state;
	assert_int_equal(decode(ROW_NEW_ALIGNED, 192, 64, 7).size, 192);
	assert_int_equal(decode(ROW_DELETE_SIZED, 0x3000, 96, 7).ptr, 0x3000);
	assert_int_equal(decode(ROW_MALLOCX, 48, 0x40, 7).size, 48);
	assert_int_equal(decode(ROW_RALLOCX, 0x4000, 300, 0).ptr, 0x4000);
	assert_int_equal(decode(ROW_RALLOCX, 0x4000, 300, 0).size, 300);
	assert_int_equal(decode(ROW_SDALLOCX, 0x5000, 300, 0).ptr, 0x5000);
}

static void test_alloc_table_count_times_size_saturates(void **state)
{
	(void)state;
	assert_true(decode(ROW_CALLOC, 1ULL << 40, 1ULL << 40, 0).size == ~0ULL);
	assert_int_equal(decode(ROW_CALLOC, 0, 1ULL << 40, 0).size, 0);
}

static void test_alloc_table_rows_are_consistent(void **state)
{
	(void)state;
	for (int row = 0; row < ALLOC_ROW_CNT; row++) {
		const struct alloc_row_spec *s = &alloc_row_specs[row];

		assert_true(alloc_row_arg_cnt(row) <= 5);
		if (s->kind == AK_ALLOC || s->kind == AK_OUT_PARAM || s->kind == AK_REALLOC)
			assert_true(s->size_arg);
		if (s->kind == AK_FREE || s->kind == AK_REALLOC || s->kind == AK_RESIZE)
			assert_true(s->ptr_arg);
		assert_true((s->kind == AK_OUT_PARAM) == (s->out_arg != 0));
		assert_non_null(alloc_row_name(row));
	}
}

static void test_alloc_table_names_find_their_rows(void **state)
{
	(void)state;
	assert_int_equal(alloc_row_by_symbol("malloc"), ROW_MALLOC);
	assert_int_equal(alloc_row_by_symbol("tc_malloc"), ROW_MALLOC);
	assert_int_equal(alloc_row_by_symbol("_rjem_sdallocx"), ROW_SDALLOCX);
	assert_int_equal(alloc_row_by_symbol("_ZdaPvmSt11align_val_t"), ROW_DELETE_ARRAY_SIZED_ALIGNED);
	assert_int_equal(alloc_row_by_symbol("mallocx_nope"), -1);
	assert_int_equal(alloc_symbol_rank("free"), 0);
	assert_true(alloc_symbol_rank("__libc_free") > 0);
	assert_int_equal(alloc_family_marker("mallocx"), FAMILY_JEMALLOC);
	assert_int_equal(alloc_family_marker("malloc"), -1);
}

static void test_alloc_table_trims_allocator_frames(void **state)
{
	(void)state;
	assert_true(is_allocator_function("malloc"));
	assert_true(is_allocator_function("__libc_calloc"));
	assert_true(is_allocator_function("operator new(unsigned long)"));
	assert_true(is_allocator_function("operator delete[](void*, unsigned long)"));
	assert_false(is_allocator_function("operator newline"));
	assert_false(is_allocator_function("__libc_start_main"));
	assert_false(is_allocator_function("my_malloc_wrapper"));
}

/* drop_frames names whole functions: never a prefix of a caller such as __libc_start_main */
static void test_alloc_table_drop_frames_names_whole_functions(void **state)
{
	const char *rx = alloc_drop_frames_regex();

	(void)state;
	assert_non_null(strstr(rx, "|malloc|"));
	assert_non_null(strstr(rx, "je_mallocx|"));
	assert_non_null(strstr(rx, "operator (new|delete)"));
	assert_null(strstr(rx, "_Znwm"));
	assert_null(strstr(rx, ".*|"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_table_decodes_c_calls),
		cmocka_unit_test(test_alloc_table_decodes_cxx_and_jemalloc_calls),
		cmocka_unit_test(test_alloc_table_count_times_size_saturates),
		cmocka_unit_test(test_alloc_table_rows_are_consistent),
		cmocka_unit_test(test_alloc_table_names_find_their_rows),
		cmocka_unit_test(test_alloc_table_trims_allocator_frames),
		cmocka_unit_test(test_alloc_table_drop_frames_names_whole_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
