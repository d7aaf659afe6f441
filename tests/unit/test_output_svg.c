// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "golden.h"
#include "output_svg.h"

static const struct report_target targets[] = { { 42, "app<1>", true, NULL } };

static char *svg(enum value_type value, bool icicle, const struct report_info *info)
{
	struct profile *p = fixture_profile();
	char *text = CAPTURE(output_svg__write(p, &(struct svg_opts){ value, icicle, info }, f));

	profile__free(p);
	return text;
}

/* The whole file, byte for byte: merged frames, escaped names, the title, the script. */
static void test_svg_golden(void **state)
{
	struct report_info info = { .targets = targets, .target_cnt = 1, .duration_s = 2.5 };
	char *got;

	(void)state;
	got = svg(VALUE_INUSE_SPACE, false, &info);
	assert_golden(GOLDEN_DIR "flame_inuse_space.svg", got);
	free(got);
}

/* The stacks through main merge into one frame as wide as their sum; icicle puts the root at
 * the top, right under the header. */
static void test_svg_merges_by_name_and_flips(void **state)
{
	char *got;

	(void)state;
	got = svg(VALUE_ALLOC_OBJECTS, true, NULL);
	/* alloc_objects: 4 + 1 + 1 (two processes, merged) + 2 truncated = 8 objects */
	assert_non_null(strstr(got, "data-d=\"0\" data-n=\"all\"><title>all (8 objects, 100.00%)"));
	assert_non_null(strstr(got, "data-d=\"2\" data-n=\"main\"><title>main (6 objects, 75.00%)"));
	assert_non_null(strstr(got, "data-d=\"3\" data-n=\"leaf_fn\"><title>leaf_fn (5 objects, 62.50%)"));
	assert_non_null(strstr(got, "data-n=\"[truncated]\"><title>[truncated] (2 objects, 25.00%)"));
	/* a target's controls never reach the XML: escaped as every report does */
	assert_non_null(strstr(got, "data-n=\"other;weird\\x1b[2J\\x0aname\"><title>other;weird\\x1b[2J\\x0aname (1 object, 12.50%)"));
	/* the root of an icicle is the first row under the 50 px header */
	assert_non_null(strstr(got, "<rect x=\"10.00\" y=\"50\" width=\"1180.00\""));
	assert_non_null(strstr(got, "data-icicle=\"1\""));
	free(got);
}

static void test_svg_empty_profile_says_so(void **state)
{
	struct profile *p = profile__new(1);
	char *got;

	(void)state;
	got = CAPTURE(output_svg__write(p, &(struct svg_opts){ VALUE_INUSE_SPACE, false, NULL }, f));
	assert_non_null(strstr(got, ">no inuse_space</text>"));
	assert_null(strstr(got, "<script"));
	free(got);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_golden),
		cmocka_unit_test(test_svg_merges_by_name_and_flips),
		cmocka_unit_test(test_svg_empty_profile_says_so),
	};

	return cmocka_run_group_tests_name("output_svg", tests, NULL, NULL);
}
