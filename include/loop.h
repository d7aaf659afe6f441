/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The wait for the end of a run: ring buffer data, target exits, signals, the deadline. */
#ifndef MEMSNOOP_LOOP_H
#define MEMSNOOP_LOOP_H

#include <bpf/libbpf.h>
#include "target.h"

enum loop_end {
	LOOP_END_SIGNAL,
	LOOP_END_DURATION,
	LOOP_END_TARGETS_EXITED,
};

/*
 * Blocks SIGINT and SIGTERM so that they are taken by the loop (call before attaching).
 * Returns a signalfd, or a negative errno.
 */
int loop_take_signals(void);

/* Consumes rb until a signal on sigfd, duration_s (0: none) or every target's exit. */
int loop_run(struct ring_buffer *rb, int sigfd, struct targets *targets, double duration_s,
	     enum loop_end *end);

#endif /* MEMSNOOP_LOOP_H */
