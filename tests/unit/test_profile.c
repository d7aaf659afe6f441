// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include "profile.h"

static void test_weight_exact_at_rate_one(void **state)
{
	(void)state;
	assert_true(sample_weight(1, 1) == 1.0);
	assert_true(sample_weight(0, 1) == 1.0);
	assert_true(sample_weight(1 << 30, 1) == 1.0);
}

static void test_weight_is_inverse_inclusion_probability(void **state)
{
	const uint64_t rate = 512 * 1024;

	(void)state;
	/* p = 1 - exp(-s/R) */
	assert_true(fabs(sample_weight(rate, rate) - 1 / (1 - exp(-1.0))) < 1e-12);
	assert_true(fabs(sample_weight(100, rate) - 1 / -expm1(-100.0 / rate)) < 1e-6);
	/* a huge block is always taken */
	assert_true(fabs(sample_weight(100 * rate, rate) - 1.0) < 1e-12);
}

static struct profile *p;

static int setup(void **state)
{
	(void)state;
	p = profile__new(1);
	return p ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	profile__free(p);
	return 0;
}

static void test_stack_interned_once(void **state)
{
	struct frame f = { .func = "leaf" };
	uint32_t locs[2];
	int a, b, c;

	(void)state;
	locs[0] = profile__add_location(p, "/bin/x", NULL, 0x10, &f, 1);
	f.func = "main";
	locs[1] = profile__add_location(p, "/bin/x", NULL, 0x20, &f, 1);
	a = profile__intern_stack(p, 0, locs, 2, false);
	b = profile__intern_stack(p, 0, locs, 2, false);
	c = profile__intern_stack(p, 7, locs, 2, false);
	assert_true(a >= 0);
	assert_int_equal(a, b);
	assert_int_not_equal(a, c);
	assert_int_not_equal(a, profile__intern_stack(p, 0, locs, 2, true));
	assert_int_not_equal(a, profile__intern_stack(p, 0, locs, 1, false));
	assert_string_equal(profile__location(p, locs[1])->frames[0].func, "main");
}

static void test_stacks_past_the_cap_fold_into_one_counted_site(void **state)
{
	struct frame f = { .func = "leaf" };
	uint32_t locs[4];
	int a, b, full, again;

	(void)state;
	for (int i = 0; i < 4; i++)
		locs[i] = profile__add_location(p, "/bin/x", NULL, 0x10 * (i + 1), &f, 1);
	profile__set_max_stacks(p, 2);
	a = profile__intern_stack(p, 0, &locs[0], 1, false);
	b = profile__intern_stack(p, 0, &locs[1], 1, false);
	full = profile__intern_stack(p, 0, &locs[2], 1, false);
	again = profile__intern_stack(p, 0, &locs[3], 1, false);
	assert_int_equal(profile__intern_stack(p, 0, &locs[0], 1, false), a); /* known: kept */
	assert_int_not_equal(a, b);
	assert_int_equal(full, again);
	assert_true(profile__stack_is_full(p, full));
	assert_false(profile__stack_is_full(p, a));
	assert_string_equal(profile__location(p, profile__stack(p, full)->locs[0])->frames[0].func,
			    PROFILE_FULL_NAME);
	/* every sample of the overflow site is counted, whichever stack it had */
	profile__record_alloc(p, full, 10, true);
	profile__record_alloc(p, again, 10, true);
	profile__record_alloc(p, a, 10, true);
	assert_int_equal(profile__full_samples(p), 2);
	assert_int_equal(profile__stack_cnt(p), 3);
	/* another process gets its own overflow site */
	full = profile__intern_stack(p, 9, &locs[3], 1, false);
	assert_int_not_equal(full, again);
	profile__record_alloc(p, full, 10, true);
	assert_int_equal(profile__full_samples(p), 3);
}

static bool keep_pid_7(void *ctx, uint32_t pid)
{
	(void)ctx;
	return pid == 7;
}

/* A view keeps src's location ids and processes; keep filters processes; a base makes
 * deltas and leaves unchanged stacks out. */
