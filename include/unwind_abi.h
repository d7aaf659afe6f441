/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Compiled unwind tables, shared by the BPF walker and user space (the compiler in
 * src/unwind/cfi_table.c, the unit tests): the row layout and the one step that goes from a
 * frame's registers to its caller's, so that the tests run the very code the kernel runs.
 *
 * A file's CFI (.eh_frame, or .debug_frame) is compiled once into rows sorted by pc: a row
 * holds from its pc to the next row's. x86-64 only: the walk needs rip, rsp and rbp, the
 * only registers CFA rules of compiled code depend on.
 *
 * unwind_step() is there for an includer that defines unwind_read_u64(addr, out) first: it
 * reads 8 bytes of the target's memory into *out and evaluates to 0 on success
 * (bpf_probe_read_user in the kernel, the stack copy or a fake memory in user space).
 */
#ifndef MEMSNOOP_UNWIND_ABI_H
#define MEMSNOOP_UNWIND_ABI_H

#ifndef __BPF__
#include <linux/types.h>
#include <stdbool.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif
#include "file_id.h"

enum unwind_row_kind {
	UW_ROW_NO_CFI,	    /* no CFI covers the pc: the frame pointer walk takes over */
	UW_ROW_CFA,	    /* CFA = cfa_reg + cfa_off; ra at CFA + ra_off; rbp at CFA + rbp_off */
	UW_ROW_PLT,	    /* a PLT stub: CFA = rsp + cfa_off, + 8 once (rip & 15) >= plt_min */
	UW_ROW_SIGNAL,	    /* a signal trampoline: rsp points at the interrupted registers */
	UW_ROW_END,	    /* the outermost frame (its return address is undefined): complete */
	UW_ROW_UNSUPPORTED, /* a rule the walker does not follow: the stack ends, truncated */
	UW_ROW_KIND_CNT,
};

enum unwind_reg {
	UW_REG_RSP,
	UW_REG_RBP,
};

/*
 * pc is the file's virtual address (as its program headers lay it out). rbp_off 0: rbp is
 * unchanged (the callee did not save it). SIGNAL rows: cfa_off, rbp_off and ra_off are
 * offsets from rsp of the interrupted rsp, rbp and rip (the ucontext's registers).
 */
struct unwind_row {
	__u32 pc;
	__u8 kind;    /* enum unwind_row_kind */
	__u8 cfa_reg; /* enum unwind_reg */
	__s16 cfa_off;
	__s16 rbp_off;
	__s16 ra_off;
	__u8 plt_min;
	__u8 __pad[3];
};

/*
 * What the kernel holds, per file identity (include/file_id.h), shared by every process and
 * container mapping the file: its state and, once compiled, its rows in a map of its own.
 * The loader turns the compiler's rows into kernel rows of 8 bytes: the row's file offset
 * (the walker finds a pc's offset with bpf_find_vma, so no process layout is needed) and the
 * index of its rule (the CFA, ra and rbp rules: a few hundred distinct ones in libLLVM's
 * 950,000 rows) in one array of rules.
 */
#define UNWIND_MAX_FILES 4096	  /* tables loaded at once */
#define UNWIND_MAX_RULES 65536	  /* distinct rules over every table */
#define UNWIND_MAX_WANTED 256	  /* files the walker met without a table, not yet taken */
#define UNWIND_BUDGET_DEFAULT (64ULL << 20) /* kernel memory for rows: 8 Mi rows */

struct unwind_krow {
	__u32 off;  /* file offset where the row starts to rule */
	__u32 rule; /* index in the rules array: a struct unwind_row (its pc unused) */
};

enum unwind_file_state {
	UW_FILE_READY,	  /* rows in the table map under the same identity */
	UW_FILE_NO_CFI,	  /* no CFI at all: walked by frame pointer */
	UW_FILE_PENDING,  /* being compiled: its samples come as stack copies meanwhile */
	UW_FILE_EXCLUDED, /* no table (unreadable, past the budget, not understood): copies */
};

struct unwind_file {
	__u32 mod_id;  /* user space's module of the file: frames are sent as (mod_id, offset) */
	__u32 row_cnt;
	__u32 state;   /* enum unwind_file_state */
	__u32 __pad;
};

