/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Turns ring buffer events into the profile: keeps the table of live samples, dedups raw
 * stacks, resolves each new pc once (per module and offset) and weights each sample.
 */
#ifndef MEMSNOOP_COLLECT_H
#define MEMSNOOP_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "profile.h"
#include "symbolize.h"

struct collector_opts {
	bool split_pids; /* keep the stacks of different processes apart */
	/* told of every exec (from thread old_tid) once the old image is forgotten; may be NULL */
	void (*on_exec)(void *ctx, pid_t pid, pid_t old_tid);
	void *ctx;
};

struct collector_stats {
	uint64_t alloc_events;
	uint64_t free_events;
	uint64_t unknown_frees;	   /* free of a sample never seen: its alloc event was lost */
	uint64_t untracked;	   /* sampled but not in the live map */
	uint64_t truncated_stacks; /* samples whose stack filled every frame */
	uint64_t bad_events;	   /* malformed records (never expected) */
	uint64_t unique_stacks;	   /* raw stacks resolved */
	uint64_t unique_pcs;	   /* pcs symbolized */
	uint64_t unwound;	   /* stacks unwound with DWARF */
	uint64_t unwind_ns;	   /* time spent unwinding them */
	struct symbolizer_stats sym;
};

struct collector;

struct collector *collector__new(const struct collector_opts *opts, struct profile *profile);
void collector__free(struct collector *c);

/* Takes a first model of pid's address space, while it surely lives. 0 or a negative errno. */
int collector__watch_process(struct collector *c, pid_t pid);

/* pid exec'd at now_ns: its old image's blocks are gone, neither in use nor leaked. */
void collector__forget_process(struct collector *c, pid_t pid, uint64_t now_ns);

/* Gives the profile the age, at now_ns (CLOCK_MONOTONIC), of every sample still live. */
void collector__record_live_ages(struct collector *c, uint64_t now_ns);

/* A ring buffer callback (ring_buffer_sample_fn): ctx is the collector. Never fails. */
int collector__handle_event(void *ctx, void *data, size_t size);

void collector__stats(const struct collector *c, struct collector_stats *out);

#endif /* MEMSNOOP_COLLECT_H */
