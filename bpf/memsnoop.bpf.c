// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probes on the allocator entry points. Each SEC() program only reads its arguments; the
 * handlers below do the work: count exactly, sample by the byte countdown, stage the stack
 * of a sampled call, and at the return record the pointer as live and send the event.
 *
 * Two ways to attach, chosen by user space: a session uprobe (kernel 6.13+) runs one
 * program at the entry and, only when the entry asks for it, at the return, so unsampled
 * calls never take the return trap; classic uprobes + uretprobes trap on every return.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "memsnoop_abi.h"
#include "sampler.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "unwind.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u64 sample_rate = 512 * 1024;
const volatile __u32 self_tgid = 0;
const volatile bool session_mode = false;
const volatile bool track_inuse = true; /* false: allocation profile only, free not probed */
const volatile bool unwind_dwarf = false; /* copy registers and stack for user space to unwind */
const volatile bool unwind_kernel = false; /* walk the stack here with the unwind tables */
const volatile bool unwind_oracle = false; /* test knob: send the walk and a copy of each stack */
const volatile __u32 stack_bytes = 16 * STACK_CHUNK_SZ; /* a multiple of STACK_CHUNK_SZ */
const volatile __u64 wakeup_bytes = 0; /* wake the reader once this much is waiting */
/* --count-only: exact counters and size classes only; no sampling, live map or stacks */
const volatile bool count_only = false;
const volatile bool count_sizes = true; /* bench knob: false measures what size classes cost */
/* bench knob: the trap floor. 1: every probe returns at once; 2: and allocations take their
 * return trap too, into a program that does nothing either */
const volatile __u32 probe_noop = 0;

/* What a session entry program returns. */
#define WANT_RETURN 0
#define SKIP_RETURN 1

extern bool bpf_session_is_return(void) __ksym __weak;

/* Set by user space once every probe is attached: a half-done attach reports nothing. */
bool ready = false;

__u64 drop_cnt[DROP_CNT] = {};
bool live_tgids_full = false; /* live_tgids overflowed: it no longer tells who has blocks */
__u64 unwind_copies = 0; /* kernel unwinding: samples sent as stack copies (a file without
			    a table yet) */

static __always_inline void count_drop(enum drop_reason reason)
{
	__sync_fetch_and_add(&drop_cnt[reason], 1);
}

/*
 * Into the ring buffer. The reader is woken only once a batch is waiting (it also drains on
 * a timer): a wakeup per event would cost more than the event itself.
 */
/* True once for the first event of a process that just exec'd in a profiled cgroup: its
 * libraries are mapped by then, and user space reads its map while it surely lives. */
static __always_inline bool fresh_process(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return scope_in_kernel() && bpf_map_delete_elem(&fresh_procs, &tgid) == 0;
}

static __always_inline long send_event(void *data, __u64 size)
{
	__u64 flags = fresh_process() ||
				      bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;

	return bpf_ringbuf_output(&events, data, size, flags);
}

/* An event user space must act on at once (a process starting: its maps are read while it
 * lives): the reader is woken now. */
static __always_inline long send_event_now(void *data, __u64 size)
{
	return bpf_ringbuf_output(&events, data, size, BPF_RB_FORCE_WAKEUP);
}

static __always_inline void add_counter(void *map, __u32 key, __u64 bytes)
{
	struct fn_counter *c = bpf_map_lookup_elem(map, &key);

	if (c) {
		c->calls++;
		c->bytes += bytes;
	}
}

static __always_inline void count_call(__u32 counter, __u64 bytes)
{
	add_counter(&fn_counters, counter, bytes);
}

/* One call in its family's size class; slot SIZE_CLASS_UNKNOWN for a free of unknown size. */
static __always_inline void count_size(__u64 cookie, __u32 dir, __u32 slot, __u64 bytes)
{
	if (count_sizes)
		add_counter(&size_counters, size_counter(cookie_family(cookie), dir, slot), bytes);
}

static __always_inline void count_alloc_size(__u64 cookie, __u64 size)
{
	count_size(cookie, SIZE_DIR_ALLOC, size_class(size), size);
}

