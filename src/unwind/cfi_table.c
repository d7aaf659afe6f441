// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Compiling CFI into unwind rows.
 *
 * libdw answers "what are the rules at this pc" (dwarf_cfi_addrframe) with the range
 * [start, end) where they hold. Starting at each FDE's first pc and asking again at each
 * range's end walks every row of the FDE; where no FDE answers, a NO_CFI row lets the
 * frame pointer take over. The FDE starts come from .eh_frame_hdr's sorted search table
 * (or, for .debug_frame, from its FDEs in turn). Each answer becomes one row when its rules
 * are ones the walker follows: a CFA of rsp or rbp plus an offset, the return address and
 * rbp saved at CFA-relative slots, or one of two expressions compilers and libcs emit
 * everywhere: the PLT stub's CFA and the signal trampoline's saved registers. Anything
 * else becomes UNSUPPORTED: the walk stops there and says the stack is truncated.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "cfi_table.h"

#define X86_RBP 6
#define X86_RSP 7
#define X86_RIP 16

struct cfi_table {
	struct unwind_row *rows;
	size_t cnt, cap;
	struct cfi_table_stats stats;
};

/* Appends a row at pc, unless it only repeats the rules of the row before. */
static int add_row(struct cfi_table *t, uint64_t pc, const struct unwind_row *r)
{
	struct unwind_row *last = t->cnt ? &t->rows[t->cnt - 1] : NULL;

	if (pc > UINT32_MAX)
		return -ENOTSUP;
	if (last && !memcmp((const char *)last + 4, (const char *)r + 4, sizeof(*r) - 4))
		return 0;
	if (last && last->pc == pc) {
		*last = *r; /* an empty range before: the later rules win */
		last->pc = pc;
		return 0;
	}
	if (t->cnt == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct unwind_row *tmp = realloc(t->rows, cap * sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		t->rows = tmp;
		t->cap = cap;
	}
	t->rows[t->cnt] = *r;
	t->rows[t->cnt++].pc = pc;
	return 0;
}

static bool fits_s16(int64_t v)
{
	return v >= INT16_MIN && v <= INT16_MAX;
}

/* DW_OP_bregN or DW_OP_bregx: the register and its offset. */
static bool op_breg(const Dwarf_Op *op, unsigned *reg, int64_t *off)
{
	if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
		*reg = op->atom - DW_OP_breg0;
		*off = (int64_t)op->number;
		return true;
	}
	if (op->atom == DW_OP_bregx) {
		*reg = op->number;
		*off = (int64_t)op->number2;
		return true;
	}
	return false;
}

/* The ops of the CFA of a PLT stub, as binutils writes it for every .plt:
 * rsp + N + (((rip & 15) >= T) << 3). */
static bool plt_cfa(const Dwarf_Op *ops, size_t n, struct unwind_row *r)
{
	static const uint8_t shape[] = { DW_OP_breg7, DW_OP_breg16, DW_OP_lit15, DW_OP_and, 0,
					 DW_OP_ge, DW_OP_lit3, DW_OP_shl, DW_OP_plus };

	if (n != sizeof(shape))
		return false;
	for (size_t i = 0; i < n; i++)
		if (shape[i] && ops[i].atom != shape[i])
			return false;
	if (ops[4].atom < DW_OP_lit0 || ops[4].atom > DW_OP_lit31 || ops[1].number ||
	    !fits_s16((int64_t)ops[0].number))
		return false;
	r->kind = UW_ROW_PLT;
	r->cfa_reg = UW_REG_RSP;
	r->cfa_off = (int64_t)ops[0].number;
	r->plt_min = ops[4].atom - DW_OP_lit0;
	return true;
}

enum reg_rule { RULE_SAME, RULE_UNDEFINED, RULE_AT_CFA, RULE_AT_RSP, RULE_OTHER };

/* Where the caller's regno is: unchanged, lost, or saved at CFA + *off (an offset rule) or
 * at rsp + *off (an expression rule of the breg7 kind, as signal frames have). */
static enum reg_rule reg_rule(Dwarf_Frame *fr, int regno, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	unsigned reg;
	size_t n;

	*off = 0;
	if (dwarf_frame_register(fr, regno, mem, &ops, &n))
		return RULE_OTHER;
	if (!n)
		return ops ? RULE_UNDEFINED : RULE_SAME;
	/* libdw puts the CFA first, as the expression's initial stack */
	if (ops[0].atom != DW_OP_call_frame_cfa)
		return RULE_OTHER;
	if (n == 1)
		return RULE_AT_CFA;
	if (n == 2 && ops[1].atom == DW_OP_plus_uconst && fits_s16((int64_t)ops[1].number)) {
		*off = (int64_t)ops[1].number;
		return RULE_AT_CFA;
	}
	if (n == 2 && op_breg(&ops[1], &reg, off) && reg == X86_RSP && fits_s16(*off))
		return RULE_AT_RSP;
	return RULE_OTHER;
}

