/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where to put a function's probe. Every hit traps into the kernel; the kernel emulates a
 * few instructions (push, jmp, jcc, call, nop: ~0.8 us) and single-steps all others out of
 * line (~10 us). The probe goes on the first emulated instruction that every call reaches
 * with its arguments and [sp] (the return address, hijacked by a return probe) untouched;
 * where none exists, on the entry.
 */
#ifndef MEMSNOOP_PLACEMENT_H
#define MEMSNOOP_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#define PLACEMENT_SCAN_INSNS 16 /* how far into a prologue to look */

struct placement {
	uint32_t offset;  /* from the function's entry */
	char why[160];	  /* for -v */
};

/*
 * code holds the function's bytes from its entry (the whole function when its size is known,
 * so that jumps back into the prologue are seen); arg_cnt is how many integer argument
 * registers the probe reads. Returns 0, or a negative errno when the bytes cannot be decoded
 * at all (out->offset is 0 then too).
 */
int placement_choose(const uint8_t *code, size_t len, unsigned arg_cnt, struct placement *out);

#endif /* MEMSNOOP_PLACEMENT_H */
