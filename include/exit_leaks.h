/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What processes that exited during a run left allocated, by program. Under --cgroup, a
 * process's unfreed sampled blocks leave "in use" at its exit (the live figures, the heap
 * profile served, are of live processes) and are kept here instead, as estimates, so that a
 * node's cron jobs and restarted workers are still seen to leak, in a table bounded by the
 * number of programs, not of processes.
 */
#ifndef MEMSNOOP_EXIT_LEAKS_H
#define MEMSNOOP_EXIT_LEAKS_H

#include <stddef.h>
#include <stdint.h>

struct exit_leak {
	const char *program; /* its name (comm) at exit */
	uint64_t processes;  /* that exited, leaking or not */
	double objects, bytes; /* estimates; exact at -r 1 */
	uint64_t samples;
};

struct exit_leaks;

struct exit_leaks *exit_leaks__new(void);
void exit_leaks__free(struct exit_leaks *el);
/* A process of program exited leaving what is in *leak (program and processes ignored).
 * 0 or -ENOMEM. */
int exit_leaks__add(struct exit_leaks *el, const char *program, const struct exit_leak *leak);
/* Every program, most bytes first (ties by name); *cnt of them. Valid until the next add. */
const struct exit_leak *exit_leaks__sorted(struct exit_leaks *el, size_t *cnt);

#endif /* MEMSNOOP_EXIT_LEAKS_H */
