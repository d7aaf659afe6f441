// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The CFI-to-table compiler on Debian's own libc, libstdc++ and python3: at thousands of pcs,
 * one step of the kernel's walker (unwind_step, over a fake memory) must land where libdw's
 * own rules for that pc, evaluated as DWARF expressions, say the caller's frame is.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <cmocka.h>

/* Memory as a function of the address: never 0, always above the stack pointer used. */
static uint64_t fake_mem(uint64_t addr)
{
	return 0x7fff00000000ULL + ((addr * 0x9e3779b97f4a7c15ULL) >> 40) * 16;
}

#define unwind_read_u64(addr, out) (*(out) = fake_mem(addr), 0)
#include "cfi_table.h"

#define SP 0x7ffe00001000ULL
#define BP 0x7ffe00002000ULL
#define SAMPLES 4000

static const char *const files[] = {
	"/lib/x86_64-linux-gnu/libc.so.6",
	"/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
	"/usr/bin/python3",
};

struct file {
	int fd;
	Elf *elf;
	Dwarf_CFI *cfi;
	struct cfi_table *table;
};

static int open_file(const char *path, struct file *f)
{
	elf_version(EV_CURRENT);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	f->elf = f->fd >= 0 ? elf_begin(f->fd, ELF_C_READ_MMAP, NULL) : NULL;
	f->cfi = f->elf ? dwarf_getcfi_elf(f->elf) : NULL;
	f->table = f->elf ? cfi_table__build(f->elf) : NULL;
	if (!f->table || !f->cfi)
		fail_msg("%s: no table or no CFI", path);
	return 0;
}

static void close_file(struct file *f)
{
	cfi_table__free(f->table);
	dwarf_cfi_end(f->cfi);
	elf_end(f->elf);
	close(f->fd);
}

/* A DWARF expression's value on the stack machine, from the registers of the frame. */
static bool eval(const Dwarf_Op *ops, size_t n, const struct unwind_regs *r, uint64_t cfa,
		 uint64_t *out, bool *is_value)
{
	uint64_t st[16];
	size_t sp = 0;

	*is_value = false;
	for (size_t i = 0; i < n; i++) {
		const Dwarf_Op *op = &ops[i];
		unsigned reg = op->atom == DW_OP_bregx ? (unsigned)op->number : (unsigned)(op->atom - DW_OP_breg0);
		uint64_t off = op->atom == DW_OP_bregx ? op->number2 : op->number;

		if (sp >= 15)
			return false;
		if ((op->atom >= DW_OP_breg0 && op->atom <= DW_OP_breg31) || op->atom == DW_OP_bregx) {
			if (reg != 6 && reg != 7 && reg != 16)
				return false;
			st[sp++] = (reg == 6 ? r->bp : reg == 7 ? r->sp : r->ip) + off;
		} else if (op->atom >= DW_OP_lit0 && op->atom <= DW_OP_lit31) {
			st[sp++] = op->atom - DW_OP_lit0;
		} else if (op->atom == DW_OP_call_frame_cfa) {
			st[sp++] = cfa;
		} else if (op->atom == DW_OP_plus_uconst && sp) {
			st[sp - 1] += op->number;
		} else if (op->atom == DW_OP_deref && sp) {
			st[sp - 1] = fake_mem(st[sp - 1]);
		} else if (op->atom == DW_OP_stack_value) {
			*is_value = true;
		} else if (sp >= 2 && (op->atom == DW_OP_and || op->atom == DW_OP_ge ||
				       op->atom == DW_OP_shl || op->atom == DW_OP_plus)) {
			uint64_t b = st[--sp], a = st[sp - 1];

			st[sp - 1] = op->atom == DW_OP_and ? a & b :
				     op->atom == DW_OP_ge  ? (int64_t)a >= (int64_t)b :
				     op->atom == DW_OP_shl ? a << b : a + b;
		} else {
			return false;
		}
	}
	if (!sp)
		return false;
	*out = st[sp - 1];
	return true;
}

enum rule { R_SAME, R_UNDEFINED, R_KNOWN, R_UNKNOWN };

/* The caller's value of regno by libdw's rule for this frame. */
static enum rule caller_reg(Dwarf_Frame *fr, int regno, const struct unwind_regs *r, uint64_t cfa,
			    __u64 *v)
{
	Dwarf_Op mem[3], *ops;
	bool is_value;
	size_t n;

	if (dwarf_frame_register(fr, regno, mem, &ops, &n))
		return R_UNKNOWN;
	if (!n)
		return ops ? R_UNDEFINED : R_SAME;
	if (!eval(ops, n, r, cfa, (uint64_t *)v, &is_value))
		return R_UNKNOWN;
	if (!is_value)
		*v = fake_mem(*v);
	return R_KNOWN;
}

struct tally {
	size_t checked, no_cfi, ended, unsupported;
};

