// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "golden.h"
#include "output.h"

static const struct report_target targets[] = { { 42, "app", true, NULL }, { 5, "app", false, "/svc.slice" } };

static char *report(const struct report_info *info)
{
	struct profile *p = fixture_profile();
	char *text = CAPTURE(output_text__write(p, info, f));

	profile__free(p);
	return text;
}

static void fill_counters(struct report_info *info)
{
	info->targets = targets;
	info->target_cnt = 2;
	info->duration_s = 2.5;
	info->counters[GLIBC_ROW(MALLOC)] = (struct fn_counter){ 8, 1570 };
	info->counters[GLIBC_ROW(CALLOC)] = (struct fn_counter){ 1, 10 };
	info->counters[GLIBC_ROW(FREE)] = (struct fn_counter){ 3, 0 };
	/* a C++ operator of jemalloc, into whose probe new[] counts too */
	info->counters[FAMILY_JEMALLOC * ALLOC_ROW_CNT + ROW_NEW] = (struct fn_counter){ 2, 64 };
	info->counter_labels[FAMILY_JEMALLOC * ALLOC_ROW_CNT + ROW_NEW] = "new+new[]";
	fixture_sizes(info->sizes);
	info->value = VALUE_INUSE_SPACE;
	info->top_n = 10;
}

static void test_report_golden(void **state)
{
	struct report_info info = {};
	char *got;

	(void)state;
	fill_counters(&info);
	got = report(&info);
	assert_golden(GOLDEN_DIR "report_inuse_space.txt", got);
	free(got);
}

static void test_report_losses_loud(void **state)
{
	struct report_info info = {};
	char *got;

	(void)state;
	fill_counters(&info);
	info.value = VALUE_ALLOC_OBJECTS;
	info.top_n = 1;
	info.losses.drops[DROP_RINGBUF_ALLOC] = 7;
	info.losses.unknown_frees = 2;
	info.losses.lost_frees = 3;
	info.losses.truncated_stacks = 2;
	info.losses.alloc_events = 93;
	assert_true(report_losses_any(&info.losses));
	/* lost frees follow from lost events, counted once */
	assert_int_equal(report_losses_events(&info.losses), 9);
	assert_float_equal(report_losses_alloc_fraction(&info.losses), 0.07, 1e-12);
	got = report(&info);
	assert_golden(GOLDEN_DIR "report_alloc_objects_losses.txt", got);
	free(got);
}

/* Stacks cut short lose no event: the figures stay exact. */
static void test_report_truncation_alone_is_exact(void **state)
{
	struct report_info info = {};
	char *got;

	(void)state;
	fill_counters(&info);
	info.losses.truncated_stacks = 1;
	assert_false(report_losses_any(&info.losses));
	assert_int_equal(report_losses_events(&info.losses), 0);
	got = report(&info);
	assert_non_null(strstr(got, "every allocation sampled (exact)\n"));
	assert_null(strstr(got, "NOT exact"));
	/* said as what it is, not as lost data */
	assert_non_null(strstr(got, "\nlost data: none\nstacks cut short (no data lost):\n  1 samples"));
	assert_null(strstr(got, "WARNING"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_golden),
		cmocka_unit_test(test_report_losses_loud),
		cmocka_unit_test(test_report_truncation_alone_is_exact),
	};

	return cmocka_run_group_tests_name("output_text", tests, NULL, NULL);
}