/* A file the walker met without any state: the process it met it in. */
struct unwind_want {
	__u32 tgid;
	__u32 __pad;
};

/*
 * A frame of a stack walked in the kernel (AEF_STACK_FILES): the module of its file and the
 * offset of the pc in it, in one u64, so that it symbolizes without the process's maps.
 */
#define UNWIND_FRAME_OFF_BITS 40
#define UNWIND_FRAME_NO_MOD 0xffffffU /* no file (anonymous code): the pc itself is kept */
#define UNWIND_FRAME(mod, off) (((__u64)(mod) << UNWIND_FRAME_OFF_BITS) | \
				((off) & ((1ULL << UNWIND_FRAME_OFF_BITS) - 1)))
#define UNWIND_FRAME_MOD(f) ((__u32)((f) >> UNWIND_FRAME_OFF_BITS))
#define UNWIND_FRAME_OFFSET(f) ((f) & ((1ULL << UNWIND_FRAME_OFF_BITS) - 1))

_Static_assert(sizeof(struct unwind_row) == 16, "unwind_row layout");
_Static_assert(sizeof(struct unwind_krow) == 8, "unwind_krow layout");
_Static_assert(sizeof(struct unwind_file) == 16, "unwind_file layout");
_Static_assert(sizeof(struct unwind_want) == 8, "unwind_want layout");

#ifdef unwind_read_u64
/* A frame's registers: pc, sp, bp. */
struct unwind_regs {
	__u64 ip, sp, bp;
};

enum unwind_step_result {
	UW_STEP_OK,	     /* regs now hold the caller's frame */
	UW_STEP_END,	     /* the outermost frame: the stack is complete */
	UW_STEP_TRUNCATED,   /* cannot go further: the stack is cut here */
};

/*
 * From regs, in a frame ruled by row (NULL or NO_CFI: by the frame pointer), to the caller's
 * registers. *exact_ip is set when the caller's ip is an interrupted pc rather than a return
 * address (a signal frame): it is looked up as is, not at ip - 1.
 */
static __always_inline int unwind_step(const struct unwind_row *row, struct unwind_regs *regs,
				       bool *exact_ip)
{
	__u64 cfa, ip = 0, bp = regs->bp;
	__u8 kind = row ? row->kind : UW_ROW_NO_CFI;

	*exact_ip = false;
	switch (kind) {
	case UW_ROW_CFA:
		cfa = (row->cfa_reg == UW_REG_RBP ? regs->bp : regs->sp) + row->cfa_off;
		if (unwind_read_u64(cfa + row->ra_off, &ip))
			return UW_STEP_TRUNCATED;
		if (row->rbp_off && unwind_read_u64(cfa + row->rbp_off, &bp))
			return UW_STEP_TRUNCATED;
		break;
	case UW_ROW_PLT:
		cfa = regs->sp + row->cfa_off + ((regs->ip & 15) >= row->plt_min ? 8 : 0);
		if (unwind_read_u64(cfa - 8, &ip))
			return UW_STEP_TRUNCATED;
		break;
	case UW_ROW_SIGNAL:
		if (unwind_read_u64(regs->sp + row->cfa_off, &cfa) ||
		    unwind_read_u64(regs->sp + row->rbp_off, &bp) ||
		    unwind_read_u64(regs->sp + row->ra_off, &ip))
			return UW_STEP_TRUNCATED;
		*exact_ip = true;
		break;
	case UW_ROW_NO_CFI:
		/* the frame pointer chain: [rbp] is the caller's rbp, [rbp + 8] the return */
		if (!regs->bp || unwind_read_u64(regs->bp, &bp) || unwind_read_u64(regs->bp + 8, &ip))
			return UW_STEP_TRUNCATED;
		cfa = regs->bp + 16;
		break;
	case UW_ROW_END:
		return UW_STEP_END;
	default:
		return UW_STEP_TRUNCATED;
	}
	if (!ip)
		return UW_STEP_END;
	/* the stack grows down: a caller's frame is above its callee's */
	if (cfa <= regs->sp)
		return UW_STEP_TRUNCATED;
	regs->ip = ip;
	regs->sp = cfa;
	regs->bp = bp;
	return UW_STEP_OK;
}

#endif /* unwind_read_u64 */

#endif /* MEMSNOOP_UNWIND_ABI_H */
