// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "escape.h"

/* What escape_write (json: escape_write_json) makes of s. */
static char *escaped(const char *s, const char *also, int json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	if (json)
		escape_write_json(f, s);
	else
		escape_write(f, s, also);
	fclose(f);
	return out;
}

#define assert_escaped(s, also, json, want)                      \
	do {                                                     \
		char *got_ = escaped((s), (also), (json));       \
		assert_string_equal(got_, (want));               \
		free(got_);                                      \
	} while (0)

static void test_escape_printable_unchanged(void **state)
{
	(void)state;
	assert_escaped("std::vector<int>::push_back(int const&)", "", 0,
		       "std::vector<int>::push_back(int const&)");
	assert_escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "", 0,
		       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_escape_controls_as_hex(void **state)
{
	(void)state;
	/* a terminal escape, a forged folded line, DEL, a backslash */
	assert_escaped("f\x1b]0;owned\x07", "", 0, "f\\x1b]0;owned\\x07");
	assert_escaped("f\n* * * * * root evil 1", "", 0, "f\\x0a* * * * * root evil 1");
	assert_escaped("a\x7f" "b\\c", "", 0, "a\\x7fb\\\\c");
	/* C1 CSI, raw and in UTF-8; invalid and overlong UTF-8 */
	assert_escaped("\x9b" "1m", "", 0, "\\x9b1m");
	assert_escaped("\xc2\x9b" "1m", "", 0, "\\xc2\\x9b1m");
	assert_escaped("\xc0\xaf\xe2\x82", "", 0, "\\xc0\\xaf\\xe2\\x82");
}

static void test_escape_separators(void **state)
{
	(void)state;
	assert_escaped("operator;x", ";", 0, "operator\\x3bx");
}

static void test_escape_json(void **state)
{
	(void)state;
	assert_escaped("a\"b\\c\n\x1b\xff\xc3\xa9", "", 1, "\"a\\\"b\\\\c\\u000a\\u001b\\u00ff\xc3\xa9\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_printable_unchanged),
		cmocka_unit_test(test_escape_controls_as_hex),
		cmocka_unit_test(test_escape_separators),
		cmocka_unit_test(test_escape_json),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
