/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The in-kernel DWARF unwinder: walks a user stack with the compiled unwind tables user space
 * loaded (include/unwind_abi.h) and keeps only (file, offset) frames.
 *
 * It needs nothing from user space about the process. Per frame: the pc's mapping, found
 * here with bpf_find_vma on the current task (its file's identity as the kernel maps it, the
 * pc's offset in the file), the file's state by that identity, its row (binary search of the
 * file's own row map), one unwind_step(). A fork, a fresh exec or a process memsnoop never
 * read is unwound from its first sample, with the tables every process mapping the file
 * shares. A file without CFI is walked by its frame pointer; the walk is a bpf_loop of
 * MAX_STACK_DEPTH frames at most; a stack that does not end by then, that meets an
 * unsupported rule, unreadable memory or code in no file (JIT) is marked truncated.
 *
 * A pc in a file the kernel has no state for is asked for (unwind_wanted, once per file: user
 * space compiles its table off its main thread) and, like a file left without a table, makes
 * the caller send a copy of the stack instead, which user space unwinds with libdw: the rare,
 * counted fallback. While the file's table compiles, its stacks end at its first frame,
 * marked truncated and counted.
 */
#ifndef MEMSNOOP_UNWIND_BPF_H
#define MEMSNOOP_UNWIND_BPF_H

#include "memsnoop_abi.h"

#define unwind_read_u64(addr, out) bpf_probe_read_user((out), sizeof(__u64), (void *)(addr))
#include "unwind_abi.h"

#define ROWS_SEARCH_STEPS 32 /* a binary search of any row count */
#define PAGE_SHIFT_4K 12
#define ERR_BUSY 16 /* EBUSY: vmlinux.h has no errno values */

/* A file's rows: each inner map is as large as its file's table (BPF_F_INNER_MAP). */
struct unwind_rows_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unwind_krow);
};

/* clang 14 leaves a type reached only through an inner map's definition a forward declaration
 * in BTF, which libbpf cannot size: one variable of it keeps it whole */
struct unwind_krow unwind_krow_btf_anchor = {};

/* file identity -> its rows */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, UNWIND_MAX_FILES);
	__type(key, struct file_id);
	__array(values, struct unwind_rows_map);
} unwind_tables SEC(".maps");

/* file identity -> its state, module and row count */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * UNWIND_MAX_FILES);
	__type(key, struct file_id);
	__type(value, struct unwind_file);
} unwind_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UNWIND_MAX_WANTED);
	__type(key, struct file_id);
	__type(value, struct unwind_want);
} unwind_wanted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UNWIND_MAX_RULES);
	__type(key, __u32);
	__type(value, struct unwind_row);
} unwind_rules SEC(".maps");

__u64 unwind_vma_busy = 0; /* bpf_find_vma found the mm locked: the sample went as a copy */
__u64 unwind_pending = 0;  /* stacks cut short at a file whose table was being compiled */

struct walk_ctx {
	struct unwind_regs regs;
	struct alloc_event *ev;
	/* the mapping of the last pc, and its file's state (cached: frames share mappings) */
	__u64 vm_start, vm_end, vm_pgoff;
	struct file_id fid;
	struct unwind_file file;
	bool has_file;
	__u32 cnt;
	bool exact_ip; /* regs.ip was interrupted, not a return address */
	bool ended;
	bool truncated;
	bool need_copy; /* a file never seen, or left without a table: the stack goes as a copy */
	bool pending;	/* a file whose table is being compiled: the walk stops there */
};

/* Copies for files whose table is being compiled, per window of PENDING_WINDOW_NS. */
#define PENDING_WINDOW_NS (100 * 1000 * 1000ULL)
#define PENDING_COPIES_MAX 100
__u64 pending_window_start = 0;
__u64 pending_window_copies = 0;

/* A copy may still be sent in this window (racy across CPUs: a bound, not a count). */
static __always_inline bool pending_copy_allowed(void)
{
	__u64 now = bpf_ktime_get_ns();

	if (now - pending_window_start > PENDING_WINDOW_NS) {
		pending_window_start = now;
		pending_window_copies = 0;
	}
	return __sync_fetch_and_add(&pending_window_copies, 1) < PENDING_COPIES_MAX;
}

static long vma_found(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct walk_ctx *w = data;
	struct file *f = vma->vm_file;

	(void)task;
	w->vm_start = vma->vm_start;
	w->vm_end = vma->vm_end;
	w->vm_pgoff = vma->vm_pgoff;
	w->has_file = f != NULL;
	if (f) {
		w->fid.dev = f->f_inode->i_sb->s_dev;
		w->fid.ino = f->f_inode->i_ino;
	}
	return 0;
}

