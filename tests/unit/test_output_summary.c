// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "golden.h"
#include "output_summary.h"

static const struct report_target targets[] = { { 42, "a\"pp", true, NULL }, { 5, "app", false, NULL } };

/* Every section: exact rows, estimates, each loss by name with the lost fraction, two memory
 * readings (one with its cgroup), the top sites. */
static void test_summary_golden(void **state)
{
	struct report_info info = { .targets = targets, .target_cnt = 2, .duration_s = 2.5,
				    .value = VALUE_INUSE_SPACE, .top_n = 2 };
	struct mem_series mem = {};
	struct mem_point pt = { .t_s = 1, .pid = 42 };
	struct profile *p = fixture_profile();
	char *got;

	(void)state;
	info.counters[GLIBC_ROW(MALLOC)] = (struct fn_counter){ 8, 1570 };
	info.counters[GLIBC_ROW(CALLOC)] = (struct fn_counter){ 1, 10 };
	info.counters[GLIBC_ROW(FREE)] = (struct fn_counter){ 3, 0 };
	info.counter_labels[GLIBC_ROW(CALLOC)] = "calloc+other";
	fixture_sizes(info.sizes);
	info.losses.drops[DROP_RINGBUF_ALLOC] = 2;
	info.losses.alloc_events = 8; /* 2 of 10 samples lost */
	info.losses.truncated_stacks = 1;
	pt.has[MEM_RSS] = pt.has[MEM_ANON] = true;
	pt.v[MEM_RSS] = 8192;
	pt.v[MEM_ANON] = 4096;
	assert_int_equal(mem_series__add(&mem, &pt), 0);
	pt.t_s = 2;
	pt.has[MEM_CG_CURRENT] = pt.has[MEM_CG_OOM_KILL] = true;
	pt.v[MEM_CG_CURRENT] = 1 << 20;
	assert_int_equal(mem_series__add(&mem, &pt), 0);
	info.mem = &mem;
	got = CAPTURE(output_summary__write(p, &info, f));
	assert_golden(GOLDEN_DIR "summary.json", got);
	free(got);
	mem_series__clear(&mem);
	profile__free(p);
}

/* --alloc-only: no frees, no in-use figures: nulls, not zeros. */
static void test_summary_alloc_only_nulls(void **state)
{
	struct report_info info = { .targets = targets, .target_cnt = 1, .value = VALUE_ALLOC_SPACE,
				    .top_n = 1, .inuse_untracked = true };
	struct profile *p = fixture_profile();
	char *got;

	(void)state;
	got = CAPTURE(output_summary__write(p, &info, f));
	assert_non_null(strstr(got, "\"free_calls\": null"));
	assert_non_null(strstr(got, "\"in_use\": null"));
	assert_non_null(strstr(got, "\"memory\": [],"));
	free(got);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_golden),
		cmocka_unit_test(test_summary_alloc_only_nulls),
	};

	return cmocka_run_group_tests_name("output_summary", tests, NULL, NULL);
}
