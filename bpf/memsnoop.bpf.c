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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u64 sample_rate = 512 * 1024;
const volatile __u32 self_tgid = 0;
const volatile bool session_mode = false;
const volatile bool track_inuse = true; /* false: allocation profile only, free not probed */
const volatile bool unwind_dwarf = false; /* copy registers and stack for user space to unwind */
const volatile __u32 stack_bytes = 16 * STACK_CHUNK_SZ; /* a multiple of STACK_CHUNK_SZ */

/* What a session entry program returns. */
#define WANT_RETURN 0
#define SKIP_RETURN 1

extern bool bpf_session_is_return(void) __ksym __weak;

/* Set by user space once every probe is attached: a half-done attach reports nothing. */
bool ready = false;

__u64 drop_cnt[DROP_CNT] = {};

static __always_inline void count_drop(enum drop_reason reason)
{
	__sync_fetch_and_add(&drop_cnt[reason], 1);
}

static __always_inline void count_call(enum alloc_fn fn, __u64 bytes)
{
	__u32 key = fn;
	struct fn_counter *c = bpf_map_lookup_elem(&fn_counters, &key);

	if (c) {
		c->calls++;
		c->bytes += bytes;
	}
}

/* a * b, or ~0 when it overflows (the allocator then fails the call) */
static __always_inline __u64 mul_saturated(__u64 a, __u64 b)
{
	__u64 limit;

	if (!a)
		return 0;
	limit = ~0ULL / a;
	barrier_var(limit); /* else clang folds the test into a 128-bit multiply BPF lacks */
	return b > limit ? ~0ULL : a * b;
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
	return ready && (bpf_get_current_pid_tgid() >> 32) != self_tgid;
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
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0))
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
	ev->a.fn = st->fn;
	ev->a.size = st->size;
	ev->a.flags = 0;
	ev->stack_cnt = 0;
	if (unwind_dwarf)
		return; /* the stack is copied at the return */

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