static void test_view_filters_and_subtracts(void **state)
{
	struct profile *p = profile__new(1), *v;
	struct frame f = { .func = "f" };
	struct stack_values *base;
	uint32_t loc;
	size_t base_cnt;
	int a, b;

	(void)state;
	loc = profile__add_location(p, "/bin/x", NULL, 0x10, &f, 1);
	a = profile__intern_stack(p, 3, &loc, 1, false);
	b = profile__intern_stack(p, 7, &loc, 1, false);
	profile__record_alloc(p, a, 100, true);
	profile__record_alloc(p, b, 10, true);
	v = profile__view(p, &(struct profile_view_opts){ .keep = keep_pid_7 });
	assert_non_null(v);
	assert_int_equal(profile__stack_cnt(v), 1);
	assert_int_equal(profile__stack(v, 0)->pid, 7);
	assert_true(profile__stack(v, 0)->v.alloc_space == 10);
	assert_string_equal(profile__location(v, loc)->module, "/bin/x");
	profile__free(v);
	base = profile__baseline(p, &base_cnt);
	assert_int_equal(base_cnt, 2);
	profile__record_alloc(p, b, 5, true);
	v = profile__view(p, &(struct profile_view_opts){ .base = base, .base_cnt = base_cnt });
	assert_int_equal(profile__stack_cnt(v), 1); /* pid 3's stack did not change */
	assert_true(profile__stack(v, 0)->v.alloc_space == 5);
	assert_true(profile__stack(v, 0)->v.inuse_space == 5);
	profile__free(v);
	v = profile__view(p, &(struct profile_view_opts){ .base = base, .base_cnt = base_cnt,
							   .base_alloc_only = true });
	assert_int_equal(profile__stack_cnt(v), 2); /* in use is not a delta: both are there */
	assert_true(profile__stack(v, 0)->v.inuse_space == 100);
	assert_true(profile__stack(v, 1)->v.inuse_space == 15);
	assert_true(profile__stack(v, 1)->v.alloc_space == 5);
	profile__free(v);
	free(base);
	profile__free(p);
}

static void test_alloc_and_free_aggregate(void **state)
{
	struct frame f = { .func = "leaf" };
	struct stack_values t;
	uint32_t loc;
	int id;

	(void)state;
	loc = profile__add_location(p, "/bin/x", NULL, 0x10, &f, 1);
	id = profile__intern_stack(p, 0, &loc, 1, false);
	profile__record_alloc(p, id, 100, true);
	profile__record_alloc(p, id, 50, true);
	profile__record_alloc(p, id, 8, false); /* untracked: never in use */
	profile__record_free(p, id, 100, 1000);

	const struct stack *s = profile__stack(p, id);
	assert_true(s->v.alloc_objects == 3);
	assert_true(s->v.alloc_space == 158);
	assert_true(s->v.inuse_objects == 1);
	assert_true(s->v.inuse_space == 50);
	assert_int_equal(s->v.alloc_samples, 3);
	assert_int_equal(s->v.inuse_samples, 1);

	profile__record_free(p, id, 50, 1000);
	profile__record_free(p, id, 50, 1000); /* more frees than live samples: ignored */
	assert_true(s->v.inuse_space == 0);
	assert_true(s->v.inuse_objects == 0);
	profile__totals(p, &t);
	assert_true(t.alloc_space == 158);
	assert_true(t.inuse_space == 0);
}

/* Weighted values return to exactly zero, not a floating-point residue. */
static void test_inuse_exactly_zero_after_sampled_frees(void **state)
{
	struct profile *q = profile__new(512 * 1024);
	struct frame f = { .func = "leaf" };
	uint32_t loc;
	int id;

	(void)state;
	assert_non_null(q);
	loc = profile__add_location(q, NULL, NULL, 0, &f, 1);
	id = profile__intern_stack(q, 0, &loc, 1, false);
	for (int i = 1; i <= 1000; i++)
		profile__record_alloc(q, id, i * 37, true);
	for (int i = 1; i <= 1000; i++)
		profile__record_free(q, id, i * 37, 1000);
	assert_true(profile__stack(q, id)->v.inuse_space == 0);
	assert_true(profile__stack(q, id)->v.alloc_space > 0);
	assert_string_equal(profile__location(q, loc)->module, "[unknown]");
	profile__free(q);
}

