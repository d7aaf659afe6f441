// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The ELF fuzz harness, built without libFuzzer: every crasher it ever found replayed, and a
 * few malformed files checked by hand. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "../fuzz/fuzz_elf.c"
#include "replay.h"

#define CRASHERS_DIR "tests/fuzz/crashers_elf/"

/* Every input the fuzzer ever crashed on is handled now. */
static void test_fuzz_elf_crashers_replayed(void **state)
{
	(void)state;
	replay_bytes_dir(CRASHERS_DIR, fuzz_elf_one);
}

static void test_fuzz_elf_malformed_refused(void **state)
{
	struct alloc_object obj;
	/* an ELF header cut short, then garbage past a valid magic */
	static const uint8_t cut[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	uint8_t junk[4096] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	char path[] = "/tmp/test_fuzz_elf.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 7; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131);
	assert_int_equal(write(fd, cut, sizeof(cut)), sizeof(cut));
	assert_int_equal(alloc_object__read_elf(path, &obj), -ENOEXEC);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), 0), sizeof(junk));
	fuzz_elf_file(path);
	close(fd);
	unlink(path);
	fuzz_elf_one(junk, sizeof(junk));
	fuzz_elf_one(cut, sizeof(cut));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_elf_crashers_replayed),
		cmocka_unit_test(test_fuzz_elf_malformed_refused),
	};

	return cmocka_run_group_tests_name("fuzz_elf", tests, NULL, NULL);
}