static __always_inline struct thread_state *thread_state(bool create)
{
	struct thread_state *st;

	st = bpf_task_storage_get(&thread_states, bpf_get_current_task_btf(), NULL,
				  create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!st && create)
		count_drop(DROP_THREAD_STATE);
	return st;
}

static __always_inline bool traced_now(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return ready && tgid != self_tgid && in_scope(tgid);
}

/*
 * An allocator call made while another one is in progress on this thread, from deeper in
 * the stack (or the same frame: a tail call such as reallocarray -> realloc), belongs to
 * the outer call and is not counted again.
 */
static __always_inline bool nested_call(const struct thread_state *st, __u64 sp)
{
	return st->depth && sp <= st->outer_sp;
}

/* Takes a block out of the live map; of two racing takers, only one succeeds. */
static __always_inline bool take_live(const struct live_key *key, struct live_val *val)
{
	struct live_val *found = bpf_map_lookup_elem(&live, key);

	if (!found)
		return false;
	*val = *found;
	return bpf_map_delete_elem(&live, key) == 0;
}

static __always_inline void send_free(__u32 tgid, __u64 ptr, const struct live_val *val)
{
	struct free_event ev = {
		.hdr = { .type = EV_FREE, .tgid = tgid, .ts_ns = bpf_ktime_get_ns() },
		.ptr = ptr,
		.size = val->size,
	};

	ev.lifetime_ns = ev.hdr.ts_ns - val->ts_ns;
	if (send_event(&ev, sizeof(ev)))
		count_drop(DROP_RINGBUF_FREE);
}

static __always_inline void stage_sample(struct pt_regs *ctx, struct thread_state *st,
					 __u32 tgid)
{
	struct alloc_event *ev = &st->ev;
	__u64 ret_addr = 0;
	long n;

	ev->a.hdr.type = EV_ALLOC;
	ev->a.hdr.tgid = tgid;
	ev->a.hdr.ts_ns = bpf_ktime_get_ns();
	ev->a.tid = (__u32)bpf_get_current_pid_tgid();
	ev->a.counter = st->counter;
	ev->a.size = st->size;
	ev->a.flags = 0;
	ev->stack_cnt = 0;
	if (unwind_dwarf || unwind_kernel)
		return; /* the stack is copied or walked at the return */

	n = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), BPF_F_USER_STACK);
	if (n <= 0 || bpf_probe_read_user(&ret_addr, sizeof(ret_addr), (void *)PT_REGS_SP(ctx))) {
		count_drop(DROP_STACK_FAILED);
		return;
	}
	/*
	 * At the entry the frame pointer is still the caller's, so the walk starts at the
	 * caller's caller: stack[0] (the probed pc itself) is replaced by the return address
	 * at [sp]. Kernels that recover it themselves repeat it in stack[1]; user space
	 * drops the repeat.
	 */
	ev->stack[0] = ret_addr;
	ev->stack_cnt = n / sizeof(__u64);
	if (ev->stack_cnt >= MAX_STACK_DEPTH)
		ev->a.flags |= AEF_STACK_TRUNCATED;
}

static __always_inline bool take_sample(struct thread_state *st, __u64 size)
{
	if (sample_rate == 1)
		return true;
	if (!st->countdown)
		st->countdown = sampler_next_interval(bpf_get_prandom_u32(), sample_rate);
	if (!sampler_reaches_point(&st->countdown, size))
		return false;
	st->countdown = sampler_next_interval(bpf_get_prandom_u32(), sample_rate);
	return true;
}

/*
 * True for a call whose return must be seen whatever it samples: one that forwards to
 * another entry point, or a reallocation (mimalloc's frees its old block through mi_free,
 * which is probed): the depth it keeps tells its inner calls for its own.
 */
static __always_inline bool has_inner_calls(__u64 cookie, __u32 kind)
{
	return (cookie & COOKIE_FORWARDS) || kind == AK_REALLOC;
}

