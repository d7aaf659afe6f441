/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writers of the profile: pure functions of their inputs, writing to a FILE. */
#ifndef MEMSNOOP_OUTPUT_H
#define MEMSNOOP_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "memsnoop_abi.h"
#include "profile.h"

/* Folded stacks: "root;...;leaf VALUE" a line, sorted, equal stacks merged, zeros omitted. */
int output_folded__write(const struct profile *p, enum value_type type, FILE *f);

struct pprof_info {
	int64_t time_nanos;	       /* wall clock at the start */
	int64_t duration_nanos;
	const char *comment;	       /* memsnoop's command line, or NULL */
	enum value_type default_type;
};

/*
 * A gzipped perftools.profiles.Profile with the four sample types of a Go heap profile,
 * values already weighted. Mapping addresses are the file offsets of each module, placed in
 * a range of their own. Returns 0, -ENOMEM or -EIO.
 */
int output_pprof__write(const struct profile *p, const struct pprof_info *info, FILE *f);

struct report_target {
	pid_t pid;
	const char *comm;
	bool exited;
};

/* What was lost on the way, by the kernel side (drops) or user space. */
struct report_losses {
	uint64_t drops[DROP_CNT];
	uint64_t unknown_frees;
	uint64_t bad_events;
	uint64_t truncated_stacks;
	uint64_t unresolved_pcs;
	uint64_t stack_table_full; /* samples of new stacks past the cap, in one site */
};

struct report_info {
	const struct report_target *targets;
	size_t target_cnt;
	double duration_s;
	struct fn_counter counters[FN_CNT]; /* exact, from the kernel */
	const char *fn_labels[FN_CNT];	    /* row names; NULL: the entry point's own name */
	struct report_losses losses;
	enum value_type value;
	unsigned top_n;
	bool inuse_untracked; /* --alloc-only: frees were not probed */
	bool at_exit;	      /* a launched program ran to its exit: what is in use leaked */
	bool lifetimes;	      /* print lifetime histograms */
	unsigned unfollowed_children; /* forked by it and not profiled (--follow-forks) */
};

/* The text report: exact totals beside the estimates, the top sites, what was lost. */
int output_text__write(const struct profile *p, const struct report_info *info, FILE *f);

/*
 * Lifetimes as JSON (schema in the README): the buckets, the histograms of all freed samples
 * and of the ages of those still live, and the same for the LIFETIMES_MAX_SITES sites with
 * most objects allocated, with their four values; "sites_omitted" counts the others.
 */
#define LIFETIMES_MAX_SITES 1000
int output_lifetimes__write(const struct profile *p, FILE *f);

/* The stack ids with a non-zero value, largest first (ties by id); *cnt of them. Free it. */
uint32_t *rank_stacks(const struct profile *p, enum value_type value, size_t *cnt);

/* True when anything was lost: the report then says so loudly. */
bool report_losses_any(const struct report_losses *l);

#endif /* MEMSNOOP_OUTPUT_H */
