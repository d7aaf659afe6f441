// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Compiling CFI into unwind rows.
 *
 * Each FDE's instructions are run once, from its CIE's initial rules (themselves run once per
 * CIE), and every advance of the location emits the row of the rules in force before it:
 * the work is linear in the instructions, whatever a file holds. (Asking libdw for the rules
 * at each row's pc, as this compiler once did, runs the FDE from its start for every row:
 * quadratic, 32 s for one FDE of 200 k rows.) Only the rules the walker can use are kept: the
 * CFA, and where rbp and the return address are. Where no FDE covers a pc, a NO_CFI row lets
 * the frame pointer take over.
 *
 * A row is one the walker follows when the CFA is rsp or rbp plus an offset and the return
 * address and rbp are saved at CFA-relative slots, or one of two expressions compilers and
 * libcs emit everywhere: the PLT stub's CFA and the signal trampoline's saved registers.
 * Anything else becomes UNSUPPORTED: the walk stops there and says the stack is truncated.
 * So does the rest of an FDE whose instructions do not parse, or nest remember_state past
 * CFI_MAX_STATES.
 *
 * A file is a target's, so its cost is bounded: past CFI_MAX_SECTION_SZ of CFI or
 * CFI_MAX_ROWS rows, it gets no table (EFBIG) and its samples come as stack copies.
 */
#include <dwarf.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "cfi_parse.h"
#include "cfi_table.h"

#define X86_RBP 6
#define X86_RSP 7
#define X86_RIP 16
#define CFI_MAX_STATES 64 /* remember_state nesting */
#define CFI_MAX_OPS 9	  /* the longest expression matched: the PLT stub's CFA */

struct cfi_table {
	struct unwind_row *rows;
	size_t cnt, cap;
	struct cfi_table_stats stats;
};

/* Where the caller's rbp or return address is. */
enum reg_rule {
	RULE_UNDEFINED,	/* lost (an unspecified register, on x86-64, as libdw says) */
	RULE_SAME,	/* unchanged */
	RULE_AT_CFA,	/* saved at CFA + off */
	RULE_AT_RSP,	/* saved at rsp + off (an expression, as signal frames have) */
	RULE_OTHER,	/* a rule the walker does not follow */
};

enum cfa_rule {
	CFA_INVALID,	/* undefined, or an offset set on an expression */
	CFA_REG,	/* reg + off */
	CFA_PLT,	/* rsp + off + (((rip & 15) >= plt_min) << 3) */
	CFA_DEREF_RSP,	/* [rsp + off]: a signal frame's saved rsp */
	CFA_OTHER,	/* an expression the walker does not follow */
};

struct reg_state {
	uint8_t rule; /* enum reg_rule */
	int64_t off;
};

struct frame_state {
	uint8_t cfa;	/* enum cfa_rule */
	uint8_t plt_min;
	uint64_t cfa_reg;
	int64_t cfa_off;
	struct reg_state rbp, ra;
};

static bool fits_s16(int64_t v)
{
	return v >= INT16_MIN && v <= INT16_MAX;
}

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
		struct unwind_row *tmp;

		if (t->cnt >= CFI_MAX_ROWS)
			return -EFBIG;
		tmp = realloc(t->rows, cap * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		t->rows = tmp;
		t->cap = cap;
	}
	t->rows[t->cnt] = *r;
	t->rows[t->cnt++].pc = pc;
	return 0;
}

struct op {
	uint8_t atom;
	uint64_t reg;
	int64_t num;
};

/* A short DWARF expression as ops; false when longer than any shape matched, or malformed. */
static bool parse_expr(const uint8_t *p, uint64_t len, struct op *ops, size_t *n)
{
	struct cfi_reader r = { .start = p, .p = p, .end = p + len };

	for (*n = 0; r.p < r.end; (*n)++) {
		struct op *op = &ops[*n];

		if (*n == CFI_MAX_OPS)
			return false;
		op->atom = cfi_reader__u8(&r);
		op->reg = op->num = 0;
		if (op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) {
			op->reg = op->atom - DW_OP_breg0;
			op->num = cfi_reader__sleb(&r);
		} else if (op->atom == DW_OP_bregx) {
			op->reg = cfi_reader__uleb(&r);
			op->num = cfi_reader__sleb(&r);
			op->atom = op->reg <= 31 ? DW_OP_breg0 + op->reg : DW_OP_bregx;
		} else if (op->atom == DW_OP_plus_uconst) {
			op->num = cfi_reader__uleb(&r);
		} else if (!(op->atom >= DW_OP_lit0 && op->atom <= DW_OP_lit31) &&
			   op->atom != DW_OP_and && op->atom != DW_OP_ge && op->atom != DW_OP_shl &&
			   op->atom != DW_OP_plus && op->atom != DW_OP_deref) {
			return false;
		}
		if (r.bad)
			return false;
	}
	return true;
}