static void test_lifetime_buckets_are_log2_of_ns(void **state)
{
	(void)state;
	assert_int_equal(lifetime_bucket(0), 0);
	assert_int_equal(lifetime_bucket(1), 0);
	assert_int_equal(lifetime_bucket(2), 1);
	assert_int_equal(lifetime_bucket(1023), 9);
	assert_int_equal(lifetime_bucket(1024), 10);
	assert_int_equal(lifetime_bucket(1000000), 19);		  /* 1 ms */
	assert_int_equal(lifetime_bucket(1ULL << 42), LIFETIME_BUCKETS - 1); /* ~73 min */
	assert_int_equal(lifetime_bucket(~0ULL), LIFETIME_BUCKETS - 1);
}

static void test_lifetimes_and_ages_recorded_per_stack(void **state)
{
	struct frame f = { .func = "leaf" };
	uint32_t loc;
	int id;

	(void)state;
	loc = profile__add_location(p, "/bin/x", NULL, 0x10, &f, 1);
	id = profile__intern_stack(p, 0, &loc, 1, false);
	profile__record_alloc(p, id, 10, true);
	profile__record_alloc(p, id, 10, true);
	profile__record_alloc(p, id, 10, true);
	profile__record_free(p, id, 10, 1500000);  /* 1.5 ms */
	profile__record_free(p, id, 10, 1600000);
	profile__record_free(p, id, 10, 1700000);
	profile__record_free(p, id, 10, 1800000);  /* a fourth free: not a sample, not counted */
	profile__record_live_age(p, id, 10, 3000000000ULL);
	const struct stack *s = profile__stack(p, id);
	assert_true(s->lifetimes[lifetime_bucket(1500000)] == 3);
	assert_true(s->live_ages[lifetime_bucket(3000000000ULL)] == 1);
}

/* Two reports of one run: the live ages of the second replace the first's, never add to them. */
static void test_live_ages_are_a_snapshot(void **state)
{
	struct frame f = { .func = "leaf" };
	const struct stack *s;
	uint32_t loc;
	int id;

	(void)state;
	loc = profile__add_location(p, "/bin/x", NULL, 0x10, &f, 1);
	id = profile__intern_stack(p, 0, &loc, 1, false);
	profile__record_alloc(p, id, 10, true);
	for (int report = 0; report < 2; report++) {
		profile__clear_live_ages(p);
		profile__record_live_age(p, id, 10, 1000 << report);
	}
	s = profile__stack(p, id);
	assert_true(s->live_ages[lifetime_bucket(1000)] == 0);
	assert_true(s->live_ages[lifetime_bucket(2000)] == 1);
	assert_true(s->v.inuse_objects == 1);
}

static void test_value_type_names_round_trip(void **state)
{
	enum value_type t;

	(void)state;
	for (int i = 0; i < VALUE_CNT; i++) {
		assert_int_equal(value_type_parse(value_type_name(i), &t), 0);
		assert_int_equal(t, i);
	}
	assert_int_equal(value_type_parse("inuse", &t), -22);
	assert_true(value_type_is_bytes(VALUE_ALLOC_SPACE));
	assert_false(value_type_is_bytes(VALUE_INUSE_OBJECTS));
}

/* One sample of size s at rate R: estimate w s, variance w (w - 1) s^2; a free takes both back,
 * and stacks' variances add up in the totals. */
