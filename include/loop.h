/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The wait for the end of a run: ring buffer data, target exits, signals, the deadline. */
#ifndef MEMSNOOP_LOOP_H
#define MEMSNOOP_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/signalfd.h>
#include <bpf/libbpf.h>
#include "target.h"

enum loop_end {
	LOOP_END_SIGNAL,
	LOOP_END_DURATION,
	LOOP_END_TARGETS_EXITED,
};

/*
 * Blocks SIGINT and SIGTERM (and SIGCHLD, for a launched program) so that they are taken
 * by the loop (call before attaching). Returns a signalfd, or a negative errno.
 */
int loop_take_signals(bool with_sigchld);

/*
 * The ring buffer's callback, in bounded batches: the loop consumes at most LOOP_BATCH_MAX
 * records or LOOP_BATCH_NS of work at a time, then looks at signals and the deadline again,
 * so that a stop is answered under any event rate. ring_buffer__new(fd, loop_batch_sample,
 * &batch) with batch = { cb, ctx }; outside the loop, consumption is not bounded.
 */
#define LOOP_BATCH_MAX 4096
#define LOOP_BATCH_NS (20 * 1000 * 1000ULL)

struct loop_batch {
	ring_buffer_sample_fn cb;
	void *ctx;
	bool bounded;
	unsigned left;
	uint64_t until_ns;
};

int loop_batch_sample(void *ctx, void *data, size_t size);

struct loop_hooks {
	void *ctx;
	/* a signal memsnoop took: true ends the run */
	bool (*on_signal)(void *ctx, const struct signalfd_siginfo *si);
	/* every tick_s seconds (0: never), between ring buffer batches */
	double tick_s;
	void (*on_tick)(void *ctx);
	/* whether the targets are all gone (NULL: every target has exited); asked after every
	 * batch, so that processes the run discovers on the way count too */
	bool (*targets_gone)(void *ctx);
	/* before each wait (NULL: none): returns within how many ms to run again, or -1 */
	int (*poll)(void *ctx);
	/* another source of work (--listen's server; NULL: none): on_extra runs when extra_fd
	 * is readable and when extra_timeout_ms (-1: no deadline) has passed */
	void (*on_extra)(void *ctx);
	int extra_fd;
	int (*extra_timeout_ms)(void *ctx);
	/* after each pass over the ring buffer's batches (NULL: none) */
	void (*after_batch)(void *ctx);
};

/* Consumes rb (whose callback is loop_batch_sample with batch) until a signal ends it,
 * duration_s (0: none) or every target's exit. */
int loop_run(struct ring_buffer *rb, struct loop_batch *batch, int sigfd, struct targets *targets,
	     double duration_s, const struct loop_hooks *hooks, enum loop_end *end);

#endif /* MEMSNOOP_LOOP_H */
