// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "diff.h"
#include "fixture_profile.h"
#include "pprof_roundtrip.h"

static PprofProfile *base, *grown;

/* The fixture, then a run in which leaf_fn leaked 500 more bytes and other;weird name freed. */
static int setup(void **state)
{
	struct profile *p = fixture_profile();
	struct profile *q = fixture_profile();
	const struct frame leaf[] = { { "inner_helper", "app.c", 10, 8, NULL },
				      { "leaf_fn", "app.c", 20, 18, "_Z7leaf_fnv" } };
	uint32_t l0 = profile__add_location(q, "/bin/app", "a1b2c3", 0x1100, leaf, 2);

	(void)state;
	base = roundtrip(p, VALUE_INUSE_SPACE);
	/* stacks 0 and 1 of the fixture: leaf_fn's, and other;weird name's */
	profile__record_alloc(q, 0, 500, true);
	profile__record_free(q, 1, 1000, 1000);
	/* a new stack: the same functions reached from a location of another address */
	profile__record_alloc(q, profile__intern_stack(q, 0, &l0, 1, false), 7, true);
	grown = roundtrip(q, VALUE_INUSE_SPACE);
	profile__free(p);
	profile__free(q);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pprof_free(base);
	pprof_free(grown);
	return 0;
}

static void test_diff_inuse_space_golden(void **state)
{
	struct diff_result res;
	char err[128];
	char *got = CAPTURE(diff_profiles(base, grown, &(struct diff_opts){ "inuse_space", 10 }, f,
					  &res, err, sizeof(err)));

	(void)state;
	assert_golden(GOLDEN_DIR "diff_inuse_space.txt", got);
	assert_int_equal(res.base_total, 1400);
	assert_int_equal(res.new_total, 1400 + 500 - 1000 + 7);
	free(got);
}

static void test_diff_alloc_objects_top_one_golden(void **state)
{
	struct diff_result res;
	char err[128];
	char *got = CAPTURE(diff_profiles(base, grown, &(struct diff_opts){ "alloc_objects", 1 }, f,
					  &res, err, sizeof(err)));

	(void)state;
	assert_golden(GOLDEN_DIR "diff_alloc_objects_top1.txt", got);
	free(got);
}

static void test_diff_same_profile_changes_nothing(void **state)
{
	struct diff_result res;
	char err[128];
	char *got = CAPTURE(diff_profiles(base, base, &(struct diff_opts){ "inuse_space", 10 }, f,
					  &res, err, sizeof(err)));

	(void)state;
	assert_int_equal(res.base_total, res.new_total);
	assert_non_null(strstr(got, "grew most (0 of 0 stacks)"));
	free(got);
}

static void test_diff_refuses_missing_sample_type(void **state)
{
	struct diff_result res;
	char err[128];
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	assert_int_equal(diff_profiles(base, grown, &(struct diff_opts){ "cpu", 10 }, f, &res, err,
				       sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "BASE has no sample type cpu");
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_inuse_space_golden),
		cmocka_unit_test(test_diff_alloc_objects_top_one_golden),
		cmocka_unit_test(test_diff_same_profile_changes_nothing),
		cmocka_unit_test(test_diff_refuses_missing_sample_type),
	};

	return cmocka_run_group_tests_name("diff", tests, setup, teardown);
}
