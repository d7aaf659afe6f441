/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * memsnoop -- COMMAND: the program is forked and held before exec while its allocators are
 * found (as its dynamic loader will find them) and probed, then released. memsnoop traces it
 * with ptrace for three events only: exec and exit (its memory map is read while it still
 * has one) and fork (a child is probed before it runs, or let go and counted). After an exec,
 * a breakpoint at the program's entry point stops it once more, when its loader has mapped
 * the libraries it needs and before its own first instruction.
 */
#ifndef MEMSNOOP_LAUNCH_H
#define MEMSNOOP_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>
#include "allocators.h"
#include "creds.h"

struct launch_hooks {
	void *ctx;
	/* pid is stopped, with its new image mapped (exec) or about to lose it (exit) */
	void (*exec)(void *ctx, pid_t pid);
	void (*exit_stop)(void *ctx, pid_t pid);
	/* pid is stopped at its program's entry point: its libraries are mapped. Or NULL. */
	void (*entry)(void *ctx, pid_t pid);
	/* probe objs for pid, stopped: a followed child before its first instruction, or a
	 * process whose new program maps allocators not probed yet */
	void (*probe)(void *ctx, pid_t pid, const struct alloc_objects *objs);
};

struct launch;

/*
 * Forks argv held before exec, running as run_as (NULL: memsnoop's own user). Says why on
 * stderr and returns NULL (errno set) when the command cannot be found or run, or maps no
 * allocator memsnoop knows.
 */
struct launch *launch__start(char **argv, bool follow_forks, const struct creds *run_as,
			     const struct launch_hooks *hooks);
/* Kills a launched program never released, reaps it, and frees. */
void launch__free(struct launch *l);

pid_t launch__pid(const struct launch *l);
/* The allocators the program will map once it has exec'd. */
const struct alloc_objects *launch__objects(const struct launch *l);
/* Lets the program exec. */
int launch__release(struct launch *l);

/* On SIGCHLD: handles every pending stop and exit of the traced processes. */
void launch__on_sigchld(struct launch *l);
/* Sends sig to the program. */
void launch__signal(struct launch *l, int sig);
/* Stops tracing and waits for the program's exit; its wait status. */
int launch__wait(struct launch *l);
bool launch__exited(const struct launch *l);
unsigned launch__unfollowed_children(const struct launch *l);

/* The exit status a shell would report for a wait status: the code, or 128 + the signal. */
int exit_status_of(int wait_status);

#endif /* MEMSNOOP_LAUNCH_H */
