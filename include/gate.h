/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A gate on a sampled estimate (--fail-on-leak, diff --fail-above): it fails only when the true
 * value exceeds the bound with GATE_CONFIDENCE, passes only when it is below it with the same
 * confidence, and otherwise says it cannot tell at this rate. Pure arithmetic, unit-tested.
 */
#ifndef MEMSNOOP_GATE_H
#define MEMSNOOP_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* one-sided 99.9 %: the normal quantile */
#define GATE_CONFIDENCE "99.9%"
#define GATE_Z 3.090

enum gate_result {
	GATE_BELOW,	/* at most the bound, with GATE_CONFIDENCE (or exactly) */
	GATE_ABOVE,	/* more than the bound, with GATE_CONFIDENCE (or exactly) */
	GATE_UNDECIDED, /* the sampling error is too large to tell */
};

struct gate_estimate {
	double value; /* the estimate (Horvitz-Thompson) */
	double var;   /* its estimated variance; 0 when exact */
	/*
	 * The largest variance the estimate can have if the true value equals the bound, so that
	 * a pass does not rest on the variance of what was seen: 0 samples estimate 0 +- 0,
	 * although a leak of a few times the rate goes unseen often.
	 */
	double var_at_bound;
};

enum gate_result gate__decide(const struct gate_estimate *e, double bound);

/*
 * The variance bound at a true value of bytes sampled at rate: each allocation of s bytes
 * contributes s^2 (1 - p) / p^2 <= s * rate, whatever the sizes, so rate * bytes.
 */
double gate__var_bound(double bytes, uint64_t rate);

/*
 * The variance of one stack's estimate, for a profile that carries values only (pprof): its
 * objects taken as of their mean size s = bytes / objects, p = 1 - exp(-s / rate); that of
 * its bytes (objects * s^2 (1 - p) / p) or, !of_bytes, of its objects (objects (1 - p) / p).
 */
double gate__var_of_values(double bytes, double objects, uint64_t rate, bool of_bytes);

/* A rate at which a bound this large is decided: the pass threshold at half of it. */
uint64_t gate__rate_for(double bound);

/* Whether a bound is below GATE_Z standard errors at this rate: no run can pass it, not even
 * one of a program that leaks nothing. */
bool gate__bound_too_small(double bound, uint64_t rate);

/* The level under which a leak seen in no sample lies with GATE_CONFIDENCE:
 * P(no sample | L bytes) = exp(-L / rate), whatever the sizes. */
double gate__unseen_bound(uint64_t rate);

/*
 * Decides, and says why in buf as one line: "<what> <value>, more than <flag> <bound>", with
 * the standard error and the confidence when sampled, or "undecided at this rate" and the -r
 * that would decide. what is "leaked" or "inuse_space grew by".
 */
struct gate_subject {
	const char *what; /* "leaked", "inuse_space grew by" */
	const char *unit; /* after an exact figure: " bytes" or "" */
	const char *flag; /* "--fail-on-leak" */
	bool bytes;	  /* figures in bytes (else counts) */
};

enum gate_result gate__judge(const struct gate_estimate *e, double bound, uint64_t rate,
			     const struct gate_subject *sub, char *buf, size_t buf_sz);

#endif /* MEMSNOOP_GATE_H */