/* A signal trampoline: CFA = [rsp + N], rbp and rip saved at rsp-relative slots. */
static void compile_signal(Dwarf_Frame *fr, const Dwarf_Op *ops, size_t n, struct unwind_row *r)
{
	int64_t cfa_off, rbp_off, ra_off;
	unsigned reg;

	r->kind = UW_ROW_UNSUPPORTED;
	if (n != 2 || !op_breg(&ops[0], &reg, &cfa_off) || reg != X86_RSP ||
	    ops[1].atom != DW_OP_deref || !fits_s16(cfa_off) ||
	    reg_rule(fr, X86_RBP, &rbp_off) != RULE_AT_RSP ||
	    reg_rule(fr, X86_RIP, &ra_off) != RULE_AT_RSP)
		return;
	r->kind = UW_ROW_SIGNAL;
	r->cfa_off = cfa_off;
	r->rbp_off = rbp_off;
	r->ra_off = ra_off;
}

static void compile_frame(Dwarf_Frame *fr, bool signal, struct unwind_row *r)
{
	int64_t off, ra_off, rbp_off;
	enum reg_rule ra, rbp;
	size_t n = 0;
	Dwarf_Op *ops;
	unsigned reg;

	memset(r, 0, sizeof(*r));
	r->kind = UW_ROW_UNSUPPORTED;
	if (dwarf_frame_cfa(fr, &ops, &n) || !n)
		return;
	if (signal) {
		compile_signal(fr, ops, n, r);
		return;
	}
	ra = reg_rule(fr, X86_RIP, &ra_off);
	if (ra == RULE_UNDEFINED) {
		r->kind = UW_ROW_END;
		return;
	}
	rbp = reg_rule(fr, X86_RBP, &rbp_off);
	if (ra != RULE_AT_CFA || (rbp != RULE_SAME && rbp != RULE_UNDEFINED && rbp != RULE_AT_CFA) ||
	    (rbp == RULE_AT_CFA && !rbp_off))
		return;
	if (plt_cfa(ops, n, r)) {
		/* the stub pushed nothing but its slot: the return address is at CFA - 8 */
		if (ra_off != -8 || rbp == RULE_AT_CFA)
			r->kind = UW_ROW_UNSUPPORTED;
		return;
	}
	if (n != 1 || !op_breg(ops, &reg, &off) || (reg != X86_RSP && reg != X86_RBP) ||
	    !fits_s16(off))
		return;
	r->kind = UW_ROW_CFA;
	r->cfa_reg = reg == X86_RBP ? UW_REG_RBP : UW_REG_RSP;
	r->cfa_off = off;
	r->ra_off = ra_off;
	r->rbp_off = rbp == RULE_AT_CFA ? rbp_off : 0;
}

/* Rows from start to where the FDE's ranges end; *end_out is that end. */
static int compile_fde(struct cfi_table *t, Dwarf_CFI *cfi, uint64_t start, uint64_t *end_out)
{
	uint64_t addr = start;
	int err = 0;

	while (!err) {
		Dwarf_Addr lo, hi;
		Dwarf_Frame *fr;
		struct unwind_row r;
		bool signal;

		if (dwarf_cfi_addrframe(cfi, addr, &fr))
			break;
		dwarf_frame_info(fr, &lo, &hi, &signal);
		compile_frame(fr, signal, &r);
		free(fr);
		err = add_row(t, addr, &r);
		if (hi <= addr)
			break;
		addr = hi;
	}
	*end_out = addr;
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh->sh_name);
		if (n && !strcmp(n, name) && sh->sh_type != SHT_NOBITS)
			return scn;
	}
	return NULL;
}

static int32_t read_s32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * The FDE starts of .eh_frame, from .eh_frame_hdr's search table. Only the layout every
 * linker writes is read: pc-relative frame pointer, 4-byte count, 4-byte data-relative pairs.
 */
