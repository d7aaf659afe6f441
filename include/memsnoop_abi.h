/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one layout shared by the BPF programs and user space: events sent through the ring
 * buffer, exact counters, drop reasons and limits. Fixed-width fields, explicit padding.
 */
#ifndef MEMSNOOP_ABI_H
#define MEMSNOOP_ABI_H

#ifdef __BPF__
/* vmlinux.h already defines the __u* types */
#else
#include <linux/types.h>
#endif

#define MAX_STACK_DEPTH 127
#define STACK_CHUNK_SZ 1024			    /* stack copies are read in chunks of this */
#define MAX_STACK_BYTES (64 * STACK_CHUNK_SZ)	    /* the most --stack-bytes may ask for */
#define DWARF_REG_CNT 17			    /* x86-64 DWARF registers 0..16 (16: rip) */
#define CGROUP_TARGETS_MAX 8			    /* --cgroup paths */
#define CGROUP_PATH_MAX 256 /* a --cgroup path the kernel matches at a re-creation, NUL included */

#include "alloc_table.h"
#include "size_class.h"

/* The size-class counters: one per (family, direction, slot), size_counter() of size_class.h */
#define SIZE_COUNTER_CNT (FAMILY_CNT * SIZE_DIR_CNT * SIZE_SLOT_CNT)

enum event_type {
	EV_ALLOC = 1,	    /* struct alloc_event: frame-pointer stack */
	EV_FREE = 2,	    /* struct free_event */
	EV_ALLOC_DWARF = 3, /* struct alloc_dwarf_event: registers and a copy of the stack */
	EV_EXEC = 4,	    /* struct task_event: the process exec'd, its old blocks are gone */
	EV_ALLOC_ORACLE = 5, /* struct alloc_event: the kernel's walk of the sample that this
				thread's next EV_ALLOC_DWARF carries (a test knob compares them;
				AEF_STACK_PARTIAL: the walk stopped at a file without a table) */
	EV_PROC_FORK = 6,   /* struct task_event: a process of a profiled cgroup forked hdr.tgid */
	EV_PROC_EXIT = 7,   /* struct event_header: a process of a profiled cgroup exited */
	EV_CGROUP = 8,	    /* struct cgroup_event: a profiled cgroup was removed, or created again */
};

/* Everything that can be lost between the target and the report. */
enum drop_reason {
	DROP_RINGBUF_ALLOC,	/* sampled allocation lost: ring buffer full */
	DROP_RINGBUF_FREE,	/* free of a sampled pointer lost: ring buffer full */
	DROP_LIVE_FULL,		/* sampled allocation not tracked: live map full */
	DROP_STACK_FAILED,	/* stack could not be captured */
	DROP_THREAD_STATE,	/* per-thread state could not be created */
	DROP_SCRATCH_BUSY,	/* stack copy skipped: this CPU's buffer was in use (preemption) */
	DROP_RINGBUF_FORK,	/* a fork in a profiled cgroup not seen: ring buffer full */
	DROP_RINGBUF_EXIT,	/* a process's exit in a profiled cgroup not seen: ring buffer full */
	DROP_RINGBUF_EXEC,	/* an exec not seen: ring buffer full (the kernel dropped its blocks) */
	DROP_RINGBUF_CGROUP,	/* a --cgroup path removed or made again, not told: ring buffer full */
	DROP_CNT,
};

/* A flag on an alloc event. */
enum alloc_event_flag {
	AEF_UNTRACKED = 1 << 0,	  /* not in the live map: its free will never be seen */
	AEF_STACK_TRUNCATED = 1 << 1, /* the stack filled MAX_STACK_DEPTH frames */
	AEF_STACK_FILES = 1 << 2, /* walked in the kernel: frames are UNWIND_FRAME(mod, offset) */
	AEF_STACK_PARTIAL = 1 << 3, /* EV_ALLOC_ORACLE: the walk as far as a file without a table
				       yet, for when the copy that follows cannot be unwound */
};

struct event_header {
	__u32 type; /* enum event_type */
	__u32 tgid;
	__u64 ts_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
};

