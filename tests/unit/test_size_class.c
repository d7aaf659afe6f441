// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "memsnoop_abi.h"
#include "size_classes.h"

/* Class k holds (2^(k-1), 2^k]: each bound is in its class, one byte more in the next. */
static void test_size_class_bounds(void **state)
{
	(void)state;
	assert_int_equal(size_class(0), 0);
	assert_int_equal(size_class(1), 0);
	assert_int_equal(size_class(2), 1);
	assert_int_equal(size_class(3), 2);
	for (unsigned k = 1; k + 1 < SIZE_CLASS_CNT; k++) {
		assert_int_equal(size_class(1ULL << k), k);
		assert_int_equal(size_class((1ULL << k) + 1), k + 1 < SIZE_CLASS_CNT - 1 ? k + 1 : SIZE_CLASS_CNT - 1);
		assert_int_equal(size_class_bound(k), 1ULL << k);
	}
	assert_int_equal(size_class(UINT64_MAX), SIZE_CLASS_CNT - 1);
	assert_int_equal(size_class_bound(SIZE_CLASS_CNT - 1), 0);
}

static void test_size_class_labels(void **state)
{
	char buf[24];

	(void)state;
	assert_string_equal(size_class_label(0, buf, sizeof(buf)), "<= 1 B");
	assert_string_equal(size_class_label(5, buf, sizeof(buf)), "<= 32 B");
	assert_string_equal(size_class_label(16, buf, sizeof(buf)), "<= 64 KiB");
	assert_string_equal(size_class_label(40, buf, sizeof(buf)), "<= 1 TiB");
	assert_string_equal(size_class_label(SIZE_CLASS_CNT - 1, buf, sizeof(buf)), "> 1 TiB");
	assert_string_equal(size_class_label(SIZE_CLASS_UNKNOWN, buf, sizeof(buf)), "unknown size");
}

/* A family's slots do not overlap the next family's, nor the map's end. */
static void test_size_counter_layout(void **state)
{
	(void)state;
	assert_int_equal(size_counter(0, SIZE_DIR_FREE, SIZE_CLASS_UNKNOWN) + 1, size_counter(1, 0, 0));
	assert_int_equal(size_counter(FAMILY_CNT - 1, SIZE_DIR_FREE, SIZE_CLASS_UNKNOWN) + 1,
			 SIZE_COUNTER_CNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_class_bounds),
		cmocka_unit_test(test_size_class_labels),
		cmocka_unit_test(test_size_counter_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
