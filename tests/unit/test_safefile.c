// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
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
#include "safefile.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (tmpdir_make(f->dir, "test_safefile"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/out", f->dir);
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

static void read_file(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sz - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_safefile_commit_replaces_whole(void **state)
{
	struct fixture *f = *state;
	struct safefile *sf;
	char buf[64];

	write_file(f->path, "old\n");
	sf = safefile__open(f->path, NULL);
	assert_non_null(sf);
	fputs("new\n", safefile__file(sf));
	read_file(f->path, buf, sizeof(buf));
	assert_string_equal(buf, "old\n"); /* a reader never sees half a file */
	assert_int_equal(entries(f->dir), 2);
	assert_int_equal(safefile__commit(sf), 0);
	read_file(f->path, buf, sizeof(buf));
	assert_string_equal(buf, "new\n");
	assert_int_equal(entries(f->dir), 1);
}

static void test_safefile_abort_keeps_previous(void **state)
{
	struct fixture *f = *state;
	struct safefile *sf;
	char buf[64];

	write_file(f->path, "old\n");
	sf = safefile__open(f->path, NULL);
	assert_non_null(sf);
	fputs("half", safefile__file(sf));
	safefile__abort(sf);
	safefile__abort(NULL);
	read_file(f->path, buf, sizeof(buf));
	assert_string_equal(buf, "old\n");
	assert_int_equal(entries(f->dir), 1);
}

static void test_safefile_symlink_replaced_not_followed(void **state)
{
	struct fixture *f = *state;
	char victim[160], buf[64];
	struct safefile *sf;
	struct stat st;

	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	write_file(victim, "precious\n");
	assert_int_equal(symlink(victim, f->path), 0);
	sf = safefile__open(f->path, NULL);
	assert_non_null(sf);
	fputs("new\n", safefile__file(sf));
	assert_int_equal(safefile__commit(sf), 0);
	read_file(victim, buf, sizeof(buf));
	assert_string_equal(buf, "precious\n");
	assert_int_equal(lstat(f->path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0644);
}

static void test_safefile_check_refuses_directories(void **state)
{
	struct fixture *f = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/", f->dir);
	assert_int_equal(safefile__check(path), -EISDIR);
	snprintf(path, sizeof(path), "%s/..", f->dir);
	assert_int_equal(safefile__check(path), -EISDIR);
	snprintf(path, sizeof(path), "%s/nodir/out", f->dir);
	assert_int_equal(safefile__check(path), -ENOENT);
	assert_int_equal(safefile__check(f->path), 0);
	assert_int_equal(entries(f->dir), 0); /* checked, nothing created */
}

static void test_safefile_open_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	char path[160];

	snprintf(path, sizeof(path), "%s/nodir/out", f->dir);
	assert_null(safefile__open(path, NULL));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_safefile_commit_replaces_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_abort_keeps_previous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_safefile_symlink_replaced_not_followed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_safefile_check_refuses_directories, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_safefile_open_fails_cleanly, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
