// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "memview.h"

static uint64_t parse(const char *text, const char *key, int want_err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	uint64_t v = 0;

	assert_non_null(f);
	assert_int_equal(mem_parse_value(f, key, &v), want_err);
	fclose(f);
	return v;
}

static void test_memview_parses_each_format(void **state)
{
	const char *rollup = "5566-7ffc ---p 00000000 00:00 0  [rollup]\n"
			     "Rss:                1636 kB\nPss:                 303 kB\n"
			     "Pss_Anon:            112 kB\nAnonymous:           112 kB\n";

	(void)state;
	assert_int_equal(parse(rollup, "Rss:", 0), 1636 * 1024);
	assert_int_equal(parse(rollup, "Anonymous:", 0), 112 * 1024);
	parse(rollup, "Swap:", -ENOENT);
	assert_int_equal(parse("anon 4096\nfile 8192\nkernel 12\n", "file", 0), 8192);
	/* "oom" is not "oom_kill"'s prefix match */
	assert_int_equal(parse("low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n", "oom_kill", 0), 1);
	assert_int_equal(parse("low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n", "oom", 0), 2);
	assert_int_equal(parse("123456789\n", NULL, 0), 123456789);
	parse("max\n", NULL, -ENOENT);
}

/* memsnoop reads its own memory: a live process has an RSS; no cgroup dir, no cgroup figure. */
static void test_memview_reads_a_live_process(void **state)
{
	struct mem_point pt;

	(void)state;
	mem_read(getpid(), NULL, 1.5, &pt);
	assert_true(pt.has[MEM_RSS] && pt.v[MEM_RSS] > 0);
	assert_true(pt.has[MEM_ANON]);
	assert_false(pt.has[MEM_CG_CURRENT]);
	assert_int_equal(pt.pid, getpid());
	assert_true(pt.t_s == 1.5);
	assert_string_equal(mem_field_info(MEM_ANON_HUGE)->name, "anon_huge_pages");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memview_parses_each_format),
		cmocka_unit_test(test_memview_reads_a_live_process),
	};

	return cmocka_run_group_tests_name("memview", tests, NULL, NULL);
}