static void test_variance_is_horvitz_thompson(void **state)
{
	const uint64_t rate = 512 * 1024, s = 1000;
	struct profile *q = profile__new(rate);
	struct frame f = { .func = "leaf" };
	double w = sample_weight(s, rate);
	struct stack_values t;
	uint32_t loc;
	int a, b;

	(void)state;
	assert_non_null(q);
	loc = profile__add_location(q, "/bin/x", NULL, 0x10, &f, 1);
	a = profile__intern_stack(q, 0, &loc, 1, false);
	b = profile__intern_stack(q, 0, &loc, 1, true);
	profile__record_alloc(q, a, s, true);
	profile__record_alloc(q, b, s, true);
	profile__record_alloc(q, b, s, true);
	assert_true(fabs(profile__stack(q, a)->v.inuse_space_var - w * (w - 1) * s * s) < 1);
	assert_true(fabs(stack_value_se(&profile__stack(q, b)->v, VALUE_INUSE_SPACE) -
			 sqrt(2 * w * (w - 1)) * s) < 1e-6);
	profile__totals(q, &t);
	assert_true(fabs(t.inuse_space_var - 3 * w * (w - 1) * s * s) < 1);
	assert_true(fabs(t.alloc_objects_var - 3 * w * (w - 1)) < 1e-6);
	profile__record_free(q, b, s, 10);
	profile__totals(q, &t);
	assert_true(fabs(t.inuse_space_var - 2 * w * (w - 1) * s * s) < 1);
	assert_true(fabs(t.alloc_space_var - 3 * w * (w - 1) * s * s) < 1);
	profile__free(q);
}

static const char *same_name(void *ctx, uint32_t pid)
{
	(void)ctx;
	return pid == 9 ? NULL : "app";
}

/* Each process gets its group's root frame; two builds under one name are told apart by the
 * build ID of their _start's module, one build of two processes stays one root. */
static void test_regroup_tells_builds_of_one_name_apart(void **state)
{
	struct frame start = { .func = "_start" }, leaf = { .func = "leak" };
	const char *ids[2] = { "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb" };
	struct profile *g;
	uint32_t locs[2][2];
	char want[64];

	(void)state;
	for (int b = 0; b < 2; b++) {
		locs[b][0] = profile__add_location(p, "/bin/app", ids[b], 0x10, &leaf, 1);
		locs[b][1] = profile__add_location(p, "/bin/app", ids[b], 0x20, &start, 1);
	}
	/* pids 1 and 3 run build a, pid 2 build b */
	for (uint32_t pid = 1; pid <= 3; pid++)
		profile__record_alloc(p, profile__intern_stack(p, pid, locs[pid == 2], 2, false), 100,
				      true);
	profile__record_alloc(p, profile__intern_stack(p, 9, locs[0], 2, false), 100, true);
	g = profile__regroup(p, same_name, NULL);
	assert_non_null(g);
	assert_int_equal(profile__stack_cnt(g), 3); /* pids 1 and 3 merged, 9 without a group */
	for (uint32_t i = 0; i < 2; i++) {
		const struct stack *s = profile__stack(g, i);
		const struct location *root = profile__location(g, s->locs[s->loc_cnt - 1]);

		snprintf(want, sizeof(want), "app [build %.12s]", i ? ids[1] : ids[0]);
		assert_string_equal(root->module, PROFILE_GROUP_MODULE);
		assert_string_equal(root->frames[0].func, want);
		assert_true(s->v.inuse_space == (i ? 100 : 200));
	}
	assert_string_equal(profile__location(g, profile__stack(g, 2)->locs[1])->frames[0].func,
			    "_start");
	profile__free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weight_exact_at_rate_one),
		cmocka_unit_test(test_view_filters_and_subtracts),
		cmocka_unit_test(test_variance_is_horvitz_thompson),
		cmocka_unit_test_setup_teardown(test_regroup_tells_builds_of_one_name_apart, setup,
						teardown),
		cmocka_unit_test(test_weight_is_inverse_inclusion_probability),
		cmocka_unit_test_setup_teardown(test_stack_interned_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_and_free_aggregate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stacks_past_the_cap_fold_into_one_counted_site,
						setup, teardown),
		cmocka_unit_test(test_inuse_exactly_zero_after_sampled_frees),
		cmocka_unit_test(test_value_type_names_round_trip),
		cmocka_unit_test(test_lifetime_buckets_are_log2_of_ns),
		cmocka_unit_test_setup_teardown(test_lifetimes_and_ages_recorded_per_stack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_ages_are_a_snapshot, setup, teardown),
	};

	return cmocka_run_group_tests_name("profile", tests, NULL, NULL);
}
