// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The job queue: order, one run per (job, process), jobs posted by jobs, the budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>
#include "jobs.h"

struct trace {
	struct jobs *jobs;
	pid_t ran[16];
	size_t cnt;
};

static void note(void *ctx, pid_t pid, uint64_t arg)
{
	struct trace *t = ctx;

	(void)arg;
	t->ran[t->cnt++] = pid;
}

/* A job that asks for another, as an exec's probing asks for a map reading. */
static void chain(void *ctx, pid_t pid, uint64_t arg)
{
	struct trace *t = ctx;

	note(ctx, pid, arg);
	if (arg)
		jobs__post(t->jobs, chain, pid + 1, arg - 1);
}

static void slow(void *ctx, pid_t pid, uint64_t arg)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	note(ctx, pid, arg);
	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	static struct trace t;

	t = (struct trace){};
	t.jobs = jobs__new(&t);
	*state = &t;
	return t.jobs ? 0 : -1;
}

static int teardown(void **state)
{
	jobs__free(((struct trace *)*state)->jobs);
	return 0;
}

static void test_jobs_run_in_order_once_each(void **state)
{
	struct trace *t = *state;

	assert_int_equal(jobs__post(t->jobs, note, 3, 0), 0);
	assert_int_equal(jobs__post(t->jobs, note, 1, 0), 0);
	assert_int_equal(jobs__post(t->jobs, note, 3, 0), 0); /* the same, not run yet: once */
	assert_int_equal(jobs__post(t->jobs, note, 3, 9), 0); /* another argument: its own */
	assert_int_equal(jobs__pending(t->jobs), 3);
	assert_int_equal(jobs__run(t->jobs, 0), 0);
	assert_int_equal(t->cnt, 3);
	assert_int_equal(t->ran[0], 3);
	assert_int_equal(t->ran[1], 1);
	assert_int_equal(t->ran[2], 3);
	/* run already: posted again, it runs again */
	jobs__post(t->jobs, note, 3, 0);
	jobs__run(t->jobs, 0);
	assert_int_equal(t->cnt, 4);
}

static void test_jobs_posted_by_jobs_run_in_the_same_pass(void **state)
{
	struct trace *t = *state;

	jobs__post(t->jobs, chain, 10, 3);
	assert_int_equal(jobs__run(t->jobs, 0), 0);
	assert_int_equal(t->cnt, 4);
	assert_int_equal(t->ran[3], 13);
}

static void test_jobs_budget_leaves_the_rest_queued(void **state)
{
	struct trace *t = *state;

	for (pid_t pid = 1; pid <= 10; pid++)
		jobs__post(t->jobs, slow, pid, 0);
	/* 2 ms each, a 1 ms budget: one runs, the rest wait for the next pass, in order */
	assert_int_equal(jobs__run(t->jobs, 1000 * 1000), 9);
	assert_int_equal(t->cnt, 1);
	assert_int_equal(jobs__run(t->jobs, 0), 0);
	assert_int_equal(t->cnt, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(t->ran[i], (pid_t)i + 1);
	assert_int_equal(jobs__dropped(t->jobs), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_jobs_run_in_order_once_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_jobs_posted_by_jobs_run_in_the_same_pass, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_jobs_budget_leaves_the_rest_queued, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