/* realloc's own calls of malloc and free are settled at realloc's return */
static __always_inline bool owns_nested_calls(enum alloc_fn fn)
{
	return fn == FN_REALLOC || fn == FN_REALLOCARRAY;
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

/* Returns WANT_RETURN when the call's return must be seen, SKIP_RETURN otherwise. */
static __always_inline int on_alloc_enter(struct pt_regs *ctx, enum alloc_fn fn, __u64 size,
					  __u64 old_ptr, __u64 memptr)
{
	struct thread_state *st;
	__u64 sp = PT_REGS_SP(ctx);
	__u32 tgid;

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
	/* a depth left over from a lost return probe, if any, ends here */
	st->depth = 0;
	st->fn = fn;
	st->size = size;
	st->memptr = memptr;
	st->has_stash = 0;
	count_call(fn, size);

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
	if (session_mode && !st->sampled && !st->has_stash && !owns_nested_calls(fn))
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
		if (!bpf_map_update_elem(&live, &key, &val, BPF_ANY))
			return true;
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
	if (bpf_ringbuf_output(&events, ev, ALLOC_EVENT_HEADER_SZ + cnt * sizeof(__u64), 0))
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
	if (bpf_ringbuf_output(&events, ev, ALLOC_DWARF_EVENT_HEADER_SZ + sz, 0))
		event_lost(&ev->a, tracked);
out:
	s->busy = 0;
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

	if (st->fn == FN_POSIX_MEMALIGN) {
		ptr = 0;
		if (PT_REGS_RC(ctx) == 0 && st->memptr)
			bpf_probe_read_user(&ptr, sizeof(ptr), (void *)st->memptr);
	}
	if (st->has_stash)
		settle_realloc_stash(st, ptr);
	if (st->sampled && ptr) {
		if (unwind_dwarf)
			send_alloc_dwarf(ctx, st, ptr);
		else
			send_alloc_fp(st, ptr);
	}
	st->sampled = 0;
	st->has_stash = 0;
}

static __always_inline void on_free(struct pt_regs *ctx, __u64 ptr)
{
	struct live_key key = { .ptr = ptr };
	struct thread_state *st;
	struct live_val val;

	if (!ptr || !traced_now())
		return;
	st = thread_state(false);
	if (st && nested_call(st, PT_REGS_SP(ctx)))
		return; /* realloc freeing its old block: settled at realloc's return */
	count_call(FN_FREE, 0);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	if (take_live(&key, &val))
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
 * A traced process exec'd (its thread has our state): the old image's blocks are gone with
 * it, neither in use nor leaked. Drop them here, and tell user space.
 */
SEC("raw_tp/sched_process_exec")
int on_exec(struct bpf_raw_tracepoint_args *ctx)
{
	/* sched_process_exec(p, old_pid, bprm): old_pid, the exec'ing thread's id before it
	 * took the leader's */
	struct exec_event ev = { .hdr = { .type = EV_EXEC, .tgid = bpf_get_current_pid_tgid() >> 32 },
				 .old_tid = (__u32)ctx->args[1] };
	struct thread_state *st;

	if (!ready)
		return 0;
	st = bpf_task_storage_get(&thread_states, bpf_get_current_task_btf(), NULL, 0);
	if (!st)
		return 0;
	st->depth = 0;
	ev.hdr.ts_ns = bpf_ktime_get_ns();
	bpf_for_each_map_elem(&live, drop_if_tgid, &ev.hdr.tgid, 0);
	if (bpf_ringbuf_output(&events, &ev, sizeof(ev), 0))
		count_drop(DROP_RINGBUF_FREE);
	return 0;
}

/* Reads fn's arguments and enters it: WANT_RETURN or SKIP_RETURN. */
static __always_inline int enter_by_fn(struct pt_regs *ctx, enum alloc_fn fn)
{
	switch (fn) {
	case FN_MALLOC:
	case FN_VALLOC:
	case FN_PVALLOC:
		return on_alloc_enter(ctx, fn, PT_REGS_PARM1(ctx), 0, 0);
	case FN_CALLOC:
		return on_alloc_enter(ctx, fn, mul_saturated(PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx)),
				      0, 0);
	case FN_REALLOC:
		return on_alloc_enter(ctx, fn, PT_REGS_PARM2(ctx), PT_REGS_PARM1(ctx), 0);
	case FN_REALLOCARRAY:
		return on_alloc_enter(ctx, fn, mul_saturated(PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx)),
				      PT_REGS_PARM1(ctx), 0);
	case FN_POSIX_MEMALIGN:
		return on_alloc_enter(ctx, fn, PT_REGS_PARM3(ctx), 0, PT_REGS_PARM1(ctx));
	case FN_ALIGNED_ALLOC:
	case FN_MEMALIGN:
		return on_alloc_enter(ctx, fn, PT_REGS_PARM2(ctx), 0, 0);
	case FN_FREE:
		on_free(ctx, PT_REGS_PARM1(ctx));
		return SKIP_RETURN;
	default:
		return SKIP_RETURN;
	}
}

/*
 * Every probe carries the entry point it sits on as its attach cookie. Session mode: one
 * program for every entry point of an object; the kernel runs it again at the return when
 * the entry returned WANT_RETURN.
 */
SEC("uprobe/session")
int alloc_session(struct pt_regs *ctx)
{
	if (bpf_session_is_return()) {
		on_alloc_return(ctx);
		return 0;
	}
	return enter_by_fn(ctx, bpf_get_attach_cookie(ctx));
}

/* Classic mode: an entry probe on each entry point, a return probe on each but free. A
 * non-zero return would ask perf to record a sample: always 0. */
SEC("uprobe")
int alloc_enter(struct pt_regs *ctx)
{
	enter_by_fn(ctx, bpf_get_attach_cookie(ctx));
	return 0;
}

SEC("uretprobe")
int alloc_exit(struct pt_regs *ctx)
{
	on_alloc_return(ctx);
	return 0;
}
