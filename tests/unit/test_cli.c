// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "cli.h"

#define PARSE(opts, ...)                                                                  \
	({                                                                                \
		char *argv_[] = { "memsnoop", __VA_ARGS__, NULL };                        \
		cli_parse(sizeof(argv_) / sizeof(argv_[0]) - 1, argv_, (opts));          \
	})

static void test_cli_defaults(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "42"), CLI_RUN);
	assert_int_equal(o.pid_cnt, 1);
	assert_int_equal(o.pids[0], 42);
	assert_int_equal(o.rate, 512 * 1024);
	assert_int_equal(o.value, VALUE_INUSE_SPACE);
	assert_int_equal(o.top_n, 10);
	assert_null(o.output_prefix);
	assert_true(o.duration_s == 0);
}

static void test_cli_every_option(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--pid", "1,2,3", "-r", "64K", "-d", "1.5", "-o", "out",
			       "--value", "alloc_objects", "-n", "3", "-vv"),
			 CLI_RUN);
	assert_int_equal(o.pid_cnt, 3);
	assert_int_equal(o.pids[2], 3);
	assert_int_equal(o.rate, 65536);
	assert_true(o.duration_s == 1.5);
	assert_string_equal(o.output_prefix, "out");
	assert_int_equal(o.value, VALUE_ALLOC_OBJECTS);
	assert_int_equal(o.top_n, 3);
	assert_int_equal(o.verbosity, 2);
	assert_int_equal(PARSE(&o, "-p", "7", "-r", "1"), CLI_RUN);
	assert_int_equal(o.rate, 1);
}

static void test_cli_refuses_bad_input(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "abc"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "12,"), 0 /* a trailing comma adds nothing */);
	assert_int_equal(PARSE(&o, "-p", "1,,2"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "-5"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "-r", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "-r", "12Q"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "-r", "-1"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "-d", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "-d", "x"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--value", "bytes"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "-n", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--bogus"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "extra"), -EINVAL);
	assert_int_equal(PARSE(&o, "-r", "1"), -EINVAL); /* no target */
	assert_int_equal(PARSE(&o, "-p", "1", "--", "ls"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--fail-on-leak", "1M"), -EINVAL);
	assert_int_equal(PARSE(&o, "--fail-on-leak", "lots", "--", "ls"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p"), -EINVAL);
}

static void test_cli_alloc_only_and_uprobe_mode(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "1", "--alloc-only"), CLI_RUN);
	assert_true(o.alloc_only);
	assert_int_equal(o.value, VALUE_ALLOC_SPACE); /* the mode's default */
	assert_int_equal(o.uprobe_mode, UPROBE_MODE_AUTO);
	assert_int_equal(PARSE(&o, "-p", "1", "--alloc-only", "--value", "alloc_objects"), CLI_RUN);
	assert_int_equal(o.value, VALUE_ALLOC_OBJECTS);
	assert_int_equal(PARSE(&o, "-p", "1", "--alloc-only", "--value", "inuse_space"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--uprobe-mode", "classic"), CLI_RUN);
	assert_int_equal(o.uprobe_mode, UPROBE_MODE_CLASSIC);
	assert_int_equal(PARSE(&o, "-p", "1", "--uprobe-mode", "session"), CLI_RUN);
	assert_int_equal(o.uprobe_mode, UPROBE_MODE_SESSION);
	assert_int_equal(PARSE(&o, "-p", "1", "--uprobe-mode", "fast"), -EINVAL);
}

static void test_cli_unwind_and_stack_bytes(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "1"), CLI_RUN);
	assert_int_equal(o.unwind, UNWIND_DWARF); /* in the kernel by default */
	assert_int_equal(o.stack_bytes, 16384);
	assert_int_equal(PARSE(&o, "-p", "1", "--unwind", "fp", "--stack-bytes", "4K"), CLI_RUN);
	assert_int_equal(o.unwind, UNWIND_FP);
	assert_int_equal(o.stack_bytes, 4096);
	assert_int_equal(PARSE(&o, "-p", "1", "--unwind", "dwarf-copy"), CLI_RUN);
	assert_int_equal(o.unwind, UNWIND_DWARF_COPY);
	assert_int_equal(PARSE(&o, "-p", "1", "--stack-bytes", "5000"), CLI_RUN);
	assert_int_equal(o.stack_bytes, 5120); /* whole chunks */
	assert_int_equal(PARSE(&o, "-p", "1", "--stack-bytes", "64K"), CLI_RUN);
	assert_int_equal(PARSE(&o, "-p", "1", "--stack-bytes", "65K"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--stack-bytes", "512"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--unwind", "lbr"), -EINVAL);
}

static void test_cli_command(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-r", "1", "--fail-on-leak", "1M", "--follow-forks", "--", "ls",
			       "-l", "-r"),
			 CLI_RUN);
	assert_string_equal(o.command[0], "ls");
	assert_string_equal(o.command[1], "-l");
	assert_string_equal(o.command[2], "-r"); /* the command's own flags */
	assert_null(o.command[3]);
	assert_int_equal(o.rate, 1);
	assert_true(o.has_fail_on_leak);
	assert_int_equal(o.fail_on_leak, 1 << 20);
	assert_true(o.follow_forks);
	assert_int_equal(o.pid_cnt, 0);
}

