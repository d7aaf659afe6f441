// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Why two variances. A fail tests "the true value is at most the bound": it needs the
 * estimate's own error, and the variance estimated from the samples is right (and it grows with
 * the estimate: one lucky sample of weight w carries its own error, w^2). A pass tests "the
 * true value is at least the bound": under that hypothesis the estimate's variance is at most
 * rate * bound, whatever was seen; using the observed one there is what made a 1 MiB leak pass
 * a 100 KiB gate with "0 B (0 samples live)".
 */
#include <math.h>
#include <stdio.h>
#include "gate.h"
#include "units.h"

enum gate_result gate__decide(const struct gate_estimate *e, double bound)
{
	double se = e->var > 0 ? sqrt(e->var) : 0;
	double se_at_bound = e->var_at_bound > 0 ? sqrt(e->var_at_bound) : 0;

	if (e->value - GATE_Z * se > bound)
		return GATE_ABOVE;
	if (e->value + GATE_Z * se_at_bound <= bound)
		return GATE_BELOW;
	return GATE_UNDECIDED;
}

double gate__var_bound(double bytes, uint64_t rate)
{
	return rate > 1 && bytes > 0 ? bytes * (double)rate : 0;
}

double gate__var_of_values(double bytes, double objects, uint64_t rate, bool of_bytes)
{
	double s, p;

	if (rate <= 1 || objects <= 0 || bytes <= 0)
		return 0;
	s = bytes / objects;
	p = -expm1(-s / (double)rate);
	if (p <= 0)
		return 0;
	return objects * (1 - p) / p * (of_bytes ? s * s : 1);
}

uint64_t gate__rate_for(double bound)
{
	double r = bound / (4 * GATE_Z * GATE_Z);
	uint64_t pow2 = 1;

	while (pow2 * 2 <= r)
		pow2 *= 2;
	return pow2;
}

bool gate__bound_too_small(double bound, uint64_t rate)
{
	return rate > 1 && bound <= GATE_Z * sqrt(gate__var_bound(bound, rate));
}

double gate__unseen_bound(uint64_t rate)
{
	return rate > 1 ? (double)rate * log(1000) : 0;
}

/* "512K" for a power of two's multiple of 1024, else the bytes */
static const char *rate_arg(uint64_t rate, char *buf, size_t sz)
{
	if (rate >= 1024 && !(rate % (1024 * 1024)))
		snprintf(buf, sz, "%lluM", (unsigned long long)(rate >> 20));
	else if (rate >= 1024 && !(rate % 1024))
		snprintf(buf, sz, "%lluK", (unsigned long long)(rate >> 10));
	else
		snprintf(buf, sz, "%llu", (unsigned long long)rate);
	return buf;
}

static const char *amount(double v, bool bytes, char *buf, size_t sz)
{
	if (bytes)
		return format_bytes(v, buf, sz);
	snprintf(buf, sz, "%.0f", v);
	return buf;
}

enum gate_result gate__judge(const struct gate_estimate *e, double bound, uint64_t rate,
			     const struct gate_subject *sub, char *buf, size_t buf_sz)
{
	enum gate_result res = gate__decide(e, bound);
	char v[32], se[32], b[32], r1[24], r2[24];
	uint64_t better = gate__rate_for(bound);

	if (rate <= 1) {
		snprintf(buf, buf_sz, "%s %.0f%s, %s %s %.0f", sub->what, e->value, sub->unit,
			 res == GATE_ABOVE ? "more than" : "not more than", sub->flag, bound);
		return res;
	}
	amount(e->value, sub->bytes, v, sizeof(v));
	amount(e->var > 0 ? sqrt(e->var) : 0, sub->bytes, se, sizeof(se));
	amount(bound, sub->bytes, b, sizeof(b));
	if (res == GATE_UNDECIDED)
		snprintf(buf, buf_sz,
			 "%s about %s ± %s (standard error): undecided at this rate (-r %s) against "
			 "%s %s with %s confidence: use -r %s%s",
			 sub->what, v, se, rate_arg(rate, r1, sizeof(r1)), sub->flag, b,
			 GATE_CONFIDENCE, better > 1 ? rate_arg(better, r2, sizeof(r2)) : "1",
			 better > 1 ? " or -r 1" : "");
	else
		snprintf(buf, buf_sz, "%s about %s ± %s (standard error), %s %s %s with %s confidence",
			 sub->what, v, se, res == GATE_ABOVE ? "more than" : "less than", sub->flag,
			 b, GATE_CONFIDENCE);
	return res;
}
