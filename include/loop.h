/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The wait for the end of a run: ring buffer data, target exits, signals, the deadline. */
#ifndef MEMSNOOP_LOOP_H
#define MEMSNOOP_LOOP_H

#include <stdbool.h>
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
	/* another source of work (--listen's server; NULL: none): on_extra runs when extra_fd
	 * is readable and when extra_timeout_ms (-1: no deadline) has passed */
	void (*on_extra)(void *ctx);
	int extra_fd;
	int (*extra_timeout_ms)(void *ctx);
};

/* Consumes rb until a signal ends it, duration_s (0: none) or every target's exit. */
int loop_run(struct ring_buffer *rb, int sigfd, struct targets *targets, double duration_s,
	     const struct loop_hooks *hooks, enum loop_end *end);

#endif /* MEMSNOOP_LOOP_H */
