/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * For tests/targets/big_cfi.c: 2 x 75,000 functions of 9 CFA changes each, around the one
 * the program calls, so that the file's CFI compiles to more rows (~1.35 million) than the
 * kernel's whole unwind table held before tables were per file (1 Mi rows). big_cfi_call has
 * no frame pointer: only its CFI gets a walk past it.
 */
	.text
	.macro filler
	.rept 75000
	.cfi_startproc
	push %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	push %rbx
	.cfi_def_cfa_offset 24
	push %r12
	.cfi_def_cfa_offset 32
	push %r13
	.cfi_def_cfa_offset 40
	pop %r13
	.cfi_def_cfa_offset 32
	pop %r12
	.cfi_def_cfa_offset 24
	pop %rbx
	.cfi_def_cfa_offset 16
	pop %rbp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.endr
	.endm

	filler

	/* void big_cfi_call(void (*fn)(void)): calls fn from a frame of its own */
	.globl big_cfi_call
	.type big_cfi_call, @function
big_cfi_call:
	.cfi_startproc
	push %rbx
	.cfi_def_cfa_offset 16
	.cfi_offset %rbx, -16
	sub $16, %rsp
	.cfi_def_cfa_offset 32
	call *%rdi
	add $16, %rsp
	.cfi_def_cfa_offset 16
	pop %rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size big_cfi_call, . - big_cfi_call

	filler

	.section .note.GNU-stack, "", @progbits