/* The CFA of DW_CFA_def_cfa_expression: a PLT stub's, binutils' rsp + N +
 * (((rip & 15) >= T) << 3), or a signal frame's [rsp + N]. */
static void cfa_expr(struct frame_state *s, const uint8_t *p, uint64_t len)
{
	static const uint8_t plt[] = { DW_OP_breg7, DW_OP_breg16, DW_OP_lit15, DW_OP_and, 0,
				       DW_OP_ge, DW_OP_lit3, DW_OP_shl, DW_OP_plus };
	struct op ops[CFI_MAX_OPS];
	size_t n;

	s->cfa = CFA_OTHER;
	if (!parse_expr(p, len, ops, &n))
		return;
	if (n == 2 && ops[0].atom == DW_OP_breg7 && ops[1].atom == DW_OP_deref) {
		s->cfa = CFA_DEREF_RSP;
		s->cfa_off = ops[0].num;
		return;
	}
	if (n != sizeof(plt))
		return;
	for (size_t i = 0; i < n; i++)
		if (plt[i] && ops[i].atom != plt[i])
			return;
	if (ops[4].atom < DW_OP_lit0 || ops[4].atom > DW_OP_lit31 || ops[1].num)
		return;
	s->cfa = CFA_PLT;
	s->cfa_off = ops[0].num;
	s->plt_min = ops[4].atom - DW_OP_lit0;
}

/* DW_CFA_expression: the register saved at the address the expression computes from the CFA:
 * the CFA itself plus a constant, or rsp plus a constant. */
static struct reg_state reg_expr(const uint8_t *p, uint64_t len)
{
	struct reg_state rs = { .rule = RULE_OTHER };
	struct op ops[CFI_MAX_OPS];
	size_t n;

	if (!parse_expr(p, len, ops, &n) || n > 1)
		return rs;
	if (!n)
		rs.rule = RULE_AT_CFA;
	else if (ops[0].atom == DW_OP_plus_uconst && fits_s16(ops[0].num))
		rs = (struct reg_state){ RULE_AT_CFA, ops[0].num };
	else if (ops[0].atom == DW_OP_breg7 && fits_s16(ops[0].num))
		rs = (struct reg_state){ RULE_AT_RSP, ops[0].num };
	return rs;
}

static struct reg_state at_cfa(int64_t off)
{
	return fits_s16(off) ? (struct reg_state){ RULE_AT_CFA, off }
			     : (struct reg_state){ RULE_OTHER, 0 };
}

static struct reg_state *reg_of(struct frame_state *s, uint64_t reg)
{
	return reg == X86_RBP ? &s->rbp : reg == X86_RIP ? &s->ra : NULL;
}

