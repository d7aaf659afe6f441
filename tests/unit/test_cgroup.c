// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Where the cgroup v2 hierarchy is and which cgroup a process is in, from the kernel's own
 * text: a hybrid host (v2 at /sys/fs/cgroup/unified, as Debian's machines here) and a pure
 * v2 one. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "cgroup.h"

#define HYBRID_MOUNTINFO                                                                        \
	"25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"            \
	"31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"   \
	"32 31 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 " \
	"cgroup2 rw,nsdelegate\n"                                                                   \
	"33 31 0:28 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory\n"

#define PURE_V2_MOUNTINFO                                                                      \
	"24 29 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"           \
	"30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 " \
	"rw,nsdelegate,memory_recursiveprot\n"

static int mount_of(const char *text, char *buf, size_t sz)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int err = cgroup_v2_mount_in(f, buf, sz);

	fclose(f);
	return err;
}

static void test_cgroup_v2_mount_on_hybrid_and_pure_hosts(void **state)
{
	char mnt[256];

	(void)state;
	assert_int_equal(mount_of(HYBRID_MOUNTINFO, mnt, sizeof(mnt)), 0);
	assert_string_equal(mnt, "/sys/fs/cgroup/unified");
	assert_int_equal(mount_of(PURE_V2_MOUNTINFO, mnt, sizeof(mnt)), 0);
	assert_string_equal(mnt, "/sys/fs/cgroup");
	assert_int_equal(mount_of("33 31 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw\n", mnt,
				  sizeof(mnt)),
			 -ENOENT);
}

static void test_cgroup_of_pid_reads_the_v2_line(void **state)
{
	static const char hybrid[] = "12:memory:/user.slice\n1:name=systemd:/user.slice/s.scope\n"
				     "0::/user.slice/s.scope\n";
	FILE *f = fmemopen((void *)hybrid, sizeof(hybrid) - 1, "r");
	char buf[256];

	(void)state;
	assert_int_equal(cgroup_of_pid_in(f, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/user.slice/s.scope");
	fclose(f);
	f = fmemopen((void *)"3:cpu:/\n", 8, "r");
	assert_int_equal(cgroup_of_pid_in(f, buf, sizeof(buf)), -ENOENT);
	fclose(f);
}

static void test_cgroup_target_holds_its_subtree_only(void **state)
{
	struct cgroup_target t = { .name = (char *)"/test/app" };
	struct cgroup_target root = { .name = (char *)"/" };

	(void)state;
	assert_true(cgroup_target__holds(&t, "/test/app"));
	assert_true(cgroup_target__holds(&t, "/test/app/worker"));
	assert_false(cgroup_target__holds(&t, "/test/application"));
	assert_false(cgroup_target__holds(&t, "/test"));
	assert_true(cgroup_target__holds(&root, "/anything"));
}

/* This process's cgroup v2 directory exists (every process has one where v2 is mounted). */
static void test_cgroup_own_directory_exists(void **state)
{
	char mnt[4096], name[4096], dir[8192];

	(void)state;
	if (cgroup_v2_mount(mnt, sizeof(mnt)) == -ENOENT)
		skip(); /* no cgroup v2 hierarchy mounted here */
	assert_int_equal(cgroup_of_pid(getpid(), name, sizeof(name)), 0);
	snprintf(dir, sizeof(dir), "%s%s", mnt, name);
	assert_int_equal(access(dir, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_v2_mount_on_hybrid_and_pure_hosts),
		cmocka_unit_test(test_cgroup_of_pid_reads_the_v2_line),
		cmocka_unit_test(test_cgroup_target_holds_its_subtree_only),
		cmocka_unit_test(test_cgroup_own_directory_exists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
