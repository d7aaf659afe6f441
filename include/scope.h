/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --cgroup (and a launched command with --follow-forks, a scope without cgroups whose first
 * process is the program): what is profiled, and how that grows during a run.
 *
 * Every process of the cgroups' subtrees is profiled, those there at attach and those that
 * appear later (forked, exec'd, moved in). The allocator files they map are probed once each
 * (device, inode), without a PID filter: a process that starts later maps files already
 * probed, so it is seen from its first allocation; the BPF programs keep only the cgroups'
 * processes (and -p ones). fork, exec and exit tracepoints, filtered the same way, keep the
 * process registry up to date; an exec into a program that maps an allocator file not seen
 * yet gets that file probed as soon as memsnoop reads the event (the attach latency).
 *
 * The price: a process outside the cgroups that maps a probed file (the host's libc, when the
 * cgroup's programs use it too) traps on each call and is filtered out in the kernel; -v
 * counts them per file at attach.
 */
#ifndef MEMSNOOP_SCOPE_H
#define MEMSNOOP_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "allocators.h"
#include "attach.h"
#include "memsnoop_abi.h"
#include "output.h"
#include "target.h"

struct scope_opts {
	const char *const *cgroup_args; /* --cgroup paths, as given */
	size_t cgroup_cnt;
	bool may_start_empty; /* --until-empty or --duration: an empty cgroup is worth waiting on */
};

/* What the registry's changes mean for the rest of the run: ctx is hooks' owner. */
struct scope_hooks {
	void *ctx;
	/* a process to profile appeared, or exec'd: read its address space now */
	void (*process_new)(void *ctx, pid_t pid);
	/* a process exited, its events all handled: release its state */
	void (*process_gone)(void *ctx, pid_t pid);
	/* pid exec'd at exec_ns: call scope__read_exec() soon (NULL: read at once) */
	void (*exec_seen)(void *ctx, pid_t pid, uint64_t exec_ns);
};

struct scope;

/*
 * Resolves the cgroups and adds their processes to targets. Says in one line why a cgroup
 * cannot be profiled (or holds no process, unless may_start_empty) and returns NULL with errno
 * set then.
 */
struct scope *scope__open(const struct scope_opts *opts, struct targets *targets);
void scope__free(struct scope *s);

/* The cgroups as the BPF programs match them (id, level); *cnt of them. */
const struct cgroup_slot *scope__cgroup_slots(const struct scope *s, size_t *cnt);
/* The cgroups as /proc/PID/cgroup names them, for the report. */
const char *const *scope__cgroup_names(const struct scope *s, size_t *cnt);
/* Each cgroup's removals and re-creations so far, times since start_s (CLOCK_MONOTONIC). */
const struct report_cgroup_changes *scope__cgroup_changes(struct scope *s, double start_s);

/*
 * Reads the allocator files of every target (and, when none is found, of memsnoop's own
 * libc: what processes started in an empty cgroup most likely map). 0, -ENOENT when no
 * allocator is found at all (said), or another negative errno.
 */
int scope__find_files(struct scope *s);
/* Adds files found otherwise (a launched program's, before its exec). 0 or -ENOMEM. */
int scope__add_files(struct scope *s, const struct alloc_objects *objs);
/* The allocator files found so far, probed or about to be. */
const struct alloc_objects *scope__files(const struct scope *s);

/* Probes every file found and not probed yet, in every process; 0 or a negative errno. */
int scope__attach(struct scope *s, struct probes *probes);

/* Counts the processes outside the cgroups that map a probed file (-v: per file). */
size_t scope__count_outsiders(struct scope *s);

void scope__set_hooks(struct scope *s, const struct scope_hooks *hooks);

/* A ring buffer event: the registry's (fork, exec, exit, a cgroup removed or made again)
 * are taken here, an exec at once
 * (its allocator files probed, its map read while it surely lives). */
void scope__on_event(struct scope *s, const struct event_header *hdr, size_t size);

/* What pid, exec'd at exec_ns, maps now: new allocator files probed, its map read. */
void scope__read_exec(struct scope *s, pid_t pid, uint64_t exec_ns);

/*
 * Between batches: reads again what processes exec'd in the last few milliseconds map, until
 * they map an allocator file (a new one is probed at once). Returns the milliseconds until it
 * wants to run again, or -1 when it watches nothing.
 */
int scope__poll(struct scope *s);

/* Each tick: reads again what recently exec'd processes map (a loader maps late, dlopen
 * later), and adds processes moved into the cgroups meanwhile. */
void scope__tick(struct scope *s);

/* A sample of pid is about to be recorded: the first one after an exec reads pid's map again
 * (its libraries are mapped by then), so that a process gone soon after still symbolizes. */
void scope__before_sample(struct scope *s, pid_t pid);

/* True when no process is left in the cgroups, once one was (--until-empty). */
bool scope__empty(const struct scope *s);

#endif /* MEMSNOOP_SCOPE_H */