/*
 * --count-only: the call is counted, nothing else. Only a call with inner calls needs its
 * thread's state and its return.
 */
static __always_inline int count_only_enter(struct pt_regs *ctx, __u64 cookie, __u32 kind,
					    __u64 size)
{
	bool inner = has_inner_calls(cookie, kind);
	__u64 sp = PT_REGS_SP(ctx);
	struct thread_state *st;

	if (!traced_now())
		return SKIP_RETURN;
	st = thread_state(inner);
	if (st && nested_call(st, sp)) {
		/* classic mode gives only such calls a return probe (attach.c) */
		if (!session_mode && inner)
			st->depth++;
		return SKIP_RETURN;
	}
	count_call(cookie_counter(cookie), size);
	count_alloc_size(cookie, size);
	if (!st)
		return SKIP_RETURN;
	st->free_arm_ptr = 0;
	st->sampled = 0;
	st->has_stash = 0;
	st->depth = inner;
	st->outer_sp = sp;
	return inner ? WANT_RETURN : SKIP_RETURN;
}

/*
 * Returns WANT_RETURN when the call's return must be seen, SKIP_RETURN otherwise. A call with
 * inner calls always takes its return: the depth it keeps is what tells them apart.
 */
static __always_inline int on_alloc_enter(struct pt_regs *ctx, __u64 cookie, __u32 kind,
					  __u64 size, __u64 old_ptr, __u64 memptr)
{
	struct thread_state *st;
	__u64 sp = PT_REGS_SP(ctx);
	__u32 tgid;

	if (count_only)
		return count_only_enter(ctx, cookie, kind, size);
	if (!traced_now())
		return SKIP_RETURN;
	st = thread_state(true);
	if (!st)
		return SKIP_RETURN;
	if (nested_call(st, sp)) {
		/* a classic return probe fires for this call too: count it to match */
		if (!session_mode)
			st->depth++;
		return SKIP_RETURN;
	}
	/* a depth left over from a lost return probe, if any, ends here; so does a free guard
	 * (the block it guards may come back from this very call) */
	st->depth = 0;
	st->free_arm_ptr = 0;
	st->counter = cookie_counter(cookie);
	st->kind = kind;
	st->size = size;
	st->memptr = memptr;
	st->has_stash = 0;
	count_call(st->counter, size);
	count_alloc_size(cookie, size);

	tgid = bpf_get_current_pid_tgid() >> 32;
	if (old_ptr && track_inuse) {
		/* the old block leaves the live map now, before another thread can get its
		 * address back from the allocator; a failed realloc puts it back */
		st->stash_key.tgid = tgid;
		st->stash_key.__pad = 0;
		st->stash_key.ptr = old_ptr;
		st->has_stash = take_live(&st->stash_key, &st->stash);
	}
	st->sampled = take_sample(st, size);
	if (st->sampled)
		stage_sample(ctx, st, tgid);
	if (session_mode && !st->sampled && !st->has_stash && !has_inner_calls(cookie, kind))
		return SKIP_RETURN;
	st->depth = 1;
	st->outer_sp = sp;
	return WANT_RETURN;
}

static __always_inline void settle_realloc_stash(struct thread_state *st, __u64 ptr)
{
	/* glibc: realloc(p, 0) frees p and returns NULL; any other NULL leaves p alone */
	if (ptr || st->size == 0)
		send_free(st->stash_key.tgid, st->stash_key.ptr, &st->stash);
	else
		bpf_map_update_elem(&live, &st->stash_key, &st->stash, BPF_NOEXIST);
}

/* Records a sampled block as live; one that cannot be is flagged untracked. */
static __always_inline bool track_live(struct alloc_head *a)
{
	struct live_key key = { .tgid = a->hdr.tgid, .ptr = a->ptr };
	struct live_val val = { .ts_ns = a->hdr.ts_ns, .size = a->size };

	if (track_inuse) {
		if (!bpf_map_update_elem(&live, &key, &val, BPF_ANY)) {
			__u8 one = 1;

			/* full: every exec walks the live map, as if each process had blocks */
			if (bpf_map_update_elem(&live_tgids, &key.tgid, &one, BPF_ANY))
				live_tgids_full = true;
			return true;
		}
		count_drop(DROP_LIVE_FULL);
	}
	a->flags |= AEF_UNTRACKED;
	return false;
}

