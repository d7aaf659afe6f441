/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Maps of the memsnoop BPF object and the per-thread state they hold. */
#ifndef MEMSNOOP_MAPS_BPF_H
#define MEMSNOOP_MAPS_BPF_H

#include "memsnoop_abi.h"

#define EVENTS_RINGBUF_SZ (16 << 20) /* user space resizes it by sampling rate */
#define LIVE_MAX_ENTRIES (1 << 20)

/* Per thread, between an allocator's entry and its return. */
struct thread_state {
	__u64 countdown; /* bytes to the next sample point; 0 until first drawn */
	__u64 outer_sp;	 /* stack pointer at the entry of the outermost allocator call */
	__u32 depth;	 /* allocator calls in progress: nested ones are the allocator's own */
	__u16 counter;	 /* the outermost call's entry point (cookie_counter) */
	__u8 sampled;
	__u8 has_stash;
	__u8 kind; /* enum alloc_kind of the outermost call */
	__u8 __pad[7];
	__u64 size;
	__u64 memptr; /* an AK_OUT_PARAM call's out-parameter */
	/* A free that forwards to another free of the same block (jemalloc's aligned sized
	 * delete tail-calls sdallocx): that inner free is its own, not counted again. */
	__u64 free_arm_ptr;
	__u64 free_arm_sp;
	struct live_key stash_key; /* a sampled block that realloc is replacing */
	struct live_val stash;
	struct alloc_event ev; /* staged at entry, sent at return once the pointer is known; in
				  DWARF mode only its head: the stack is copied at the return */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RINGBUF_SZ);
} events SEC(".maps");

/* Sampled blocks still live: (tgid, pointer) -> allocation time and size. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LIVE_MAX_ENTRIES);
	__type(key, struct live_key);
	__type(value, struct live_val);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ALLOC_COUNTER_CNT);
	__type(key, __u32);
	__type(value, struct fn_counter);
} fn_counters SEC(".maps");

/* Exact calls and bytes per (family, direction, size class): include/size_class.h. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIZE_COUNTER_CNT);
	__type(key, __u32);
	__type(value, struct fn_counter);
} size_counters SEC(".maps");

/* Where a DWARF event is built: one per CPU (user space sizes it), guarded against the
 * preemption of one task's program by another's on the same CPU. */
struct dwarf_scratch {
	__u32 busy;
	__u32 __pad;
	struct alloc_dwarf_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dwarf_scratch);
} dwarf_scratches SEC(".maps");

/* Processes that ever had a sampled block live: tgid -> 1. An exec of any other needs no
 * walk of the live map (which holds up the exec'ing process for every entry). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} live_tgids SEC(".maps");

/* --cgroup: processes that exec'd and sent no event since: tgid -> 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} fresh_procs SEC(".maps");

/* Processes profiled by PID (-p, a launched program and what it forks): tgid -> 1. Beside
 * --cgroup they are kept wherever their cgroup is; and an exec from any of their threads is
 * seen, even one that never allocated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} scope_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_state);
} thread_states SEC(".maps");

#endif /* MEMSNOOP_MAPS_BPF_H */