/* The row of the rules in s (r->pc is set by add_row). */
static void compile_state(const struct frame_state *s, bool signal, struct unwind_row *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = UW_ROW_UNSUPPORTED;
	if (s->cfa == CFA_INVALID)
		return;
	if (signal) {
		if (s->cfa == CFA_DEREF_RSP && fits_s16(s->cfa_off) && s->rbp.rule == RULE_AT_RSP &&
		    s->ra.rule == RULE_AT_RSP)
			*r = (struct unwind_row){ .kind = UW_ROW_SIGNAL, .cfa_off = s->cfa_off,
						  .rbp_off = s->rbp.off, .ra_off = s->ra.off };
		return;
	}
	if (s->ra.rule == RULE_UNDEFINED) {
		r->kind = UW_ROW_END;
		return;
	}
	if (s->ra.rule != RULE_AT_CFA || s->rbp.rule == RULE_AT_RSP || s->rbp.rule == RULE_OTHER ||
	    (s->rbp.rule == RULE_AT_CFA && !s->rbp.off))
		return;
	if (s->cfa == CFA_PLT) {
		/* the stub pushed nothing but its slot: the return address is at CFA - 8 */
		if (s->ra.off == -8 && s->rbp.rule != RULE_AT_CFA && fits_s16(s->cfa_off))
			*r = (struct unwind_row){ .kind = UW_ROW_PLT, .cfa_reg = UW_REG_RSP,
						  .cfa_off = s->cfa_off, .plt_min = s->plt_min };
		return;
	}
	if (s->cfa != CFA_REG || (s->cfa_reg != X86_RSP && s->cfa_reg != X86_RBP) ||
	    !fits_s16(s->cfa_off))
		return;
	r->kind = UW_ROW_CFA;
	r->cfa_reg = s->cfa_reg == X86_RBP ? UW_REG_RBP : UW_REG_RSP;
	r->cfa_off = s->cfa_off;
	r->ra_off = s->ra.off;
	r->rbp_off = s->rbp.rule == RULE_AT_CFA ? s->rbp.off : 0;
}

/* Running one CIE's or FDE's instructions. */
struct interp {
	struct cfi_table *t;
	const struct cfi_entries *es; /* the section, for pc-relative DW_CFA_set_loc */
	const struct cfi_cie *cie;
	const struct frame_state *initial; /* the CIE's rules, for DW_CFA_restore */
	struct frame_state s;
	struct frame_state stack[CFI_MAX_STATES];
	size_t depth;
	uint64_t loc, end; /* end 0: a CIE, which has no rows */
	bool signal;
};

/* The rules in force since loc hold until to: emit their row, move on. */
static int advance(struct interp *in, uint64_t to, bool *done)
{
	struct unwind_row row;
	int err;

	if (!in->end || to < in->loc)
		return -EINVAL;
	if (to == in->loc)
		return 0;
	compile_state(&in->s, in->signal, &row);
	err = add_row(in->t, in->loc, &row);
	in->loc = to;
	*done = to >= in->end;
	return err;
}

/* An operand times an alignment factor, wrapping rather than overflowing on hostile input. */
static int64_t factored(uint64_t v, int64_t factor)
{
	return (int64_t)(v * (uint64_t)factor);
}

static int set_cfa_off(struct frame_state *s, int64_t off)
{
	if (s->cfa != CFA_REG)
		s->cfa = CFA_INVALID;
	s->cfa_off = off;
	return 0;
}

