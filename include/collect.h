/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Turns ring buffer events into the profile: keeps the table of live samples, records each
 * sample against its raw stack of (module, offset) pcs, and outside the ring buffer callback
 * resolves each new pc once (per module and offset) and weights each sample.
 *
 * The profile is current after collector__snapshot(), which may be called as often as a
 * report is wanted (every --interval tick, then at the end): nothing is counted twice.
 */
#ifndef MEMSNOOP_COLLECT_H
#define MEMSNOOP_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "exit_leaks.h"
#include "memsnoop_abi.h"
#include "profile.h"
#include "symbolize.h"

struct collector_opts {
	bool split_pids; /* keep the stacks of different processes apart */
	/* told of every exec (from thread old_tid) once the old image is forgotten; or NULL */
	void (*on_exec)(void *ctx, pid_t pid, pid_t old_tid);
	void *hook_ctx;
};

struct collector_stats {
	uint64_t alloc_events;
	uint64_t free_events;
	uint64_t unknown_frees;	   /* free of a sample never seen: its alloc event was lost */
	uint64_t lost_frees;	   /* samples freed, their free event lost: not in use */
	uint64_t untracked;	   /* sampled but not in the live map */
	uint64_t truncated_stacks; /* samples whose stack filled every frame */
	uint64_t bad_events;	   /* malformed records (never expected) */
	uint64_t unique_stacks;	   /* raw stacks resolved */
	uint64_t unresolved_samples; /* samples dropped: no memory to record or resolve them */
	uint64_t unique_pcs;	   /* pcs symbolized */
	uint64_t unwound;	   /* stacks unwound with DWARF */
	uint64_t unwind_ns;	   /* time spent unwinding them */
	uint64_t partial_walks;	   /* copies that libdw could not unwind: the kernel's frames
				      up to a file without a table kept instead */
	uint64_t oracle_compared;  /* test knob: kernel walks compared with libdw's unwinding */
	uint64_t oracle_differ;	   /* ...that differ */
	uint64_t unindexed;	   /* live samples `where` cannot find: no memory for the index */
	uint64_t index_blocks;	   /* live samples in the address index */
	uint64_t index_bytes;	   /* the memory it holds */
	struct symbolizer_stats sym;
};

struct collector;

struct collector *collector__new(const struct collector_opts *opts, struct profile *profile);
void collector__free(struct collector *c);

/* The model of every process's address space the collector keeps. */
struct addrspaces *collector__addrspaces(struct collector *c);

/* Takes a first model of pid's address space, while it surely lives. 0 or a negative errno. */
int collector__watch_process(struct collector *c, pid_t pid);

/*
 * pid has exited and every event it sent is handled (its samples are recorded as files and
 * offsets): its address-space model and unwinder go, so that a long run stays bounded.
 */
void collector__release_process(struct collector *c, pid_t pid);

/* pid exec'd at now_ns: its old image's blocks are gone, neither in use nor leaked. */
void collector__forget_process(struct collector *c, pid_t pid, uint64_t now_ns);

/* pid exited, every event it sent handled: its unfreed samples leave the in-use figures
 * (they are not live: their process is gone) and are summed in *out, its leak at exit. */
void collector__retire_process(struct collector *c, pid_t pid, struct exit_leak *out);

/*
 * Symbolizes the raw stacks seen since the last call and gives the profile their samples.
 * Call outside the ring buffer callback (it opens debug info: milliseconds for a module's
 * first pc). 0, or -ENOMEM when some samples had to be dropped (counted in the stats).
 */
int collector__resolve(struct collector *c);
/* True when so many samples wait for collector__resolve() that memory says resolve now. */
bool collector__backlog(const struct collector *c);

/* True when the kernel still holds the sampled block key, allocated at ts_ns. */
typedef bool (*collector_live_fn)(void *ctx, const struct live_key *key, uint64_t ts_ns);

/*
 * Never invent a leak: every sample the kernel no longer holds was freed (or its process
 * exec'd) and its event was lost; it leaves the in-use figures, without a lifetime. Call it
 * with the ring buffer drained (else a free still in flight counts as lost). Returns how many.
 */
uint64_t collector__reconcile_live(struct collector *c, collector_live_fn still_live, void *ctx);

/*
 * Brings the profile up to date for a report at now_ns (CLOCK_MONOTONIC): resolves, then sets
 * the age of every sample still live, replacing the previous snapshot's. 0 or -ENOMEM.
 */
int collector__snapshot(struct collector *c, uint64_t now_ns);

/* A ring buffer callback (ring_buffer_sample_fn): ctx is the collector. Decodes and records
 * only (no symbolization). Never fails. */
int collector__handle_event(void *ctx, void *data, size_t size);

/* A live sampled block, as `where` answers it. */
struct live_block {
	uint64_t start, size;
	uint64_t ts_ns;	 /* allocated then (CLOCK_MONOTONIC) */
	int stack_id;	 /* in the profile; < 0 until collector__resolve() has resolved it */
};

/* pid's live sampled block that holds addr (its start or a byte inside); -ENOENT when no
 * sampled block does. */
int collector__find_block(const struct collector *c, pid_t pid, uint64_t addr,
			  struct live_block *out);

void collector__stats(const struct collector *c, struct collector_stats *out);

#endif /* MEMSNOOP_COLLECT_H */
