/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF side as user space sees it: load the programs, attach them to one process's
 * allocator entry points, arm them, read the exact counters and drops, detach.
 */
#ifndef MEMSNOOP_ATTACH_H
#define MEMSNOOP_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "allocators.h"
#include "memsnoop_abi.h"

enum uprobe_mode {
	UPROBE_MODE_AUTO,    /* session where the kernel has it, else classic */
	UPROBE_MODE_SESSION, /* one program at entry and, when it asks, at return (6.13+) */
	UPROBE_MODE_CLASSIC, /* uprobe + uretprobe: every call takes the return trap */
};

struct probes_opts {
	uint64_t rate;
	pid_t self_pid;
	bool track_inuse;     /* false: free is not probed, only allocations are profiled */
	enum uprobe_mode mode;
	bool unwind_dwarf;    /* copy registers and stack (else walk frame pointers) */
	uint32_t stack_bytes; /* how much stack to copy, a multiple of STACK_CHUNK_SZ */
	const int *cgroup_fds; /* --cgroup: the cgroups' directories (links see every process) */
	uint32_t cgroup_cnt;
};

struct probes;

/* Opens and loads the BPF object; AUTO is resolved to what the kernel has. NULL with errno set, after saying why. */
struct probes *probes__open(const struct probes_opts *opts);
void probes__free(struct probes *p);
enum uprobe_mode probes__mode(const struct probes *p);

/* Attaches to every entry point of objs, for pid only. 0 or a negative errno. */
int probes__attach_pid(struct probes *p, pid_t pid, const struct alloc_objects *objs);
/* --cgroup: attaches to every entry point of obj in every process that maps it (the BPF
 * programs keep the cgroups' processes). 0 or a negative errno. */
int probes__attach_file(struct probes *p, const struct alloc_object *obj);
/* --cgroup with -p: pid is profiled too, wherever its cgroup is. 0 or a negative errno. */
int probes__add_scope_pid(struct probes *p, pid_t pid);
/* Handlers stay silent until armed, so that a half-done attach reports nothing. Also
 * watches exec. 0 or a negative errno. */
int probes__arm(struct probes *p);
/* Removes every probe from the targets; counters stay readable. */
void probes__detach(struct probes *p);

int probes__ringbuf_fd(const struct probes *p);
/* Exact calls and bytes per (family, row) counter, summed over CPUs. */
int probes__read_counters(const struct probes *p, struct fn_counter out[ALLOC_COUNTER_CNT]);
void probes__read_drops(const struct probes *p, uint64_t out[DROP_CNT]);

#endif /* MEMSNOOP_ATTACH_H */