/* The event could not be sent: its block must not stay live, its free would be unknown. */
static __always_inline void event_lost(const struct alloc_head *a, bool tracked)
{
	struct live_key key = { .tgid = a->hdr.tgid, .ptr = a->ptr };

	count_drop(DROP_RINGBUF_ALLOC);
	if (tracked)
		bpf_map_delete_elem(&live, &key);
}

static __always_inline void send_alloc_fp(struct thread_state *st, __u64 ptr)
{
	struct alloc_event *ev = &st->ev;
	__u32 cnt = ev->stack_cnt;
	bool tracked;

	if (!cnt)
		return; /* the stack capture failed and was counted */
	if (cnt > MAX_STACK_DEPTH)
		cnt = MAX_STACK_DEPTH;
	ev->a.ptr = ptr;
	tracked = track_live(&ev->a);
	if (send_event(ev, ALLOC_EVENT_HEADER_SZ + cnt * sizeof(__u64)))
		event_lost(&ev->a, tracked);
}

/* The top of the user stack from sp, in chunks aligned so that the last ends at the top. */
static __always_inline __u32 copy_stack(struct alloc_dwarf_event *ev, __u64 sp)
{
	__u32 first = STACK_CHUNK_SZ - (sp & (STACK_CHUNK_SZ - 1)), off;

	if (bpf_probe_read_user(ev->stack, first, (void *)sp))
		return 0;
	off = first;
	for (int i = 0; i < MAX_STACK_BYTES / STACK_CHUNK_SZ; i++) {
		if (off >= stack_bytes || off > MAX_STACK_BYTES - STACK_CHUNK_SZ)
			break;
		/* the stack's top ends a mapping: the chunk that would cross it fails whole */
		if (bpf_probe_read_user(&ev->stack[off], STACK_CHUNK_SZ, (void *)(sp + off)))
			break;
		off += STACK_CHUNK_SZ;
	}
	return off;
}

/* At the return: the caller's registers just after the call, and its stack. */
static __always_inline void send_alloc_dwarf(struct pt_regs *ctx, struct thread_state *st,
					     __u64 ptr)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct dwarf_scratch *s = bpf_map_lookup_elem(&dwarf_scratches, &cpu);
	struct alloc_dwarf_event *ev;
	bool tracked;
	__u32 sz;

	if (!s)
		return;
	if (__sync_lock_test_and_set(&s->busy, 1)) {
		count_drop(DROP_SCRATCH_BUSY);
		return;
	}
	ev = &s->ev;
	ev->a = st->ev.a;
	ev->a.hdr.type = EV_ALLOC_DWARF;
	/* a walk's flags are the walk's, not the copy's */
	ev->a.flags &= ~(AEF_STACK_FILES | AEF_STACK_PARTIAL | AEF_STACK_TRUNCATED);
	ev->a.ptr = ptr;
	ev->regs[0] = ctx->ax;
	ev->regs[1] = ctx->dx;
	ev->regs[2] = ctx->cx;
	ev->regs[3] = ctx->bx;
	ev->regs[4] = ctx->si;
	ev->regs[5] = ctx->di;
	ev->regs[6] = ctx->bp;
	ev->regs[7] = ctx->sp;
	ev->regs[8] = ctx->r8;
	ev->regs[9] = ctx->r9;
	ev->regs[10] = ctx->r10;
	ev->regs[11] = ctx->r11;
	ev->regs[12] = ctx->r12;
	ev->regs[13] = ctx->r13;
	ev->regs[14] = ctx->r14;
	ev->regs[15] = ctx->r15;
	ev->regs[16] = ctx->ip;
	sz = copy_stack(ev, ctx->sp);
	ev->stack_sz = sz;
	if (!sz) {
		count_drop(DROP_STACK_FAILED);
		goto out;
	}
	if (sz > MAX_STACK_BYTES)
		sz = MAX_STACK_BYTES;
	tracked = track_live(&ev->a);
	if (send_event(ev, ALLOC_DWARF_EVENT_HEADER_SZ + sz))
		event_lost(&ev->a, tracked);
