// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <capstone/capstone.h>
#include <errno.h>
#include <string.h>
#include "codescan.h"

static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };

static bool is_endbr64(const cs_insn *insn)
{
	return insn->size == sizeof(endbr64) && !memcmp(insn->bytes, endbr64, sizeof(endbr64));
}

/* The immediate target of a direct call or jump; false for an indirect one. */
static bool direct_target(csh cs, const cs_insn *insn, uint64_t *target)
{
	const cs_x86 *x = &insn->detail->x86;

	if (!cs_insn_group(cs, insn, CS_GRP_JUMP) && !cs_insn_group(cs, insn, CS_GRP_CALL))
		return false;
	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return false;
	*target = x->operands[0].imm;
	return true;
}

int codescan_branches(const uint8_t *code, size_t len, uint64_t vaddr, struct code_branches *out)
{
	cs_insn *insns = NULL;
	size_t n, first = 0;
	uint64_t target;
	csh cs;

	memset(out, 0, sizeof(*out));
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -ENOMEM;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	n = cs_disasm(cs, code, len, vaddr, 0, &insns);
	if (!n) {
		cs_close(&cs);
		return -EINVAL;
	}
	if (is_endbr64(&insns[0]))
		first = 1;
	if (first < n && insns[first].id == X86_INS_JMP && direct_target(cs, &insns[first], &target)) {
		out->is_stub = true;
		out->stub_target = target;
	}
	for (size_t i = first; i < n; i++) {
		if (!direct_target(cs, &insns[i], &target) || (target >= vaddr && target < vaddr + len))
			continue;
		if (out->target_cnt == CODESCAN_MAX_TARGETS) {
			out->targets_truncated = true;
			break;
		}
		out->targets[out->target_cnt++] = target;
	}
	cs_free(insns, n);
	cs_close(&cs);
	return 0;
}

uint64_t codescan_plt_slot(const uint8_t *code, size_t len, uint64_t vaddr)
{
	size_t off = 0;
	int32_t disp;

	if (len >= sizeof(endbr64) && !memcmp(code, endbr64, sizeof(endbr64)))
		off += sizeof(endbr64);
	if (off < len && code[off] == 0xf2) /* bnd */
		off++;
	if (off + 6 > len || code[off] != 0xff || code[off + 1] != 0x25)
		return 0;
	memcpy(&disp, code + off + 2, sizeof(disp));
	return vaddr + off + 6 + (int64_t)disp;
}
