/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a function's machine code says about its calls: whether it is a stub (its first
 * instruction, after an endbr64, jumps elsewhere) and which addresses it calls or jumps to.
 * That is how a forwarding allocator entry point (a wrapper, a realloc calling malloc, an
 * operator new calling malloc) is told apart from one that does the work itself.
 */
#ifndef MEMSNOOP_CODESCAN_H
#define MEMSNOOP_CODESCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CODESCAN_MAX_TARGETS 32

struct code_branches {
	bool is_stub;	      /* the function is a single jump to stub_target */
	uint64_t stub_target;
	size_t target_cnt;    /* direct call and jump targets outside the function */
	uint64_t targets[CODESCAN_MAX_TARGETS];
	bool targets_truncated;
};

/* code: the function's bytes, loaded at vaddr. 0, or -EINVAL when nothing decodes. */
int codescan_branches(const uint8_t *code, size_t len, uint64_t vaddr, struct code_branches *out);

/*
 * The GOT slot that a PLT entry at vaddr jumps through (endbr64, optional bnd prefix,
 * jmp *disp(%rip)); 0 when the bytes are not such an entry.
 */
uint64_t codescan_plt_slot(const uint8_t *code, size_t len, uint64_t vaddr);

#endif /* MEMSNOOP_CODESCAN_H */
