// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "tmpdir.h"
#include "targetfile.h"

struct fixture {
	char dir[64];
	char file[128], link[128], fifo[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int fd;

	if (tmpdir_make(f->dir, "test_targetfile"))
		return -1;
	snprintf(f->file, sizeof(f->file), "%s/lib.so", f->dir);
	snprintf(f->link, sizeof(f->link), "%s/lib.so (deleted)", f->dir);
	snprintf(f->fifo, sizeof(f->fifo), "%s/fifo", f->dir);
	fd = open(f->file, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) || symlink(f->file, f->link) ||
	    mkfifo(f->fifo, 0644))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int err = tmpdir_remove(f->dir);

	free(f);
	return err;
}

static void test_targetfile_regular_file_opened(void **state)
{
	struct fixture *f = *state;
	struct stat st;
	int fd;

	assert_int_equal(stat(f->file, &st), 0);
	fd = target_file_open(f->file, true, st.st_dev, st.st_ino);
	assert_true(fd >= 0);
	close(fd);
	fd = target_file_open(f->file, true, 0, 0); /* no identity to check */
	assert_true(fd >= 0);
	close(fd);
}

static void test_targetfile_final_symlink_refused(void **state)
{
	struct fixture *f = *state;
	int fd;

	assert_int_equal(target_file_open(f->link, true, 0, 0), -ELOOP);
	fd = target_file_open(f->link, false, 0, 0); /* followed when asked */
	assert_true(fd >= 0);
	close(fd);
}

static void test_targetfile_fifo_refused_without_blocking(void **state)
{
	struct fixture *f = *state;

	/* a blocking open of a FIFO with no writer would never return */
	assert_int_equal(target_file_open(f->fifo, true, 0, 0), -EINVAL);
	assert_int_equal(target_file_open("/tmp", false, 0, 0), -EINVAL);
}

static void test_targetfile_other_inode_refused(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(stat(f->file, &st), 0);
	assert_int_equal(target_file_open(f->file, true, st.st_dev, st.st_ino + 1), -ESTALE);
	assert_int_equal(target_file_open(f->file, true, st.st_dev + 1, st.st_ino), -ESTALE);
}

static void test_targetfile_debug_path_of_build_id(void **state)
{
	static const unsigned char id[] = { 0xab, 0x01, 0xfe, 0x00, 0x7f };
	char path[64];

	(void)state;
	assert_int_equal(target_debug_path_of_build_id(id, sizeof(id), path, sizeof(path)), 0);
	assert_string_equal(path, "/usr/lib/debug/.build-id/ab/01fe007f.debug");
	assert_int_equal(target_debug_path_of_build_id(id, 1, path, sizeof(path)), -EINVAL);
	/* one byte short of the NUL: refused, never a cut name */
	assert_int_equal(target_debug_path_of_build_id(id, sizeof(id), path, strlen(path)),
			 -ENAMETOOLONG);
	assert_int_equal(target_debug_path_of_build_id(id, sizeof(id), path, 20), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_targetfile_regular_file_opened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targetfile_final_symlink_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targetfile_fifo_refused_without_blocking, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_targetfile_other_inode_refused, setup, teardown),
		cmocka_unit_test(test_targetfile_debug_path_of_build_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
