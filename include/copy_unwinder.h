/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DWARF unwinding of a copied user stack with libdw's dwfl_frame API, as perf --call-graph
 * dwarf does: one Dwfl per process, built from the address-space model (so it outlives the
 * process), CFI from .eh_frame/.debug_frame, memory served from the copy.
 */
#ifndef MEMSNOOP_UNWIND_H
#define MEMSNOOP_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "addrspace.h"
#include "memsnoop_abi.h"

struct copy_unwinder;

struct unwind_sample {
	pid_t pid, tid;
	const __u64 *regs; /* DWARF_REG_CNT, DWARF order */
	const void *stack;    /* a copy of the stack from regs[7] (rsp) up */
	size_t stack_sz;
};

struct copy_unwinder *copy_unwinder__new(struct addrspaces *as);
void copy_unwinder__free(struct copy_unwinder *u);
/* pid is gone: its libdw session goes. */
void copy_unwinder__forget(struct copy_unwinder *u, pid_t pid);

/*
 * The return addresses of the sample's stack, innermost first (pcs[0] is regs[16]), at most
 * max. *truncated says the copy ended before the stack did. Returns the count, at least 1.
 */
uint32_t copy_unwinder__unwind(struct copy_unwinder *u, const struct unwind_sample *s, __u64 *pcs,
			  uint32_t max, bool *truncated);

#endif /* MEMSNOOP_UNWIND_H */
