// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "golden.h"
#include "output.h"

static char *folded(enum value_type type)
{
	struct profile *p = fixture_profile();
	char *text = CAPTURE(output_folded__write(p, type, f));

	profile__free(p);
	return text;
}

static void test_folded_inuse_space_golden(void **state)
{
	char *got = folded(VALUE_INUSE_SPACE);

	(void)state;
	assert_golden(GOLDEN_DIR "folded_inuse_space.txt", got);
	free(got);
}

static void test_folded_alloc_objects_golden(void **state)
{
	char *got = folded(VALUE_ALLOC_OBJECTS);

	(void)state;
	assert_golden(GOLDEN_DIR "folded_alloc_objects.txt", got);
	free(got);
}

static void test_folded_empty_profile_writes_nothing(void **state)
{
	struct profile *p = profile__new(512 * 1024);
	char *text = CAPTURE(output_folded__write(p, VALUE_INUSE_SPACE, f));

	(void)state;
	assert_string_equal(text, "");
	free(text);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded_inuse_space_golden),
		cmocka_unit_test(test_folded_alloc_objects_golden),
		cmocka_unit_test(test_folded_empty_profile_writes_nothing),
	};

	return cmocka_run_group_tests_name("output_folded", tests, NULL, NULL);
}