static void test_cli_command_user(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--user", "nobody", "--", "id"), CLI_RUN);
	assert_string_equal(o.run_as_user, "nobody");
	assert_false(o.as_root);
	assert_int_equal(PARSE(&o, "--as-root", "--", "id"), CLI_RUN);
	assert_true(o.as_root);
	assert_int_equal(PARSE(&o, "--as-root", "--user", "nobody", "--", "id"), -EINVAL);
	assert_int_equal(PARSE(&o, "--user", "nobody", "-p", "1"), -EINVAL);
	assert_int_equal(PARSE(&o, "--as-root", "-p", "1"), -EINVAL);
}

/* On where a gate or an exact leak report would pass on incomplete data; off elsewhere. */
static void test_cli_fail_on_loss_defaults(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "1"), CLI_RUN);
	assert_int_equal(o.fail_on_loss, CLI_OFF);
	assert_int_equal(PARSE(&o, "-p", "1", "-r", "1"), CLI_RUN);
	assert_int_equal(o.fail_on_loss, CLI_OFF);
	assert_int_equal(PARSE(&o, "-p", "1", "--fail-on-loss"), CLI_RUN);
	assert_int_equal(o.fail_on_loss, CLI_ON);
	assert_int_equal(PARSE(&o, "--", "ls"), CLI_RUN);
	assert_int_equal(o.fail_on_loss, CLI_OFF);
	assert_int_equal(PARSE(&o, "-r", "1", "--", "ls"), CLI_RUN);
	assert_int_equal(o.fail_on_loss, CLI_ON);
	assert_int_equal(PARSE(&o, "--fail-on-leak", "0", "--", "ls"), CLI_RUN);
	assert_int_equal(o.fail_on_loss, CLI_ON);
	assert_int_equal(PARSE(&o, "-r", "1", "--no-fail-on-loss", "--", "ls"), CLI_RUN);
	assert_int_equal(o.fail_on_loss, CLI_OFF);
}

/* A leak gate on a launched command is exact unless a rate is asked for. */
static void test_cli_leak_gate_exact_unless_rate_given(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--fail-on-leak", "1M", "--", "ls"), CLI_RUN);
	assert_int_equal(o.rate, 1);
	assert_int_equal(PARSE(&o, "-r", "64K", "--fail-on-leak", "1M", "--", "ls"), CLI_RUN);
	assert_int_equal(o.rate, 64 * 1024);
	assert_int_equal(PARSE(&o, "--", "ls"), CLI_RUN);
	assert_int_equal(o.rate, CLI_DEFAULT_RATE);
}

static void test_cli_duplicate_pids_merged(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "7,8,7", "-p", "8"), CLI_RUN);
	assert_int_equal(o.pid_cnt, 2);
	assert_int_equal(o.pids[0], 7);
	assert_int_equal(o.pids[1], 8);
}

/* Every keyword option maps each of its words to its value and refuses the rest. */
static void test_cli_keywords_map_to_their_values(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-p", "1", "--group-by", "pid"), CLI_RUN);
	assert_int_equal(o.group_by, GROUP_BY_PID);
	assert_int_equal(PARSE(&o, "-p", "1", "--group-by", "exe"), CLI_RUN);
	assert_int_equal(o.group_by, GROUP_BY_EXE);
	assert_int_equal(PARSE(&o, "-p", "1", "--group-by", "cgroup"), CLI_RUN);
	assert_int_equal(o.group_by, GROUP_BY_CGROUP);
	assert_int_equal(PARSE(&o, "-p", "1", "--group-by", "none"), CLI_RUN);
	assert_int_equal(o.group_by, GROUP_BY_NONE);
	/* the default has no word of its own */
	assert_int_equal(PARSE(&o, "-p", "1", "--group-by", ""), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--group-by", "PID"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--push", "http://x", "--push-format", "parca"),
			 CLI_RUN);
	assert_int_equal(o.push_format, PUSH_PARCA);
	assert_int_equal(PARSE(&o, "-p", "1", "--push", "http://x", "--push-format", "pyroscope"),
			 CLI_RUN);
	assert_int_equal(o.push_format, PUSH_PYROSCOPE);
	assert_int_equal(PARSE(&o, "-p", "1", "--push-format", "parc"), -EINVAL);
	assert_int_equal(PARSE(&o, "-p", "1", "--value", "inuse_objects"), CLI_RUN);
	assert_int_equal(o.value, VALUE_INUSE_OBJECTS);
	assert_int_equal(PARSE(&o, "-p", "1", "--value", "inuse_space "), -EINVAL);
}

static void test_cli_help(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--help"), CLI_EXIT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_defaults),
		cmocka_unit_test(test_cli_every_option),
		cmocka_unit_test(test_cli_refuses_bad_input),
		cmocka_unit_test(test_cli_alloc_only_and_uprobe_mode),
		cmocka_unit_test(test_cli_unwind_and_stack_bytes),
		cmocka_unit_test(test_cli_command),
		cmocka_unit_test(test_cli_command_user),
		cmocka_unit_test(test_cli_fail_on_loss_defaults),
		cmocka_unit_test(test_cli_duplicate_pids_merged),
		cmocka_unit_test(test_cli_keywords_map_to_their_values),
		cmocka_unit_test(test_cli_leak_gate_exact_unless_rate_given),
		cmocka_unit_test(test_cli_help),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