out:
	s->busy = 0;
}

/* The walk alone, for user space to compare with its libdw unwinding of the copy that follows. */
static __always_inline void send_oracle(struct alloc_event *ev)
{
	__u32 cnt = ev->stack_cnt;

	if (cnt > MAX_STACK_DEPTH)
		cnt = MAX_STACK_DEPTH;
	ev->a.hdr.type = EV_ALLOC_ORACLE;
	send_event(ev, ALLOC_EVENT_HEADER_SZ + cnt * sizeof(__u64));
	ev->a.hdr.type = EV_ALLOC;
}

/* At the return: the stack walked with the unwind tables, from the caller's registers; a
 * copy of it where a file has no table yet, after the frames walked up to there (user space
 * keeps those when the copy cannot be unwound: the process gone). */
static __always_inline void send_alloc_walked(struct pt_regs *ctx, struct thread_state *st,
					      __u64 ptr)
{
	if (!walk_user_stack(ctx, &st->ev)) {
		__sync_fetch_and_add(&unwind_copies, 1);
		if (st->ev.stack_cnt)
			send_oracle(&st->ev);
	} else if (!unwind_oracle) {
		send_alloc_fp(st, ptr);
		return;
	} else {
		send_oracle(&st->ev);
	}
	send_alloc_dwarf(ctx, st, ptr);
}

static __always_inline void on_alloc_return(struct pt_regs *ctx)
{
	struct thread_state *st;
	__u64 ptr = PT_REGS_RC(ctx);

	if (!ready)
		return;
	st = thread_state(false);
	if (!st || !st->depth)
		return;
	if (--st->depth)
		return;

	if (st->kind == AK_OUT_PARAM) {
		ptr = 0;
		if (PT_REGS_RC(ctx) == 0 && st->memptr)
			bpf_probe_read_user(&ptr, sizeof(ptr), (void *)st->memptr);
	}
	if (st->has_stash)
		settle_realloc_stash(st, ptr);
	if (st->sampled && ptr) {
		if (unwind_dwarf)
			send_alloc_dwarf(ctx, st, ptr);
		else if (unwind_kernel)
			send_alloc_walked(ctx, st, ptr);
		else
			send_alloc_fp(st, ptr);
	}
	st->sampled = 0;
	st->has_stash = 0;
}

/* True for the inner free of a block that a forwarding free just passed on. */
static __always_inline bool forwarded_free(struct thread_state *st, __u64 ptr, __u64 sp,
					   bool forwards)
{
	bool inner = st->free_arm_ptr == ptr && sp <= st->free_arm_sp;

	st->free_arm_ptr = 0;
	if (inner)
		return true;
	if (forwards) {
		st->free_arm_ptr = ptr;
		st->free_arm_sp = sp;
	}
	return false;
}

/*
 * A free's size class: the size a sized free passes (exact at any rate), else the size of
 * the block when it was sampled (every block at -r 1), else unknown.
 */
static __always_inline void count_free_size(__u64 cookie, const struct alloc_call *call,
					    bool sized, const struct live_val *sampled)
{
	__u64 size = sized ? call->size : sampled ? sampled->size : 0;

	count_size(cookie, SIZE_DIR_FREE, sized || sampled ? size_class(size) : SIZE_CLASS_UNKNOWN,
		   size);
}

