/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Slow work that an event asks for, queued by the ring buffer's callback and run after its
 * batch (heaptrack's record/interpret split, kept inside one process): probing a new
 * allocator file, loading unwind tables, re-attaching after an exec. A job names a process;
 * the same job for the same process posted twice before it runs runs once.
 */
#ifndef MEMSNOOP_JOBS_H
#define MEMSNOOP_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef void (*job_fn)(void *ctx, pid_t pid, uint64_t arg);

struct jobs;

struct jobs *jobs__new(void *ctx);
void jobs__free(struct jobs *j);

/* Queues fn(ctx, pid, arg); 0 or -ENOMEM (then counted as dropped: the caller's event is
 * still recorded, only its follow-up is lost). */
int jobs__post(struct jobs *j, job_fn fn, pid_t pid, uint64_t arg);

/* Runs queued jobs in order (and those they post) until none is left or budget_ns has passed
 * (0: no budget); returns how many are left. */
size_t jobs__run(struct jobs *j, uint64_t budget_ns);
size_t jobs__pending(const struct jobs *j);
uint64_t jobs__dropped(const struct jobs *j);

#endif /* MEMSNOOP_JOBS_H */