/* One pc: the table's step against libdw's rules. */
static void check_pc(struct file *f, uint64_t pc, struct tally *t)
{
	const struct unwind_regs frame = { .ip = pc, .sp = SP, .bp = BP };
	struct unwind_regs want = frame, got = frame;
	const struct unwind_row *row = cfi_table__lookup(f->table, pc);
	enum rule ra, rbp;
	Dwarf_Frame *fr;
	Dwarf_Op *ops;
	bool is_value, exact;
	uint64_t cfa;
	size_t n;
	int res;

	if (dwarf_cfi_addrframe(f->cfi, pc, &fr)) {
		/* no FDE: the frame pointer takes over */
		assert_true(!row || row->kind == UW_ROW_NO_CFI);
		t->no_cfi++;
		return;
	}
	assert_non_null(row);
	if (row->kind == UW_ROW_UNSUPPORTED) {
		t->unsupported++;
		free(fr);
		return;
	}
	assert_int_equal(dwarf_frame_cfa(fr, &ops, &n), 0);
	assert_true(eval(ops, n, &frame, 0, &cfa, &is_value));
	ra = caller_reg(fr, 16, &frame, cfa, &want.ip);
	rbp = caller_reg(fr, 6, &frame, cfa, &want.bp);
	free(fr);
	res = unwind_step(row, &got, &exact);
	if (ra == R_UNDEFINED) {
		assert_int_equal(res, UW_STEP_END);
		t->ended++;
		return;
	}
	assert_int_equal(ra, R_KNOWN);
	assert_true(rbp != R_UNKNOWN);
	want.sp = cfa;
	if (res != UW_STEP_OK || got.ip != want.ip || got.sp != want.sp || got.bp != want.bp)
		fail_msg("pc 0x%llx (row kind %d at 0x%x): step %d to ip %llx sp %llx bp %llx, libdw says "
			 "ip %llx sp %llx bp %llx", (unsigned long long)pc, row->kind, row->pc, res,
			 (unsigned long long)got.ip, (unsigned long long)got.sp,
			 (unsigned long long)got.bp, (unsigned long long)want.ip,
			 (unsigned long long)want.sp, (unsigned long long)want.bp);
	t->checked++;
}

/* Pcs spread over the whole table, and every row's first pc and the one before it. */
static void check_file(const char *path)
{
	struct cfi_table_stats st;
	const struct unwind_row *rows;
	struct tally t = {};
	struct file f;
	size_t cnt;
	uint64_t lo, hi;

	open_file(path, &f);
	rows = cfi_table__rows(f.table, &cnt);
	assert_true(cnt > 1000);
	lo = rows[0].pc;
	hi = rows[cnt - 1].pc;
	for (size_t i = 0; i < SAMPLES; i++)
		check_pc(&f, lo + (hi - lo) * i / SAMPLES + i % 7, &t);
	for (size_t i = 1; i < cnt; i += cnt / SAMPLES + 1) {
		check_pc(&f, rows[i].pc, &t);
		check_pc(&f, rows[i].pc - 1, &t);
	}
	cfi_table__stats(f.table, &st);
	print_message("%s: %zu rows (%zu KiB) from %zu FDEs in %.1f ms; %zu pcs checked, %zu without "
		      "CFI, %zu outermost, %zu unsupported\n", path, st.row_cnt, st.mem_sz / 1024,
		      st.fde_cnt, st.build_ns / 1e6, t.checked, t.no_cfi, t.ended, t.unsupported);
	assert_true(t.checked > SAMPLES);
	/* the rules the walker does not follow are rare */
	assert_true(t.unsupported * 200 < t.checked);
	close_file(&f);
}

static void test_cfi_table_libc(void **state)
{
	(void)state;
	check_file(files[0]);
}

static void test_cfi_table_libstdcxx(void **state)
{
	(void)state;
	check_file(files[1]);
}

static void test_cfi_table_python3(void **state)
{
	(void)state;
	check_file(files[2]);
}

/* The special rows: libc's PLT stubs and its signal trampoline, at the ucontext's offsets. */
static void test_cfi_table_libc_special_rows(void **state)
{
	const size_t greg = offsetof(ucontext_t, uc_mcontext.gregs);
	const struct unwind_row *rows;
	size_t cnt, plt = 0, sig = 0;
	struct file f;

	(void)state;
	open_file(files[0], &f);
	rows = cfi_table__rows(f.table, &cnt);
	for (size_t i = 0; i < cnt; i++) {
		if (rows[i].kind == UW_ROW_PLT) {
			plt++;
			assert_int_equal(rows[i].cfa_off, 8);
			assert_in_range(rows[i].plt_min, 10, 11);
		} else if (rows[i].kind == UW_ROW_SIGNAL) {
			sig++;
			assert_int_equal(rows[i].cfa_off, greg + REG_RSP * 8);
			assert_int_equal(rows[i].rbp_off, greg + REG_RBP * 8);
			assert_int_equal(rows[i].ra_off, greg + REG_RIP * 8);
		}
	}
	assert_true(plt >= 1);
	assert_int_equal(sig, 1); /* __restore_rt */
	close_file(&f);
}

/* python3's entry point, _start, is the outermost frame: its row ends the stack, complete. */
static void test_cfi_table_python3_start_ends(void **state)
{
	const struct unwind_row *row;
	GElf_Ehdr eh;
	struct file f;

	(void)state;
	open_file(files[2], &f);
	assert_non_null(gelf_getehdr(f.elf, &eh));
	row = cfi_table__lookup(f.table, eh.e_entry);
	assert_non_null(row);
	assert_int_equal(row->kind, UW_ROW_END);
	close_file(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfi_table_libc),
		cmocka_unit_test(test_cfi_table_libstdcxx),
		cmocka_unit_test(test_cfi_table_python3),
		cmocka_unit_test(test_cfi_table_libc_special_rows),
		cmocka_unit_test(test_cfi_table_python3_start_ends),
	};

	return cmocka_run_group_tests_name("unwind_table", tests, NULL, NULL);
}