/* One instruction; -EINVAL for one that does not parse, is unknown or out of place. */
static int step(struct interp *in, struct cfi_reader *r, bool *done)
{
	const uint64_t ca = in->cie->code_align;
	const int64_t da = in->cie->data_align;
	uint8_t op = cfi_reader__u8(r);
	struct reg_state *rs, dummy;
	uint64_t reg = op & 0x3f, len;
	int64_t off;

	switch (op & 0xc0) {
	case DW_CFA_advance_loc:
		return advance(in, in->loc + reg * ca, done);
	case DW_CFA_offset:
		off = factored(cfi_reader__uleb(r), da);
		if ((rs = reg_of(&in->s, reg)))
			*rs = at_cfa(off);
		return 0;
	case DW_CFA_restore:
		if ((rs = reg_of(&in->s, reg)))
			*rs = *reg_of((struct frame_state *)in->initial, reg);
		return 0;
	}
	switch (op) {
	case DW_CFA_nop:
		return 0;
	case DW_CFA_set_loc:
		return advance(in, cfi_reader__ptr(r, in->cie->fde_enc), done);
	case DW_CFA_advance_loc1:
		return advance(in, in->loc + cfi_reader__fixed(r, 1) * ca, done);
	case DW_CFA_advance_loc2:
		return advance(in, in->loc + cfi_reader__fixed(r, 2) * ca, done);
	case DW_CFA_advance_loc4:
		return advance(in, in->loc + cfi_reader__fixed(r, 4) * ca, done);
	case DW_CFA_remember_state:
		if (in->depth == CFI_MAX_STATES)
			return -EINVAL;
		in->stack[in->depth++] = in->s;
		return 0;
	case DW_CFA_restore_state:
		if (!in->depth)
			return -EINVAL;
		in->s = in->stack[--in->depth];
		return 0;
	case DW_CFA_def_cfa:
	case DW_CFA_def_cfa_sf:
		in->s.cfa = CFA_REG;
		in->s.cfa_reg = cfi_reader__uleb(r);
		in->s.cfa_off = op == DW_CFA_def_cfa ? (int64_t)cfi_reader__uleb(r)
						     : factored(cfi_reader__sleb(r), da);
		return 0;
	case DW_CFA_def_cfa_register:
		reg = cfi_reader__uleb(r);
		if (in->s.cfa != CFA_REG)
			in->s.cfa = CFA_INVALID;
		in->s.cfa_reg = reg;
		return 0;
	case DW_CFA_def_cfa_offset:
		return set_cfa_off(&in->s, cfi_reader__uleb(r));
	case DW_CFA_def_cfa_offset_sf:
		return set_cfa_off(&in->s, factored(cfi_reader__sleb(r), da));
	case DW_CFA_def_cfa_expression:
		len = cfi_reader__uleb(r);
		if (r->bad || len > (uint64_t)(r->end - r->p))
			return -EINVAL;
		cfa_expr(&in->s, r->p, len);
		r->p += len;
		return 0;
	}
	/* the rest name a register first */
	reg = cfi_reader__uleb(r);
	rs = reg_of(&in->s, reg) ?: &dummy;
	switch (op) {
	case DW_CFA_offset_extended:
		*rs = at_cfa(factored(cfi_reader__uleb(r), da));
		return 0;
	case DW_CFA_offset_extended_sf:
		*rs = at_cfa(factored(cfi_reader__sleb(r), da));
		return 0;
	case DW_CFA_GNU_negative_offset_extended:
		*rs = at_cfa(factored(-cfi_reader__uleb(r), da));
		return 0;
	case DW_CFA_restore_extended:
		if (rs != &dummy)
			*rs = *reg_of((struct frame_state *)in->initial, reg);
		return 0;
	case DW_CFA_undefined:
		*rs = (struct reg_state){ RULE_UNDEFINED, 0 };
		return 0;
	case DW_CFA_same_value:
		*rs = (struct reg_state){ RULE_SAME, 0 };
		return 0;
	case DW_CFA_register:
	case DW_CFA_val_offset:
		cfi_reader__uleb(r);
		*rs = (struct reg_state){ RULE_OTHER, 0 };
		return 0;
	case DW_CFA_val_offset_sf:
		cfi_reader__sleb(r);
		*rs = (struct reg_state){ RULE_OTHER, 0 };
		return 0;
	case DW_CFA_expression:
	case DW_CFA_val_expression:
		len = cfi_reader__uleb(r);
		if (r->bad || len > (uint64_t)(r->end - r->p))
			return -EINVAL;
		*rs = op == DW_CFA_expression ? reg_expr(r->p, len)
					      : (struct reg_state){ RULE_OTHER, 0 };
		r->p += len;
		return 0;
	case DW_CFA_GNU_args_size:
		return 0; /* its operand was read as the register */
	}
	return -EINVAL;
}

/* Runs [p, end) from in's state; -EINVAL where it stops being understood. */
static int run(struct interp *in, const uint8_t *p, const uint8_t *end)
{
	struct cfi_reader r = { .start = in->es->sec, .p = p, .end = end, .base = in->es->sec_addr };
	bool done = false;
	int err = 0;

	/* a read past the end consumes nothing: stop at once, or a nop would be read forever */
	while (!err && !done && !r.bad && r.p < r.end)
		err = step(in, &r, &done);
	if (!err && r.bad)
		err = -EINVAL;
	return err;
}

/* The ABI's rules at a function's entry (libdw's x86-64 defaults): rbp unchanged; the CFA
 * and the return address as the CIE sets them. */
static const struct frame_state abi_initial = { .cfa = CFA_INVALID, .rbp = { RULE_SAME, 0 } };

/* Each CIE's rules after its initial instructions, run once; CFA_INVALID for one that does not
 * run (its FDEs are then unsupported). */