/* The rule of the row of the file's table ruling offset off, or NULL (the frame pointer). */
static __always_inline const struct unwind_row *find_row(const struct walk_ctx *w, __u64 off)
{
	void *rows = bpf_map_lookup_elem(&unwind_tables, &w->fid);
	const struct unwind_krow *r;
	__u32 lo = 0, hi = w->file.row_cnt;

	if (!rows || !hi || off > 0xffffffffULL)
		return NULL;
	/* lo ends at the last row whose offset is <= off */
	for (int i = 0; i < ROWS_SEARCH_STEPS && hi - lo > 1; i++) {
		__u32 mid = lo + (hi - lo) / 2;

		r = bpf_map_lookup_elem(rows, &mid);
		if (!r)
			return NULL;
		if (r->off <= off)
			lo = mid;
		else
			hi = mid;
	}
	r = bpf_map_lookup_elem(rows, &lo);
	if (!r || r->off > off)
		return NULL;
	return bpf_map_lookup_elem(&unwind_rules, &r->rule);
}

/* The mapping of pc and its file's state into w; false when the walk stops there. */
static __always_inline bool find_file(struct walk_ctx *w, __u64 pc)
{
	struct unwind_want want = { .tgid = bpf_get_current_pid_tgid() >> 32 };
	const struct unwind_file *f;
	long err;

	w->vm_end = 0;
	w->has_file = false;
	err = bpf_find_vma(bpf_get_current_task_btf(), pc, vma_found, w, 0);
	if (err == -ERR_BUSY) {
		/* another thread holds the mm's lock (an mmap): try the copy */
		__sync_fetch_and_add(&unwind_vma_busy, 1);
		w->need_copy = true;
		return false;
	}
	if (err || !w->has_file) {
		/* no mapping, or code in none (JIT): this frame is the last one known */
		__u32 n = w->cnt;

		if (n < MAX_STACK_DEPTH) {
			w->ev->stack[n] = UNWIND_FRAME(UNWIND_FRAME_NO_MOD, pc);
			w->cnt = n + 1;
		}
		w->truncated = true;
		return false;
	}
	f = bpf_map_lookup_elem(&unwind_files, &w->fid);
	if (!f) {
		/* first sight of the file anywhere: user space is asked for its table, once */
		bpf_map_update_elem(&unwind_wanted, &w->fid, &want, BPF_NOEXIST);
		w->need_copy = true;
		return false;
	}
	w->file = *f;
	return true;
}

static long walk_frame(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	const struct unwind_row *row = NULL;
	__u64 pc = w->regs.ip, at, off;
	__u32 n = w->cnt;

	if (n >= MAX_STACK_DEPTH)
		return 1;
	/* a return address is looked up in its call instruction: pc - 1 */
	at = i == 0 || w->exact_ip ? pc : pc - 1;
	if (!(at >= w->vm_start && at < w->vm_end) && !find_file(w, at))
		return 1;
	off = pc - w->vm_start + (w->vm_pgoff << PAGE_SHIFT_4K);
	w->ev->stack[n] = UNWIND_FRAME(w->file.mod_id, off);
	w->cnt = n + 1;
	/* the file is known (its frame is), its table is not: the walk ends here. While it
	 * compiles its samples go as copies, but at most PENDING_COPIES_MAX a window: past that
	 * the stack is sent as far as it goes (a copy of each sample of a busy compiler for
	 * seconds would flood the ring buffer); a file left without a table gets copies */
	if (w->file.state == UW_FILE_PENDING && !pending_copy_allowed()) {
		w->pending = true;
		return 1;
	}
	if (w->file.state != UW_FILE_READY && w->file.state != UW_FILE_NO_CFI) {
		w->need_copy = true;
		return 1;
	}
	if (w->file.state == UW_FILE_READY)
		row = find_row(w, off - (pc - at));
	switch (unwind_step(row, &w->regs, &w->exact_ip)) {
	case UW_STEP_OK:
		return 0;
	case UW_STEP_END:
		w->ended = true;
		return 1;
	default:
		w->truncated = true;
		return 1;
	}
}

/*
 * Walks the stack of the task at the allocator's return (ctx: the caller's registers right
 * after the call) into ev's stack, innermost first: stack[0] is the return address. False
 * when it met a file without a table: the stack is then to be sent as a copy, and ev holds
 * the frames walked up to there (AEF_STACK_PARTIAL; stack_cnt 0: none).
 */
static __always_inline bool walk_user_stack(struct pt_regs *ctx, struct alloc_event *ev)
{
	struct walk_ctx w = {
		.regs = { .ip = ctx->ip, .sp = ctx->sp, .bp = ctx->bp },
		.ev = ev,
	};

	bpf_loop(MAX_STACK_DEPTH, walk_frame, &w, 0);
	ev->stack_cnt = w.cnt > MAX_STACK_DEPTH ? MAX_STACK_DEPTH : w.cnt;
	ev->a.flags |= AEF_STACK_FILES;
	if (w.need_copy) {
		ev->a.flags |= AEF_STACK_PARTIAL | AEF_STACK_TRUNCATED;
		return false;
	}
	if (w.pending)
		__sync_fetch_and_add(&unwind_pending, 1);
	if (w.truncated || w.pending || !w.ended)
		ev->a.flags |= AEF_STACK_TRUNCATED;
	return true;
}

#endif /* MEMSNOOP_UNWIND_BPF_H */
