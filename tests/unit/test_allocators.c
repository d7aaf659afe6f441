// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Which entry points of Debian's real allocator files are probed, and which count into
 * another (scripts/install-deps.sh installs the files; a missing one skips its test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "allocators.h"

#define LIBDIR "/usr/lib/x86_64-linux-gnu/"

static const struct alloc_entry *entry(const struct alloc_object *obj, const char *symbol)
{
	for (size_t i = 0; i < obj->entry_cnt; i++)
		if (!strcmp(obj->entries[i].symbol, symbol))
			return &obj->entries[i];
	fail_msg("%s not found", symbol);
	return NULL;
}

/* Reads a library by its real name: memsnoop never follows a final symlink of a target's. */
static void read_or_skip(const char *path, struct alloc_object *obj)
{
	char *real = realpath(path, NULL);

	if (!real)
		skip();
	assert_int_equal(alloc_object__read_elf(real, obj), 0);
	assert_true(obj->entry_cnt > 0);
	free(real);
}

/* glibc: aliases share a probe; realloc forwards to malloc (realloc(NULL, n)) */
static void test_allocators_glibc(void **state)
{
	struct alloc_object obj;

	(void)state;
	read_or_skip(LIBDIR "libc.so.6", &obj);
	assert_int_equal(obj.family, FAMILY_GLIBC);
	assert_int_equal(entry(&obj, "malloc")->role, ENTRY_PROBED);
	assert_false(entry(&obj, "malloc")->forwards);
	assert_int_equal(entry(&obj, "__libc_malloc")->role, ENTRY_ALIAS);
	assert_int_equal(entry(&obj, "memalign")->role, ENTRY_ALIAS);
	assert_true(entry(&obj, "realloc")->forwards);
	/* free's probe sits past its single-stepped test %rdi,%rdi */
	assert_int_equal(entry(&obj, "free")->probe_offset, 3);
	alloc_object__clear(&obj);
}

/* libstdc++ defines no malloc: its operators forward, and are left to malloc and free */
static void test_allocators_libstdcxx_operators_not_probed(void **state)
{
	struct alloc_object obj;

	(void)state;
	read_or_skip(LIBDIR "libstdc++.so.6", &obj);
	assert_int_equal(entry(&obj, "_Znwm")->role, ENTRY_FORWARDED);
	assert_int_equal(entry(&obj, "_ZnwmSt11align_val_t")->role, ENTRY_FORWARDED);
	assert_int_equal(entry(&obj, "_ZdlPv")->role, ENTRY_ELSEWHERE);
	for (size_t i = 0; i < obj.entry_cnt; i++)
		assert_int_not_equal(obj.entries[i].role, ENTRY_PROBED);
	alloc_object__clear(&obj);
}

/* jemalloc: new[] jumps to new, delete jumps to free@plt, the aligned sized delete calls
 * sdallocx */
static void test_allocators_jemalloc(void **state)
{
	struct alloc_object obj;
	const struct alloc_entry *e;

	(void)state;
	read_or_skip(LIBDIR "libjemalloc.so.2", &obj);
	assert_int_equal(obj.family, FAMILY_JEMALLOC);
	assert_int_equal(entry(&obj, "_Znwm")->role, ENTRY_PROBED);
	e = entry(&obj, "_Znam");
	assert_int_equal(e->role, ENTRY_ALIAS);
	assert_string_equal(obj.entries[e->alias_of].symbol, "_Znwm");
	e = entry(&obj, "_ZdlPv");
	assert_int_equal(e->role, ENTRY_ALIAS);
	assert_string_equal(obj.entries[e->alias_of].symbol, "free");
	assert_int_equal(entry(&obj, "_ZdlPvmSt11align_val_t")->role, ENTRY_FORWARDED);
	assert_int_equal(entry(&obj, "mallocx")->role, ENTRY_PROBED);
	alloc_object__clear(&obj);
}

/* tcmalloc: one address, several names: one probe under the lowest row */
static void test_allocators_tcmalloc_aliases(void **state)
{
	struct alloc_object obj;
	const struct alloc_entry *e;

	(void)state;
	read_or_skip(LIBDIR "libtcmalloc_minimal.so.4", &obj);
	assert_int_equal(obj.family, FAMILY_TCMALLOC);
	assert_int_equal(entry(&obj, "malloc")->role, ENTRY_PROBED);
	e = entry(&obj, "tc_malloc");
	assert_int_equal(e->role, ENTRY_ALIAS);
	assert_string_equal(obj.entries[e->alias_of].symbol, "malloc");
	e = entry(&obj, "_ZdlPv");
	assert_int_equal(e->role, ENTRY_ALIAS);
	assert_string_equal(obj.entries[e->alias_of].symbol, "free");
	alloc_object__clear(&obj);
}

/* mimalloc: valloc is `jmp mi_valloc@plt`, an entry of the same object */
static void test_allocators_mimalloc_plt_stub(void **state)
{
	struct alloc_object obj;
	const struct alloc_entry *e;

	(void)state;
	read_or_skip(LIBDIR "libmimalloc.so.2", &obj);
	assert_int_equal(obj.family, FAMILY_MIMALLOC);
	e = entry(&obj, "valloc");
	assert_int_equal(e->role, ENTRY_ALIAS);
	assert_string_equal(obj.entries[e->alias_of].symbol, "mi_valloc");
	alloc_object__clear(&obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allocators_glibc),
		cmocka_unit_test(test_allocators_libstdcxx_operators_not_probed),
		cmocka_unit_test(test_allocators_jemalloc),
		cmocka_unit_test(test_allocators_tcmalloc_aliases),
		cmocka_unit_test(test_allocators_mimalloc_plt_stub),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
