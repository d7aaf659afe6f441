/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `where`: which live block holds an address, and where it was allocated. Answered the same
 * way for --listen's /debug/memsnoop/where?pid=PID&addr=ADDR (the `memsnoop where` client)
 * and for --where ADDR at a launched program's exit. At -r 1 every block is sampled and the
 * answer is exact; at other rates only sampled blocks are known, and any other address is
 * "not sampled", never a guess.
 */
#ifndef MEMSNOOP_WHERE_H
#define MEMSNOOP_WHERE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "collect.h"
#include "profile.h"

#define WHERE_PATH "/debug/memsnoop/where"
/* The client's server when --listen is not given: the port pprof tools use by convention. */
#define WHERE_DEFAULT_LISTEN "127.0.0.1:6060"
#define WHERE_MAX_ADDRS 16 /* --where, repeatable */

/* What an answer is read from: the collector's live blocks, their stacks resolved. */
struct where_source {
	const struct collector *collector;
	const struct profile *profile;
	uint64_t rate;	      /* 1: every block is known */
	bool count_only;      /* --count-only: no block is known */
	uint64_t now_ns;      /* CLOCK_MONOTONIC, for the block's age */
	bool (*profiled)(void *ctx, pid_t pid);
	void *ctx;
};

/* The answer for pid and addr into f: the block (start, size, offset, age) and its stack,
 * or that no live (sampled) block holds addr. */
void where__answer(const struct where_source *src, pid_t pid, uint64_t addr, FILE *f);

/*
 * A request's pid and addr as given (NULL when missing): the answer, or one line saying what
 * is wrong, into f. Returns the HTTP status: 200 answered (found or not), 400 malformed, 404
 * a pid not profiled, 503 nothing to answer from (--count-only).
 */
unsigned where__answer_args(const struct where_source *src, const char *pid, const char *addr,
			    FILE *f);

/* memsnoop where [--listen ADDR:PORT] PID ADDR: asks a running memsnoop, prints its answer.
 * argv[0] is "where". Returns the exit status: 0 answered, 1 refused or unreachable, 2 bad
 * command line. */
int where_client__run(int argc, char **argv);

#endif /* MEMSNOOP_WHERE_H */
