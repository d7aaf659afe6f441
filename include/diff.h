/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What grew between two profiles: samples matched by their symbolized stack (function names,
 * inline frames expanded), one value type compared. Pure: profiles in, text out.
 */
#ifndef MEMSNOOP_DIFF_H
#define MEMSNOOP_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "gate.h"
#include "pprof_read.h"

struct diff_opts {
	const char *value; /* a sample type name both profiles have, such as "inuse_space" */
	unsigned top_n;	   /* stacks listed per direction */
};

struct diff_result {
	int64_t base_total, new_total;
	double base_var, new_var; /* of the totals' estimates, 0 when exact */
	uint64_t base_rate, new_rate; /* the profiles' sampling periods, 1 when exact */
	bool bytes;		      /* the value is in bytes (else a count) */
};

/* The gate on new - base: its estimate, variance, and variance if the growth were bound. */
void diff_result__estimate(const struct diff_result *res, double bound, struct gate_estimate *e);

/* Writes the comparison to f. Returns 0, -EINVAL with why in err (a missing sample type), -ENOMEM. */
int diff_profiles(const PprofProfile *base, const PprofProfile *new, const struct diff_opts *opts,
		  FILE *f, struct diff_result *res, char *err, size_t err_sz);

#endif /* MEMSNOOP_DIFF_H */