/* What every sampled allocation event starts with. */
struct alloc_head {
	struct event_header hdr;
	__u64 ptr;
	__u64 size;
	__u32 tid;
	__u16 counter; /* the entry point: its exact counter, family * ALLOC_ROW_CNT + row */
	__u16 flags; /* enum alloc_event_flag */
};

/*
 * A sampled allocation whose stack the kernel walked (by the compiled unwind tables, or by
 * frame pointers under --unwind fp or where a file has no CFI). stack[] holds return addresses,
 * innermost first: stack[0] is the return address into the allocator's caller. Only
 * stack_cnt entries are sent.
 */
struct alloc_event {
	struct alloc_head a;
	__u32 stack_cnt;
	__u32 __pad;
	__u64 stack[MAX_STACK_DEPTH];
};

/*
 * A sampled allocation for DWARF unwinding in user space, captured at the allocator's
 * return: regs[] are the caller's registers right after the call (regs[16], rip, is the
 * return address), stack[] the stack_sz bytes from regs[7] (rsp) up. Only that many are sent.
 */
struct alloc_dwarf_event {
	struct alloc_head a;
	__u32 stack_sz;
	__u32 __pad;
	__u64 regs[DWARF_REG_CNT];
	__u8 stack[MAX_STACK_BYTES];
};

/* A new process in a profiled cgroup: hdr.tgid, forked by parent. */
#define COMM_LEN 16

/* A process's exec (its new name) or fork (the parent's name, inherited): its name travels
 * with the event, for a process gone before user space reads it. */
struct task_event {
	struct event_header hdr;
	__u32 parent;  /* EV_PROC_FORK: the forking process */
	__u32 old_tid; /* EV_EXEC: the exec'ing thread's id before it became the leader */
	char comm[COMM_LEN];
};

/* A --cgroup path's directory removed (id 0), or made again: its new id, already profiled. */
struct cgroup_event {
	struct event_header hdr;
	__u32 index; /* in the run's --cgroup paths */
	__u32 __pad;
	__u64 id;
};

/* A profiled cgroup as the kernel matches it: the id of the task's ancestor at level. */
struct cgroup_slot {
	__u64 id; /* 0: removed */
	__u32 level;
	__u32 __pad;
};

/* The free (or realloc away) of a sampled pointer. */
struct free_event {
	struct event_header hdr;
	__u64 ptr;
	__u64 size;
	__u64 lifetime_ns;
};

/* Exact per-CPU counters, one per (family, row) of the allocator table. Frees count no bytes. */
struct fn_counter {
	__u64 calls;
	__u64 bytes;
};

struct live_key {
	__u32 tgid;
	__u32 __pad;
	__u64 ptr;
};

struct live_val {
	__u64 ts_ns;
	__u64 size;
};

#define ALLOC_EVENT_HEADER_SZ (sizeof(struct alloc_event) - MAX_STACK_DEPTH * sizeof(__u64))
#define ALLOC_DWARF_EVENT_HEADER_SZ (sizeof(struct alloc_dwarf_event) - MAX_STACK_BYTES)

_Static_assert(sizeof(struct event_header) == 16, "event_header layout");
_Static_assert(sizeof(struct alloc_head) == 40, "alloc_head layout");
_Static_assert(sizeof(struct alloc_event) == 48 + MAX_STACK_DEPTH * 8, "alloc_event layout");
_Static_assert(sizeof(struct alloc_dwarf_event) == 48 + DWARF_REG_CNT * 8 + MAX_STACK_BYTES,
	       "alloc_dwarf_event layout");
_Static_assert(sizeof(struct free_event) == 40, "free_event layout");
_Static_assert(sizeof(struct cgroup_event) == 32, "cgroup_event layout");
_Static_assert(sizeof(struct cgroup_slot) == 16, "cgroup_slot layout");
_Static_assert(sizeof(struct task_event) == 40, "task_event layout");
_Static_assert(sizeof(struct fn_counter) == 16, "fn_counter layout");
_Static_assert(sizeof(struct live_key) == 16, "live_key layout");
_Static_assert(sizeof(struct live_val) == 16, "live_val layout");

#endif /* MEMSNOOP_ABI_H */
