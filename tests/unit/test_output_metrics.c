// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "golden.h"
#include "output_metrics.h"

/* A name and a cgroup a target chose: quotes, a newline, an escape and a backslash. */
static const struct report_target targets[] = { { 42, "old", true, NULL },
						{ 5, "we\"ird\n\x1b[2J", false, "/a\\b" } };

static const struct metrics_self self = { .cpu_s = 1.25, .rss_bytes = 1 << 20,
					  .start_time_s = 1700000000, .scrapes = 3 };

/* Every family: exact rows and totals, the estimates of each process (pid 0: not kept apart),
 * every loss counter, the memory of the live process only, memsnoop's own. */
static void test_metrics_golden(void **state)
{
	struct report_info info = { .targets = targets, .target_cnt = 2, .value = VALUE_INUSE_SPACE };
	struct mem_series mem = {};
	struct mem_point pt = { .t_s = 1, .pid = 5 };
	struct profile *p = fixture_profile();
	char *got;

	(void)state;
	info.counters[GLIBC_ROW(MALLOC)] = (struct fn_counter){ 8, 1570 };
	info.counters[GLIBC_ROW(FREE)] = (struct fn_counter){ 3, 0 };
	fixture_sizes(info.sizes);
	info.losses.drops[DROP_RINGBUF_ALLOC] = 2;
	info.losses.alloc_events = 8;
	pt.has[MEM_RSS] = pt.has[MEM_CG_OOM_KILL] = true;
	pt.v[MEM_RSS] = 8192;
	pt.v[MEM_CG_OOM_KILL] = 1;
	assert_int_equal(mem_series__add(&mem, &pt), 0);
	pt.pid = 42; /* exited: its reading is not current */
	assert_int_equal(mem_series__add(&mem, &pt), 0);
	info.mem = &mem;
	got = CAPTURE(output_metrics__write(p, &info, &self, f));
	assert_golden(GOLDEN_DIR "metrics.txt", got);
	free(got);
	mem_series__clear(&mem);
	profile__free(p);
}

/* --alloc-only: no frees and no in-use families at all (absent, not zero). */
static void test_metrics_alloc_only_omits_inuse(void **state)
{
	struct report_info info = { .targets = targets, .target_cnt = 1, .inuse_untracked = true };
	struct profile *p = fixture_profile();
	char *got;

	(void)state;
	got = CAPTURE(output_metrics__write(p, &info, &self, f));
	assert_null(strstr(got, "memsnoop_frees_total"));
	assert_null(strstr(got, "inuse"));
	assert_non_null(strstr(got, "memsnoop_heap_allocated_bytes_total{pid=\"42\",comm=\"old\"} "));
	free(got);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_golden),
		cmocka_unit_test(test_metrics_alloc_only_omits_inuse),
	};

	return cmocka_run_group_tests_name("output_metrics", tests, NULL, NULL);
}
