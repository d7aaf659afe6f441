// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <capstone/capstone.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "placement.h"

/* The System V argument registers, in order, and the stack pointer, with their sub-registers. */
static const x86_reg arg_regs[][4] = {
	{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL },
	{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL },
	{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL },
	{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL },
	{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B },
	{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B },
};
static const x86_reg sp_regs[4] = { X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL };

/* What the kernel emulates (or, for nop5, turns into a call) instead of single-stepping. */
static const char *emulated_kind(const cs_insn *insn)
{
	const uint8_t *b = insn->bytes;

	if (insn->size == 5 && !memcmp(b, "\x0f\x1f\x44\x00\x00", 5))
		return "optimized into a call";
	if ((insn->size == 1 && b[0] >= 0x50 && b[0] <= 0x57) ||
	    (insn->size == 2 && b[0] == 0x41 && b[1] >= 0x50 && b[1] <= 0x57))
		return "emulated";
	if ((insn->size == 2 && (b[0] == 0xeb || (b[0] >= 0x70 && b[0] <= 0x7f))) ||
	    (insn->size == 5 && (b[0] == 0xe9 || b[0] == 0xe8)) ||
	    (insn->size == 6 && b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f))
		return "emulated";
	if ((insn->size == 1 && b[0] == 0x90) || (b[0] == 0x0f && insn->size > 2 && b[1] == 0x1f))
		return "emulated";
	return NULL;
}

static bool writes_any(const cs_regs written, uint8_t cnt, const x86_reg *regs, size_t n)
{
	for (uint8_t i = 0; i < cnt; i++)
		for (size_t j = 0; j < n; j++)
			if (written[i] == regs[j])
				return true;
	return false;
}

static bool is_branch(csh cs, const cs_insn *insn)
{
	return cs_insn_group(cs, insn, CS_GRP_JUMP) || cs_insn_group(cs, insn, CS_GRP_CALL) ||
	       cs_insn_group(cs, insn, CS_GRP_RET) || cs_insn_group(cs, insn, CS_GRP_IRET) ||
	       cs_insn_group(cs, insn, CS_GRP_INT);
}

/*
 * Why insn, before the candidate, disqualifies every later candidate; NULL when it does not:
 * a branch (not every call would reach what follows), a write of an argument register or
 * of the stack pointer.
 */
static const char *blocker(csh cs, const cs_insn *insn, unsigned arg_cnt)
{
	cs_regs read, written;
	uint8_t read_cnt, written_cnt;

	if (is_branch(cs, insn))
		return "branches";
	if (cs_regs_access(cs, insn, read, &read_cnt, written, &written_cnt))
		return "cannot be decoded";
	for (unsigned a = 0; a < arg_cnt && a < 6; a++)
		if (writes_any(written, written_cnt, arg_regs[a], 4))
			return "writes an argument register";
	if (writes_any(written, written_cnt, sp_regs, 4))
		return "moves the stack pointer";
	return NULL;
}

/* True when a direct branch anywhere in the function lands in (0, offset]: the probe would
 * then fire twice for one call. */
static bool jumped_into(csh cs, const cs_insn *insns, size_t n, uint64_t offset)
{
	for (size_t i = 0; i < n; i++) {
		const cs_x86 *x = &insns[i].detail->x86;

		if (!is_branch(cs, &insns[i]) || x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
			continue;
		if (x->operands[0].imm > 0 && (uint64_t)x->operands[0].imm <= offset)
			return true;
	}
	return false;
}

int placement_choose(const uint8_t *code, size_t len, unsigned arg_cnt, struct placement *out)
{
	cs_insn *insns = NULL;
	size_t n, i;
	csh cs;

	out->offset = 0;
	snprintf(out->why, sizeof(out->why), "entry: cannot decode the function");
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(cs, code, len, 0, 0, &insns);
	if (!n) {
		cs_close(&cs);
		return -EINVAL;
	}
	for (i = 0; i < n && i < PLACEMENT_SCAN_INSNS; i++) {
		const char *kind = emulated_kind(&insns[i]), *why;

		if (kind && !jumped_into(cs, insns, n, insns[i].address)) {
			out->offset = insns[i].address;
			if (i == 0)
				snprintf(out->why, sizeof(out->why), "entry: %s (%s)", insns[i].mnemonic, kind);
			else
				snprintf(out->why, sizeof(out->why), "+%u: %s (%s), after %zu instruction%s that neither branch nor write arguments or sp",
					 out->offset, insns[i].mnemonic, kind, i, i == 1 ? "" : "s");
			goto out;
		}
		why = blocker(cs, &insns[i], arg_cnt);
		if (why) {
			snprintf(out->why, sizeof(out->why), "entry (single-stepped): %s at +%llu %s before any emulated instruction",
				 insns[i].mnemonic, (unsigned long long)insns[i].address, why);
			goto out;
		}
	}
	snprintf(out->why, sizeof(out->why), "entry (single-stepped): no emulated instruction in the first %zu", i);
out:
	cs_free(insns, n);
	cs_close(&cs);
	return 0;
}