static int eh_frame_starts(Elf *elf, uint64_t **starts, size_t *cnt)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, ".eh_frame_hdr", &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const uint8_t *p;
	uint32_t n;

	if (!d || d->d_size < 12)
		return -ENOENT;
	p = d->d_buf;
	if (p[0] != 1 || p[1] != (DW_EH_PE_pcrel | DW_EH_PE_sdata4) || p[2] != DW_EH_PE_udata4 ||
	    p[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return -ENOTSUP;
	memcpy(&n, p + 8, sizeof(n));
	if ((uint64_t)n * 8 > d->d_size - 12)
		return -EINVAL;
	*starts = malloc((n ? n : 1) * sizeof(**starts));
	if (!*starts)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		(*starts)[i] = sh.sh_addr + read_s32(p + 12 + 8 * (size_t)i);
	*cnt = n;
	return 0;
}

/* The FDE starts of .debug_frame: absolute addresses, one per FDE. */
static int debug_frame_starts(Elf *elf, uint64_t **starts, size_t *cnt)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, ".debug_frame", &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);
	Dwarf_Off off = 0, next;
	size_t cap = 0;

	*cnt = 0;
	*starts = NULL;
	if (!d || !ident)
		return -ENOENT;
	for (;;) {
		Dwarf_CFI_Entry e;
		uint64_t pc;

		if (dwarf_next_cfi(ident, d, false, off, &next, &e))
			break;
		off = next;
		if (dwarf_cfi_cie_p(&e) || e.fde.end - e.fde.start < (long)sizeof(pc))
			continue;
		if (*cnt == cap) {
			uint64_t *tmp = realloc(*starts, (cap = cap ? cap * 2 : 256) * sizeof(*tmp));

			if (!tmp)
				return -ENOMEM;
			*starts = tmp;
		}
		memcpy(&pc, e.fde.start, sizeof(pc));
		(*starts)[(*cnt)++] = pc;
	}
	return 0;
}

static int compile_all(struct cfi_table *t, Dwarf_CFI *cfi, uint64_t *starts, size_t cnt)
{
	struct unwind_row no_cfi = { .kind = UW_ROW_NO_CFI };
	uint64_t covered = 0;
	int err = 0;

	qsort(starts, cnt, sizeof(*starts), cmp_u64);
	for (size_t i = 0; i < cnt && !err; i++) {
		if (starts[i] < covered || (i && starts[i] == starts[i - 1]))
			continue;
		if (covered && starts[i] > covered)
			err = add_row(t, covered, &no_cfi);
		if (!err)
			err = compile_fde(t, cfi, starts[i], &covered);
		t->stats.fde_cnt++;
	}
	return err ?: add_row(t, covered, &no_cfi);
}

struct cfi_table *cfi_table__build(Elf *elf)
{
	struct cfi_table *t = calloc(1, sizeof(*t));
	uint64_t start_ns = mono_ns(), *starts = NULL;
	Dwarf_CFI *eh = NULL, *cfi;
	Dwarf *dw = NULL;
	size_t cnt = 0;
	int err;

	if (!t)
		return NULL;
	/* .eh_frame, as libdw's own unwinder prefers it; .debug_frame where it is all there is */
	err = eh_frame_starts(elf, &starts, &cnt);
	if (!err) {
		cfi = eh = dwarf_getcfi_elf(elf);
	} else if (err == -ENOENT) {
		dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
		cfi = dw ? dwarf_getcfi(dw) : NULL;
		err = cfi ? debug_frame_starts(elf, &starts, &cnt) : -ENOENT;
	}
	if (!err && !cfi)
		err = -ENOENT;
	if (!err)
		err = compile_all(t, cfi, starts, cnt);
	free(starts);
	if (eh)
		dwarf_cfi_end(eh);
	if (dw)
		dwarf_end(dw);
	if (err) {
		cfi_table__free(t);
		errno = -err;
		return NULL;
	}
	t->stats.row_cnt = t->cnt;
	t->stats.mem_sz = t->cnt * sizeof(*t->rows);
	for (size_t i = 0; i < t->cnt; i++)
		t->stats.kind_cnt[t->rows[i].kind]++;
	t->stats.build_ns = mono_ns() - start_ns;
	return t;
}

void cfi_table__free(struct cfi_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t);
}

const struct unwind_row *cfi_table__rows(const struct cfi_table *t, size_t *cnt)
{
	*cnt = t->cnt;
	return t->rows;
}

const struct unwind_row *cfi_table__lookup(const struct cfi_table *t, uint64_t vaddr)
{
	size_t lo = 0, hi = t->cnt;

	if (!t->cnt || vaddr < t->rows[0].pc)
		return NULL;
	/* the last row whose pc is <= vaddr */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->rows[mid].pc <= vaddr)
			lo = mid;
		else
			hi = mid;
	}
	return &t->rows[lo];
}

void cfi_table__stats(const struct cfi_table *t, struct cfi_table_stats *out)
{
	*out = t->stats;
}
