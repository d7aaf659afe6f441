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

enum unwind_mode {
	UNWIND_DWARF,	   /* in the kernel, with the unwind tables (loaded through unwind_fds) */
	UNWIND_DWARF_COPY, /* copy registers and stack for user space to unwind with libdw */
	UNWIND_FP,	   /* walk frame pointers */
};

struct probes_opts {
	uint64_t rate;
	pid_t self_pid;
	bool track_inuse;     /* false: free is not probed, only allocations are profiled */
	enum uprobe_mode mode;
	enum unwind_mode unwind;
	bool unwind_oracle;   /* test knob: UNWIND_DWARF sends each walk and a copy to compare */
	uint32_t stack_bytes; /* how much stack to copy, a multiple of STACK_CHUNK_SZ */
	/* --cgroup: the cgroups (links see every process), by id and level, and their paths as
	 * the kernel writes them, followed when made again */
	const struct cgroup_slot *cgroup_slots;
	const char *const *cgroup_paths;
	uint32_t cgroup_cnt;
	bool follow_forks;    /* a profiled process's children join the scope as they fork */
	uint32_t ringbuf_sz;  /* 0: sized by rate; else a power of two >= the page size (tests) */
	bool count_only;      /* exact counters and size classes only: no sampling, no stacks */
	uint32_t probe_noop;  /* bench: 1, every probe returns at once; 2, allocations also take
				 an empty return probe (the trap floors) */
	bool no_size_classes; /* bench: what the size classes cost */
};

struct probes;

/* Opens and loads the BPF object; AUTO is resolved to what the kernel has. NULL with errno set, after saying why. */
struct probes *probes__open(const struct probes_opts *opts);
void probes__free(struct probes *p);
enum uprobe_mode probes__mode(const struct probes *p);

/* Attaches to every entry point of objs, for pid only. 0 or a negative errno. */
int probes__attach_pid(struct probes *p, pid_t pid, const struct alloc_objects *objs);
/* --cgroup, --follow-forks: attaches to every entry point of obj in every process that maps
 * it (the BPF programs keep the scope's processes). 0 or a negative errno. */
int probes__attach_file(struct probes *p, const struct alloc_object *obj);
/* --cgroup with -p, or the root of --follow-forks: pid is profiled too, wherever its cgroup
 * is. 0 or a negative errno. */
int probes__add_scope_pid(struct probes *p, pid_t pid);
/* Handlers stay silent until armed, so that a half-done attach reports nothing. Also
 * watches exec. 0 or a negative errno. */
int probes__arm(struct probes *p);
/* Removes every probe from the targets; counters stay readable. */
void probes__detach(struct probes *p);

int probes__ringbuf_fd(const struct probes *p);

/* The maps of the in-kernel unwinder (UNWIND_DWARF), for struct table_loader. */
struct unwind_map_fds {
	int tables, files, wanted, rules;
};
void probes__unwind_fds(const struct probes *p, struct unwind_map_fds *out);
/* --follow-forks: children not profiled (the kernel's set of processes was full). */
uint64_t probes__unfollowed_forks(const struct probes *p);
/* Samples whose stack the kernel could not walk (a file without a table yet): sent as copies. */
uint64_t probes__unwind_copies(const struct probes *p);
/* ...of which bpf_find_vma found the process's memory map locked (an mmap in progress). */
uint64_t probes__unwind_vma_busy(const struct probes *p);
/* Stacks walked in the kernel up to a file whose table was being compiled, marked truncated. */
uint64_t probes__unwind_pending(const struct probes *p);
/* Exact calls and bytes per (family, row) counter, summed over CPUs. */
int probes__read_counters(const struct probes *p, struct fn_counter out[ALLOC_COUNTER_CNT]);
/* Exact calls and bytes per (family, direction, size class) counter, summed over CPUs. */
int probes__read_sizes(const struct probes *p, struct fn_counter out[SIZE_COUNTER_CNT]);
void probes__read_drops(const struct probes *p, uint64_t out[DROP_CNT]);
/*
 * The kernel's live map is the truth of what is still allocated: true when key is in it,
 * allocated at ts_ns (a block freed and allocated again at the same address is another).
 * ctx is the struct probes (a collector_live_fn).
 */
bool probes__holds_live(void *ctx, const struct live_key *key, uint64_t ts_ns);

#endif /* MEMSNOOP_ATTACH_H */
