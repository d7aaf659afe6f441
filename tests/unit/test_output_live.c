// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "golden.h"
#include "output_live.h"

static const struct report_target targets[] = { { 42, "app", false, NULL } };

/* Two ticks of the fixture: a block, then a quiet line (no call since), then a block with a
 * change after one more sample. */
static void test_live_ticks_golden(void **state)
{
	struct live_view *v = live_view__new(&(struct live_view_opts){
		.value = VALUE_INUSE_SPACE, .top_n = 3, .width = 100 });
	struct profile *p = fixture_profile();
	struct report_info info = { .targets = targets, .target_cnt = 1 };
	struct mem_series mem = {};
	struct mem_point pt = { .t_s = 1, .pid = 42 };
	char *a, *b, *c;

	(void)state;
	pt.has[MEM_RSS] = pt.has[MEM_ANON] = pt.has[MEM_CG_CURRENT] = pt.has[MEM_CG_OOM] = true;
	pt.v[MEM_RSS] = 4 << 20;
	pt.v[MEM_ANON] = 3 << 20;
	pt.v[MEM_CG_CURRENT] = 10 << 20;
	pt.v[MEM_CG_OOM] = 1;
	assert_int_equal(mem_series__add(&mem, &pt), 0);
	info.counters[GLIBC_ROW(MALLOC)] = (struct fn_counter){ 9, 1580 };
	info.counters[GLIBC_ROW(FREE)] = (struct fn_counter){ 3, 0 };
	a = CAPTURE(live_view__write(v, p, &(struct live_tick){ 1.0, &info, &mem }, f));
	b = CAPTURE(live_view__write(v, p, &(struct live_tick){ 2.0, &info, &mem }, f));
	profile__record_alloc(p, 1, 500, true);
	info.counters[GLIBC_ROW(MALLOC)] = (struct fn_counter){ 10, 2080 };
	info.losses.drops[DROP_RINGBUF_FREE] = 2;
	c = CAPTURE(live_view__write(v, p, &(struct live_tick){ 4.0, &info, &mem }, f));
	assert_golden(GOLDEN_DIR "live_tick1.txt", a);
	assert_golden(GOLDEN_DIR "live_tick2_quiet.txt", b);
	assert_golden(GOLDEN_DIR "live_tick3.txt", c);
	free(a);
	free(b);
	free(c);
	mem_series__clear(&mem);
	profile__free(p);
	live_view__free(v);
}

/* On a terminal each tick starts by clearing the screen, quiet or not. */
static void test_live_redraw_clears(void **state)
{
	struct live_view *v = live_view__new(&(struct live_view_opts){
		.value = VALUE_ALLOC_OBJECTS, .top_n = 1, .redraw = true, .width = 80 });
	struct profile *p = fixture_profile();
	struct report_info info = { .targets = targets, .target_cnt = 1 };
	char *a, *b;

	(void)state;
	a = CAPTURE(live_view__write(v, p, &(struct live_tick){ 1.0, &info, NULL }, f));
	b = CAPTURE(live_view__write(v, p, &(struct live_tick){ 2.0, &info, NULL }, f));
	assert_memory_equal(a, "\033[H\033[2J", 7);
	assert_memory_equal(b, "\033[H\033[2J--- memsnoop 2.0 s, tick 2", 32);
	/* ranked by alloc_objects, the heap line still says what is in use */
	assert_non_null(strstr(b, "\nheap in use (estimated): 1.4 KiB (+0 B since the last tick)"));
	free(a);
	free(b);
	profile__free(p);
	live_view__free(v);
}

/* At 80 columns every line fits, cut at a field's end ("..."), never inside a figure; at the
 * default rate, 0 samples of counted allocations get a hint; colour only when asked. */
static void test_live_fits_80_columns_hints_and_colours(void **state)
{
	struct live_view *v = live_view__new(&(struct live_view_opts){
		.value = VALUE_INUSE_SPACE, .top_n = 3, .width = 80, .colour = true });
	struct profile *p = profile__new(512 * 1024);
	struct report_info info = { .targets = targets, .target_cnt = 1 };
	struct mem_series mem = {};
	struct mem_point pt = { .t_s = 1, .pid = 42 };
	char *a, *line, *save;

	(void)state;
	for (int m = 0; m < MEM_FIELD_CNT; m++) {
		pt.has[m] = true;
		pt.v[m] = 123456789.0 + m;
	}
	assert_int_equal(mem_series__add(&mem, &pt), 0);
	info.counters[GLIBC_ROW(MALLOC)] = (struct fn_counter){ 3000, 300000 };
	a = CAPTURE(live_view__write(v, p, &(struct live_tick){ 1.0, &info, &mem }, f));
	assert_non_null(strstr(a, "\033[1m--- memsnoop 1.0 s, tick 1 ---\033[0m\n"));
	assert_non_null(strstr(a, "\033[33mhint: 0 samples of 3000 allocations (293.0 KiB): try -r "
				  "4096 or -r 1\033[0m\n"));
	for (line = strtok_r(a, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t cols = strlen(line);

		for (char *e = strchr(line, '\033'); e; e = strchr(e + 1, '\033'))
			cols -= strcspn(e, "m") + 1; /* escapes take no column */
		assert_true(cols <= 80);
		if (!strncmp(line, "PID 42", 6)) /* "rss 117.7 MiB, ... ..." : whole figures */
			assert_non_null(strstr(line, "MiB ..."));
	}
	free(a);
	mem_series__clear(&mem);
	profile__free(p);
	live_view__free(v);
	assert_false(live_colour_wanted(true, "1", "xterm"));
	assert_true(live_colour_wanted(true, "", "xterm"));
	assert_false(live_colour_wanted(false, NULL, "xterm"));
	assert_false(live_colour_wanted(true, NULL, "dumb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_fits_80_columns_hints_and_colours),
		cmocka_unit_test(test_live_ticks_golden),
		cmocka_unit_test(test_live_redraw_clears),
	};

	return cmocka_run_group_tests_name("output_live", tests, NULL, NULL);
}