static __always_inline void on_free(struct pt_regs *ctx, __u64 cookie,
				    const struct alloc_call *call, bool sized)
{
	struct live_key key = { .ptr = call->ptr };
	bool forwards = cookie & COOKIE_FORWARDS;
	__u64 sp = PT_REGS_SP(ctx), ptr = call->ptr;
	struct thread_state *st;
	struct live_val val;
	bool found;

	if (!ptr || !traced_now())
		return;
	st = thread_state(forwards);
	if (st && nested_call(st, sp))
		return; /* realloc freeing its old block: settled at realloc's return */
	if (st && forwarded_free(st, ptr, sp, forwards))
		return;
	count_call(cookie_counter(cookie), 0);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	found = !count_only && take_live(&key, &val);
	count_free_size(cookie, call, sized, found ? &val : NULL);
	if (found)
		send_free(key.tgid, key.ptr, &val);
}

static long drop_if_tgid(struct bpf_map *map, struct live_key *key, struct live_val *val,
			 __u32 *tgid)
{
	(void)val;
	if (key->tgid == *tgid)
		bpf_map_delete_elem(map, key);
	return 0;
}

/*
 * A traced process exec'd (its thread has our state), or a process of a profiled cgroup did:
 * the old image's blocks are gone with it, neither in use nor leaked. Drop them here, and
 * tell user space, which reads the new image (and probes any allocator file it brings).
 */
SEC("raw_tp/sched_process_exec")
int on_exec(struct bpf_raw_tracepoint_args *ctx)
{
	/* sched_process_exec(p, old_pid, bprm): old_pid, the exec'ing thread's id before it
	 * took the leader's */
	struct task_event ev = { .hdr = { .type = EV_EXEC, .tgid = bpf_get_current_pid_tgid() >> 32 },
				 .old_tid = (__u32)ctx->args[1] };
	struct thread_state *st;

	if (!ready || ev.hdr.tgid == self_tgid)
		return 0;
	st = bpf_task_storage_get(&thread_states, bpf_get_current_task_btf(), NULL, 0);
	if (st)
		st->depth = 0;
	/* a thread that never allocated has no state: the process is known all the same */
	else if (!bpf_map_lookup_elem(&scope_pids, &ev.hdr.tgid) && !(cgroup_cnt && in_cgroups()))
		return 0;
	ev.hdr.ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(ev.comm, sizeof(ev.comm)); /* the new image's */
	/* only a process with sampled blocks has any to drop: the walk visits every entry */
	if (live_tgids_full || bpf_map_delete_elem(&live_tgids, &ev.hdr.tgid) == 0)
		bpf_for_each_map_elem(&live, drop_if_tgid, &ev.hdr.tgid, 0);
	if (scope_in_kernel()) {
		__u8 one = 1;

		bpf_map_update_elem(&fresh_procs, &ev.hdr.tgid, &one, BPF_ANY);
	}
	if (send_event_now(&ev, sizeof(ev)))
		count_drop(DROP_RINGBUF_EXEC);
	return 0;
}

/*
 * A profiled process forked one (a thread is not a process), from any of its threads: with
 * --follow-forks the child joins the scope here, before it runs its first instruction.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_event ev = { .hdr.type = EV_PROC_FORK };

	if (!ready || !scope_in_kernel() || child->pid != child->tgid)
		return 0;
	ev.parent = parent->tgid;
	if (ev.parent == self_tgid || !in_scope(ev.parent))
		return 0;
	ev.hdr.tgid = child->tgid;
	if (follow_forks && scope_pids__add(ev.hdr.tgid))
		__sync_fetch_and_add(&unfollowed_forks, 1);
	ev.hdr.ts_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(ev.comm, sizeof(ev.comm)); /* the parent's, the child's too */
	if (send_event_now(&ev, sizeof(ev)))
		count_drop(DROP_RINGBUF_FORK);
	return 0;
}

