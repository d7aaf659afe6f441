// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "units.h"

static void test_parse_duration_units(void **state)
{
	double v;

	(void)state;
	assert_int_equal(parse_duration("10", &v), 0);
	assert_true(v == 10);
	assert_int_equal(parse_duration("10s", &v), 0);
	assert_true(v == 10);
	assert_int_equal(parse_duration("5m", &v), 0);
	assert_true(v == 300);
	assert_int_equal(parse_duration("1.5h", &v), 0);
	assert_true(v == 5400);
	assert_int_equal(parse_duration("250ms", &v), 0);
	assert_true(fabs(v - 0.25) < 1e-12);
	assert_int_equal(parse_duration("0.5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(parse_duration("10x", &v), -EINVAL);
	assert_int_equal(parse_duration("-1", &v), -EINVAL);
	assert_int_equal(parse_duration("s", &v), -EINVAL);
	assert_int_equal(parse_duration("1e999", &v), -EINVAL);
	assert_int_equal(parse_duration("", &v), -EINVAL);
	assert_true(*plural_s(1) == '\0' && *plural_s(0) == 's' && *plural_s(2) == 's');
}

static void test_parse_size_suffixes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("512K", &v), 0);
	assert_int_equal(v, 512 * 1024);
	assert_int_equal(parse_size("1m", &v), 0);
	assert_int_equal(v, 1 << 20);
	assert_int_equal(parse_size("2GiB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(parse_size("", &v), -EINVAL);
	assert_int_equal(parse_size("K", &v), -EINVAL);
	assert_int_equal(parse_size("1T", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999999999999", &v), -EINVAL);
	assert_int_equal(parse_size("17179869184G", &v), -EINVAL); /* overflows 64 bits */
}

static void test_format_bytes(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(format_bytes(0, buf, sizeof(buf)), "0 B");
	assert_string_equal(format_bytes(1023, buf, sizeof(buf)), "1023 B");
	assert_string_equal(format_bytes(1536, buf, sizeof(buf)), "1.5 KiB");
	assert_string_equal(format_bytes(-3 * 1048576.0, buf, sizeof(buf)), "-3.0 MiB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration_units),
		cmocka_unit_test(test_parse_size_suffixes),
		cmocka_unit_test(test_format_bytes),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
