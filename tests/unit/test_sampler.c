// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The kernel's sampler math (include/sampler.h), tested in user space. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "sampler.h"

#define DRAWS 1000000
#define MEAN (512 * 1024)

static uint64_t rng_state;

/* splitmix64: the test's uniform source, standing in for bpf_get_prandom_u32() */
static uint32_t next_u32(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) >> 32;
}

static int seed(void **state)
{
	(void)state;
	rng_state = 42;
	return 0;
}

static void test_neg_ln_matches_libm(void **state)
{
	(void)state;
	/* across the whole range, including both ends of the uniform draw */
	uint32_t rs[] = { 0, 1, 2, 1000, 1u << 20, 0x7fffffffu, 0x80000000u, 0xfffffffeu,
			  0xffffffffu, 123456789u };

	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++) {
		double u = ((double)rs[i] + 1) / 4294967296.0;
		double want = -log(u);
		double got = sampler_neg_ln_q24(rs[i]) / (double)(1 << 24);

		assert_true(fabs(got - want) < 2e-5);
	}
}

static void test_interval_mean_within_half_percent(void **state)
{
	double sum = 0;

	(void)state;
	for (int i = 0; i < DRAWS; i++)
		sum += sampler_next_interval(next_u32(), MEAN);
	/* the mean of 10^6 draws has sd = MEAN / 1000: 0.5% is five of them */
	assert_true(fabs(sum / DRAWS - MEAN) < 0.005 * MEAN);
}

static void test_interval_fits_exponential(void **state)
{
	enum { BINS = 20 };
	uint64_t count[BINS] = { 0 };
	double bound[BINS], chi2 = 0, expect = (double)DRAWS / BINS;

	(void)state;
	/* equiprobable bins of Exp(MEAN) */
	for (int k = 0; k < BINS - 1; k++)
		bound[k] = -MEAN * log(1.0 - (k + 1.0) / BINS);
	bound[BINS - 1] = INFINITY;
	for (int i = 0; i < DRAWS; i++) {
		double v = sampler_next_interval(next_u32(), MEAN);
		int k = 0;

		while (v > bound[k])
			k++;
		count[k]++;
	}
	for (int k = 0; k < BINS; k++)
		chi2 += (count[k] - expect) * (count[k] - expect) / expect;
	/* chi-square with 19 degrees of freedom: 43.82 is its 99.9th percentile */
	assert_true(chi2 < 43.82);
}

static void test_interval_at_least_one(void **state)
{
	(void)state;
	assert_int_equal(sampler_next_interval(0xffffffffu, MEAN), 1);
	assert_int_equal(sampler_next_interval(0xffffffffu, 1), 1);
	assert_true(sampler_next_interval(0, 1) >= 1);
}

static void test_interval_no_overflow_at_large_rate(void **state)
{
	uint64_t mean = 1ULL << 40;
	double got = (double)sampler_next_interval(0, mean);

	(void)state;
	assert_true(fabs(got / mean - 32 * log(2)) < 1e-4);
}

/* Fixed-size allocations are sampled with probability 1 - exp(-size/rate), each alone. */
static void test_reaches_point_with_poisson_probability(void **state)
{
	const uint64_t sizes[] = { 64, 4096, 100000, 2 * MEAN };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		__u64 countdown = sampler_next_interval(next_u32(), MEAN);
		uint64_t taken = 0;
		const int n = 400000;
		double p = -expm1(-(double)sizes[i] / MEAN), sd = sqrt(n * p * (1 - p));

		for (int j = 0; j < n; j++) {
			if (sampler_reaches_point(&countdown, sizes[i])) {
				taken++;
				countdown = sampler_next_interval(next_u32(), MEAN);
			}
		}
		assert_true(fabs(taken - n * p) < 5 * sd + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_neg_ln_matches_libm, seed),
		cmocka_unit_test_setup(test_interval_mean_within_half_percent, seed),
		cmocka_unit_test_setup(test_interval_fits_exponential, seed),
		cmocka_unit_test_setup(test_interval_at_least_one, seed),
		cmocka_unit_test_setup(test_interval_no_overflow_at_large_rate, seed),
		cmocka_unit_test_setup(test_reaches_point_with_poisson_probability, seed),
	};

	return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
