// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "gate.h"

#define K 1024.0
#define RATE (512 * 1024)

static const struct gate_subject leak = { "leaked", " bytes", "--fail-on-leak", true };

/* At rate 1 every figure is exact: over the bound fails, at it passes, never undecided. */
static void test_gate_exact_at_rate_one(void **state)
{
	char buf[320];

	(void)state;
	assert_int_equal(gate__judge(&(struct gate_estimate){ 1001, 0, 0 }, 1000, 1, &leak, buf,
				     sizeof(buf)), GATE_ABOVE);
	assert_string_equal(buf, "leaked 1001 bytes, more than --fail-on-leak 1000");
	assert_int_equal(gate__decide(&(struct gate_estimate){ 1000, 0, 0 }, 1000), GATE_BELOW);
	assert_false(gate__bound_too_small(1, 1));
}

/* 0 samples estimate 0 +- 0, yet at 512K a 1 MiB leak shows no sample 14 % of the time: a
 * pass rests on the variance at the bound, so a 100K gate at 512K can never pass. */
static void test_gate_zero_samples_do_not_pass_a_small_bound(void **state)
{
	struct gate_estimate e = { 0, 0, gate__var_bound(100 * K, RATE) };
	char buf[320];

	(void)state;
	assert_int_equal(gate__judge(&e, 100 * K, RATE, &leak, buf, sizeof(buf)), GATE_UNDECIDED);
	assert_non_null(strstr(buf, "undecided at this rate (-r 512K)"));
	assert_non_null(strstr(buf, "use -r 2K or -r 1"));
	assert_true(gate__bound_too_small(100 * K, RATE));
	/* with a bound of many rates, the same nothing passes */
	e.var_at_bound = gate__var_bound(64 * K * K, RATE);
	assert_int_equal(gate__decide(&e, 64 * K * K), GATE_BELOW);
	assert_false(gate__bound_too_small(64 * K * K, RATE));
}

/* Fails only once the estimate is GATE_Z of its own standard errors past the bound. */
static void test_gate_fails_beyond_z_standard_errors(void **state)
{
	double bound = 4 * K * K, se = 1 * K * K;
	struct gate_estimate e = { bound + GATE_Z * se + 1, se * se, gate__var_bound(bound, RATE) };

	(void)state;
	assert_int_equal(gate__decide(&e, bound), GATE_ABOVE);
	e.value -= 2;
	assert_int_equal(gate__decide(&e, bound), GATE_UNDECIDED);
}

/* The variance bound holds for any size: s^2 (1 - p) / p <= s R, and equals it for s << R. */
static void test_gate_variance_of_values(void **state)
{
	(void)state;
	for (double s = 1; s < 64.0 * RATE; s *= 3)
		assert_true(gate__var_of_values(s * 10, 10, RATE, true) <= gate__var_bound(s * 10, RATE));
	assert_true(fabs(gate__var_of_values(1000, 1, RATE, true) / (1000.0 * RATE) - 1) < 1e-3);
	assert_true(gate__var_of_values(1000, 1, 1, true) == 0);
	assert_true(gate__unseen_bound(RATE) > 6.9 * RATE && gate__unseen_bound(RATE) < 7 * RATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gate_exact_at_rate_one),
		cmocka_unit_test(test_gate_zero_samples_do_not_pass_a_small_bound),
		cmocka_unit_test(test_gate_fails_beyond_z_standard_errors),
		cmocka_unit_test(test_gate_variance_of_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