/* The last thread of a profiled process exited (its pid may be reused: it leaves the scope). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_process_exit, struct task_struct *task, bool group_dead)
{
	struct event_header ev = { .type = EV_PROC_EXIT, .tgid = task->tgid };

	if (!ready || !scope_in_kernel() || !group_dead || ev.tgid == self_tgid ||
	    !in_scope(ev.tgid))
		return 0;
	if (follow_forks)
		bpf_map_delete_elem(&scope_pids, &ev.tgid);
	ev.ts_ns = bpf_ktime_get_ns();
	if (send_event(&ev, sizeof(ev)))
		count_drop(DROP_RINGBUF_EXIT);
	return 0;
}

/* A --cgroup path's slot takes id (0: removed), and user space is told at once. */
static __always_inline void cgroup_slot_set(int i, __u64 id)
{
	struct cgroup_event ev = { .hdr = { .type = EV_CGROUP, .ts_ns = bpf_ktime_get_ns() },
				   .id = id };

	if (i < 0 || i >= CGROUP_TARGETS_MAX)
		return;
	ev.index = i;
	*(volatile __u64 *)&cgroup_slots[i].id = id;
	if (send_event_now(&ev, sizeof(ev)))
		count_drop(DROP_RINGBUF_CGROUP);
}

/* --cgroup: a profiled cgroup's path made again (a restarted service): profiled from now on,
 * before any process enters it; user space opens it again. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	int i = cgroup_slot_of_path(path);

	if (i >= 0 && i < CGROUP_TARGETS_MAX)
		cgroup_slots[i].level = BPF_CORE_READ(cgrp, level);
	cgroup_slot_set(i, BPF_CORE_READ(cgrp, kn, id));
	return 0;
}

/* --cgroup: a profiled cgroup removed (it was empty). */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(on_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	(void)path;
	cgroup_slot_set(cgroup_slot_of_id(BPF_CORE_READ(cgrp, kn, id)), 0);
	return 0;
}

/* The argument registers of the System V calling convention that libbpf 1.1 names, read at
 * fixed context offsets (the verifier refuses a computed one). */
static __always_inline void read_args(struct pt_regs *ctx, __u64 reg[5])
{
	reg[0] = PT_REGS_PARM1(ctx);
	reg[1] = PT_REGS_PARM2(ctx);
	reg[2] = PT_REGS_PARM3(ctx);
	reg[3] = PT_REGS_PARM4(ctx);
	reg[4] = PT_REGS_PARM5(ctx);
}

/* Reads the arguments the cookie's table row names and enters the call: WANT_RETURN or
 * SKIP_RETURN. */
static __always_inline int enter_by_cookie(struct pt_regs *ctx, __u64 cookie)
{
	__u32 row = cookie_row(cookie);
	const struct alloc_row_spec *spec;
	struct alloc_call call;
	__u64 reg[5];

	if (row >= ALLOC_ROW_CNT)
		return SKIP_RETURN;
	spec = &alloc_row_specs[row];
	read_args(ctx, reg);
	alloc_decode(spec, reg, &call);
	switch (spec->kind) {
	case AK_FREE:
		on_free(ctx, cookie, &call, spec->size_arg != 0);
		return SKIP_RETURN;
	case AK_RESIZE:
		if (traced_now())
			count_call(cookie_counter(cookie), 0);
		return SKIP_RETURN;
	default:
		return on_alloc_enter(ctx, cookie, spec->kind, call.size, call.ptr, call.out);
	}
}

/*
 * Every probe carries its allocator table row (and the object's family) as its attach cookie.
 * Session mode: one program for every entry point of an object; the kernel runs it again at
 * the return when the entry returned WANT_RETURN.
 */
SEC("uprobe/session")
int alloc_session(struct pt_regs *ctx)
{
	if (probe_noop)
		return bpf_session_is_return() || probe_noop == 1 ? SKIP_RETURN : WANT_RETURN;
	if (bpf_session_is_return()) {
		on_alloc_return(ctx);
		return 0;
	}
	return enter_by_cookie(ctx, bpf_get_attach_cookie(ctx));
}

/* Classic mode: an entry probe on each entry point, a return probe on each but free. A
 * non-zero return would ask perf to record a sample: always 0. */
SEC("uprobe")
int alloc_enter(struct pt_regs *ctx)
{
	if (probe_noop)
		return 0;
	enter_by_cookie(ctx, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("uretprobe")
int alloc_exit(struct pt_regs *ctx)
{
	if (probe_noop)
		return 0;
	on_alloc_return(ctx);
	return 0;
}
