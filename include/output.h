/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writers of the profile: pure functions of their inputs, writing to a FILE. */
#ifndef MEMSNOOP_OUTPUT_H
#define MEMSNOOP_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "exit_leaks.h"
#include "memsnoop_abi.h"
#include "memview.h"
#include "profile.h"

/* Folded stacks: "root;...;leaf VALUE" a line, sorted, equal stacks merged, zeros omitted. */
int output_folded__write(const struct profile *p, enum value_type type, FILE *f);

struct report_losses;

struct report_target;
/* The comment a profile carries when events were lost: readers (memsnoop diff) warn on it. */
#define PPROF_INCOMPLETE "memsnoop: INCOMPLETE: "

/* Which sample types a profile holds: Go's four, or one kind (Parca: a delta of allocations
 * and a snapshot of what is in use are two profiles). */
enum pprof_types {
	PPROF_TYPES_ALL,
	PPROF_TYPES_ALLOC,
	PPROF_TYPES_INUSE,
};

struct pprof_info {
	int64_t time_nanos;	       /* wall clock at the start */
	int64_t duration_nanos;
	const char *comment;	       /* memsnoop's command line, or NULL */
	const struct report_losses *losses; /* a second comment when events were lost; or NULL */
	enum value_type default_type;
	char *const *extra_comments;   /* more comments: the memory readings */
	size_t extra_comment_cnt;
	/* the processes, for the labels of samples kept apart by process: comm and cgroup */
	const struct report_target *targets;
	size_t target_cnt;
	enum pprof_types types; /* the sample types written */
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
	const char *cgroup; /* relative to the cgroup v2 mount, or NULL */
};

/* --cgroup: what the run covered. */
/* A --cgroup path removed and made again during the run (a restarted service). */
struct report_cgroup_changes {
	unsigned removed, back;
	double last_removed_s, last_back_s; /* since the window opened */
};

struct report_scope {
	const char *const *cgroups; /* as /proc/PID/cgroup names them */
	size_t cgroup_cnt;
	size_t started, exited;	    /* processes that appeared during the run; that exited */
	size_t outsiders;	    /* processes outside the cgroups mapping a probed file */
	const struct report_cgroup_changes *changes; /* per cgroup, or NULL */
	bool forks;		    /* --follow-forks: the scope is a program and what it forked */
};

/*
 * What was lost on the way, by the kernel side (drops) or user space. Lost events never
 * become figures: a lost allocation is never in use, a block whose free was lost is not
 * either (the kernel's live map says so). The figures are then incomplete, not invented.
 */
struct report_losses {
	uint64_t drops[DROP_CNT];
	uint64_t unknown_frees;	   /* frees of samples whose allocation event was lost */
	uint64_t lost_frees;	   /* samples freed whose free event was lost: not in use */
	uint64_t bad_events;
	uint64_t truncated_stacks; /* not a loss of data: stacks cut short, marked so */
	uint64_t unresolved_pcs;   /* not a loss of data: frames without a symbol */
	uint64_t alloc_events;	   /* sampled allocations received */
	uint64_t free_events;	   /* frees of samples received */
	uint64_t stack_table_full; /* samples of new stacks past the cap, in one site */
};

struct report_info {
	const struct report_target *targets;
	size_t target_cnt;
	struct report_scope scope; /* cgroup_cnt 0 and !forks: processes named by PID */
	double duration_s;
	struct fn_counter counters[ALLOC_COUNTER_CNT]; /* exact, per (family, row), from the kernel */
	struct fn_counter sizes[SIZE_COUNTER_CNT]; /* exact, per (family, direction, size class) */
	bool count_only;      /* --count-only: counters only, no samples */
	const char *counter_labels[ALLOC_COUNTER_CNT]; /* "free+delete"; NULL: the row's name */
	const char *const *not_seen; /* what the probes cannot see, a line each */
	size_t not_seen_cnt;
	struct report_losses losses;
	enum value_type value;
	unsigned top_n;
	bool inuse_untracked; /* --alloc-only: frees were not probed */
	bool at_exit;	      /* a launched program ran to its exit: what is in use leaked */
	bool fail_on_loss;    /* the run fails when any event was lost (--fail-on-loss) */
	bool lifetimes;	      /* print lifetime histograms */
	unsigned unfollowed_children; /* forked by it and not profiled (--follow-forks) */
	const struct mem_series *mem; /* the kernel's view of the targets' memory; NULL: none */
	/* --cgroup: what processes that exited left allocated, by program, most bytes first */
	const struct exit_leak *exit_leaks;
	size_t exit_leak_cnt;
};

/* A stack's frames as the report prints them, a line each, indented. */
void output_text__frames(const struct profile *p, const struct stack *s, FILE *f);

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

/* A drop's short name ("ringbuf_full_allocs"), for outputs read by programs. */
const char *drop_name(int drop);

/* True when anything was lost (a truncated stack is not: it is marked and said apart): the
 * report then says so loudly. */
bool report_losses_any(const struct report_losses *l);
/* The events lost (samples, frees, calls not seen): 0 means the figures are complete. */
uint64_t report_losses_events(const struct report_losses *l);
/* Sampled allocations lost over those the kernel took (received + lost), 0 to 1. */
double report_losses_alloc_fraction(const struct report_losses *l);
/* "N events lost (X% of sampled allocations)" in buf, for one-line mentions. */
const char *report_losses_summary(const struct report_losses *l, char *buf, size_t sz);

#endif /* MEMSNOOP_OUTPUT_H */
