/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The in-kernel DWARF unwinder: walks a user stack with the compiled unwind tables user space
 * loaded (include/unwind_abi.h) and keeps only the program counters.
 *
 * Per frame: the process's mapping that holds the pc (a scan of its executable mappings,
 * sorted), the file's row for it (binary search of its rows), one unwind_step(). A pc in
 * a file or range without CFI is unwound by its frame pointer. The walk is a bpf_loop of
 * MAX_STACK_DEPTH frames at most; a stack that does not end by then, or that meets an
 * unsupported rule or unreadable memory, is marked truncated.
 *
 * A pc in no mapping of the process's layout (a library mapped since user space loaded it,
 * or no layout at all yet: right after an exec, before the loader has mapped the libraries)
 * stops the walk as unknown: the caller then sends a copy of the stack instead, which user
 * space unwinds with libdw, and user space loads the new layout for the next samples.
 */
#ifndef MEMSNOOP_UNWIND_BPF_H
#define MEMSNOOP_UNWIND_BPF_H

#include "memsnoop_abi.h"

#define unwind_read_u64(addr, out) bpf_probe_read_user((out), sizeof(__u64), (void *)(addr))
#include "unwind_abi.h"

#define ROWS_SEARCH_STEPS 32 /* a binary search of any row count */

/* Every loaded table's rows, one after the other; user space sizes it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unwind_row);
} unwind_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, UNWIND_MAX_FILES);
	__type(key, __u32);
	__type(value, struct unwind_file);
} unwind_files SEC(".maps");

/* tgid -> its executable mappings; dropped at exec (the new image is another layout) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct unwind_proc);
} unwind_procs SEC(".maps");

struct walk_ctx {
	struct unwind_regs regs;
	const struct unwind_proc *proc;
	struct alloc_event *ev;
	__u32 cnt;
	bool exact_ip; /* regs.ip was interrupted, not a return address */
	bool ended;
	bool truncated;
	bool unknown_pc; /* a pc outside the layout: the layout is stale */
};

/*
 * The mapping of p that holds pc, or NULL. A linear scan: a binary search indexing the array
 * makes every path of the search a state of its own for the verifier.
 */
static __always_inline const struct unwind_map *find_map(const struct unwind_proc *p, __u64 pc)
{
	for (__u32 i = 0; i < UNWIND_MAX_MAPS; i++) {
		if (i >= p->cnt || pc < p->maps[i].start)
			return NULL;
		if (pc < p->maps[i].end)
			return &p->maps[i];
	}
	return NULL;
}

/* The row of file file_id ruling vaddr, or NULL (then the frame pointer rules). */
static __always_inline const struct unwind_row *find_row(__u32 file_id, __u64 vaddr)
{
	const struct unwind_file *f = bpf_map_lookup_elem(&unwind_files, &file_id);
	const struct unwind_row *r;
	__u32 lo, hi;

	if (!f || !f->row_cnt || vaddr > 0xffffffffULL)
		return NULL;
	lo = f->first_row;
	hi = lo + f->row_cnt;
	/* lo ends at the last row whose pc is <= vaddr */
	for (int i = 0; i < ROWS_SEARCH_STEPS && hi - lo > 1; i++) {
		__u32 mid = lo + (hi - lo) / 2;

		r = bpf_map_lookup_elem(&unwind_rows, &mid);
		if (!r)
			return NULL;
		if (r->pc <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	r = bpf_map_lookup_elem(&unwind_rows, &lo);
	return r && r->pc <= vaddr ? r : NULL;
}

static long walk_frame(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	const struct unwind_row *row = NULL;
	const struct unwind_map *m = NULL;
	__u64 pc = w->regs.ip, at;
	__u32 n = w->cnt;

	if (n >= MAX_STACK_DEPTH)
		return 1;
	w->ev->stack[n] = pc;
	w->cnt = n + 1;
	/* a return address is looked up in its call instruction: pc - 1 */
	at = i == 0 || w->exact_ip ? pc : pc - 1;
	if (w->proc)
		m = find_map(w->proc, at);
	if (!m) {
		w->unknown_pc = true;
		return 1;
	}
	if (m->file_id != UNWIND_NO_FILE)
		row = find_row(m->file_id, at - m->bias);
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
 * when it met a pc outside the process's known layout: the stack is then not walked.
 */
static __always_inline bool walk_user_stack(struct pt_regs *ctx, __u32 tgid, struct alloc_event *ev)
{
	struct walk_ctx w = {
		.regs = { .ip = ctx->ip, .sp = ctx->sp, .bp = ctx->bp },
		.proc = bpf_map_lookup_elem(&unwind_procs, &tgid),
		.ev = ev,
	};

	bpf_loop(MAX_STACK_DEPTH, walk_frame, &w, 0);
	if (w.unknown_pc)
		return false;
	ev->stack_cnt = w.cnt;
	if (w.truncated || !w.ended)
		ev->a.flags |= AEF_STACK_TRUNCATED;
	return true;
}

#endif /* MEMSNOOP_UNWIND_BPF_H */