static int cie_states(const struct cfi_entries *es, struct frame_state **out)
{
	struct frame_state *st = calloc(es->cie_cnt ?: 1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	for (size_t i = 0; i < es->cie_cnt; i++) {
		struct interp in = { .es = es, .cie = &es->cies[i], .initial = &abi_initial,
				     .s = abi_initial };

		st[i] = run(&in, es->cies[i].insns, es->cies[i].insns_end) ? abi_initial : in.s;
	}
	*out = st;
	return 0;
}

/* Rows from fde's start to its end; the rest of it unsupported where it stops parsing. */
static int compile_fde(struct cfi_table *t, const struct cfi_entries *es,
		       const struct frame_state *cie_st, const struct cfi_fde *fde)
{
	const struct cfi_cie *cie = &es->cies[fde->cie];
	struct interp *in = malloc(sizeof(*in));
	struct unwind_row row;
	int err;

	if (!in)
		return -ENOMEM;
	*in = (struct interp){ .t = t, .es = es, .cie = cie, .initial = &cie_st[fde->cie],
			       .s = cie_st[fde->cie], .loc = fde->pc, .end = fde->pc_end,
			       .signal = cie->signal };
	err = run(in, fde->insns, fde->insns_end);
	if (err == -EINVAL) {
		t->stats.fde_bad_cnt++;
		in->s.cfa = CFA_INVALID;
		err = 0;
	}
	if (!err && in->loc < in->end) {
		compile_state(&in->s, in->signal, &row);
		err = add_row(t, in->loc, &row);
	}
	free(in);
	return err;
}

static int compile_all(struct cfi_table *t, const struct cfi_entries *es)
{
	struct unwind_row no_cfi = { .kind = UW_ROW_NO_CFI };
	struct frame_state *cie_st;
	uint64_t covered = 0;
	int err;

	err = cie_states(es, &cie_st);
	if (err)
		return err;
	for (size_t i = 0; i < es->fde_cnt && !err; i++) {
		const struct cfi_fde *f = &es->fdes[i];

		/* overlapping FDEs: the first one rules */
		if (f->pc < covered)
			continue;
		if (covered && f->pc > covered)
			err = add_row(t, covered, &no_cfi);
		if (!err)
			err = compile_fde(t, es, cie_st, f);
		covered = f->pc_end;
		t->stats.fde_cnt++;
	}
	free(cie_st);
	return err ?: add_row(t, covered, &no_cfi);
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
		if (n && !strcmp(n, name) && sh->sh_type != SHT_NOBITS && sh->sh_size)
			return scn;
	}
	return NULL;
}

/* .eh_frame, as libdw's own unwinder prefers it; .debug_frame where it is all there is. */
static int read_cfi(Elf *elf, struct cfi_entries *es, struct cfi_table_stats *st)
{
	GElf_Shdr sh;
	Elf_Scn *scn = find_section(elf, ".eh_frame", &sh);
	bool eh = scn != NULL;
	Elf_Data *d;

	if (!scn)
		scn = find_section(elf, ".debug_frame", &sh);
	if (!scn)
		return -ENOENT;
	if (sh.sh_flags & SHF_COMPRESSED) {
		GElf_Chdr ch;

		/* the size it says it inflates to is checked before anything is inflated */
		if (!gelf_getchdr(scn, &ch))
			return -ENOENT;
		if (ch.ch_size > CFI_MAX_SECTION_SZ)
			return -EFBIG;
		if (elf_compress(scn, 0, 0) < 0 || !gelf_getshdr(scn, &sh))
			return -ENOENT;
	}
	if (sh.sh_size > CFI_MAX_SECTION_SZ)
		return -EFBIG;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf || d->d_size != sh.sh_size)
		return -ENOENT;
	st->cfi_sz = d->d_size;
	return cfi_entries__read(es, d->d_buf, d->d_size, eh ? sh.sh_addr : 0, eh);
}

struct cfi_table *cfi_table__build(Elf *elf)
{
	struct cfi_table *t = calloc(1, sizeof(*t));
	uint64_t start_ns = mono_ns();
	struct cfi_entries es = {};
	int err;

	if (!t)
		return NULL;
	err = read_cfi(elf, &es, &t->stats);
	if (!err && !es.fde_cnt)
		err = -ENOENT;
	if (!err)
		err = compile_all(t, &es);
	t->stats.entry_bad_cnt = es.bad_cnt;
	cfi_entries__free(&es);
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
