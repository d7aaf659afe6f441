// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include "procmaps.h"

static const char maps_text[] =
	"55d4c2a00000-55d4c2a01000 r--p 00000000 fe:01 1311 /usr/bin/my prog\n"
	"55d4c2a01000-55d4c2a02000 r-xp 00001000 fe:01 1311 /usr/bin/my prog\n"
	"55d4c3e5c000-55d4c3e7d000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0 \n"
	"7f3a1d228000-7f3a1d3bd000 r-xp 00028000 fe:01 2101 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f3a1d600000-7f3a1d601000 r-xp 00000000 fe:01 77 /tmp/old.so (deleted)\n"
	"7ffd8b5e2000-7ffd8b5e4000 r-xp 00000000 00:00 0                          [vdso]\n";

static int parse_text(const char *text, struct procmaps *pm)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err = procmaps__parse(f, pm);

	fclose(f);
	return err;
}

static void test_parse_fields(void **state)
{
	struct procmaps pm;

	(void)state;
	assert_int_equal(parse_text(maps_text, &pm), 0);
	assert_int_equal(pm.cnt, 7);
	assert_true(pm.maps[1].start == 0x55d4c2a01000ULL);
	assert_true(pm.maps[1].end == 0x55d4c2a02000ULL);
	assert_true(pm.maps[1].offset == 0x1000);
	assert_true(pm.maps[1].dev == makedev(0xfe, 0x01));
	assert_true(pm.maps[1].inode == 1311);
	assert_true(pm.maps[1].exec);
	assert_false(pm.maps[0].exec);
	assert_string_equal(pm.maps[1].path, "/usr/bin/my prog"); /* spaces kept */
	assert_string_equal(pm.maps[2].path, "[heap]");
	assert_string_equal(pm.maps[3].path, "");
	assert_string_equal(pm.maps[5].path, "/tmp/old.so (deleted)");
	assert_true(mapping_is_file(&pm.maps[4]));
	assert_false(mapping_is_file(&pm.maps[2]));
	assert_false(mapping_is_file(&pm.maps[3]));
	assert_false(mapping_is_file(&pm.maps[6]));
	procmaps__clear(&pm);
}

static void test_find_by_address(void **state)
{
	struct procmaps pm;

	(void)state;
	assert_int_equal(parse_text(maps_text, &pm), 0);
	assert_ptr_equal(procmaps__find(&pm, 0x7f3a1d228000ULL), &pm.maps[4]);
	assert_ptr_equal(procmaps__find(&pm, 0x7f3a1d3bcfffULL), &pm.maps[4]);
	assert_null(procmaps__find(&pm, 0x7f3a1d3bd000ULL));
	assert_null(procmaps__find(&pm, 0x1000));
	assert_ptr_equal(procmaps__find(&pm, 0x55d4c2a00000ULL), &pm.maps[0]);
	assert_ptr_equal(procmaps__find(&pm, 0x7ffd8b5e3fffULL), &pm.maps[6]);
	procmaps__clear(&pm);
}

static void test_malformed_line_refused(void **state)
{
	struct procmaps pm;

	(void)state;
	assert_int_equal(parse_text("55d4c2a00000-55d4c2a01000 r--p zz fe:01 1311 /bin/x\n", &pm),
			 -EINVAL);
	assert_int_equal(pm.cnt, 0);
}

static void test_read_self(void **state)
{
	struct procmaps pm;

	(void)state;
	assert_int_equal(procmaps__read(getpid(), &pm), 0);
	assert_non_null(procmaps__find(&pm, (uint64_t)(uintptr_t)&test_read_self));
	procmaps__clear(&pm);
	assert_int_equal(procmaps__read(0x3ffffff0, &pm), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_find_by_address),
		cmocka_unit_test(test_malformed_line_refused),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests_name("procmaps", tests, NULL, NULL);
}
