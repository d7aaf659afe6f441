// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <netinet/in.h>
#include "server.h"

static int parse(const char *s, bool *loopback)
{
	struct sockaddr_storage addr;

	return server_parse_addr(s, &addr, loopback);
}

/* Numeric addresses only; loopback is 127/8, ::1 and IPv4-mapped 127/8. */
static void test_server_parse_addr(void **state)
{
	bool lo;

	(void)state;
	assert_int_equal(parse("127.0.0.1:6060", &lo), 0);
	assert_true(lo);
	assert_int_equal(parse("127.1.2.3:0", &lo), 0);
	assert_true(lo);
	assert_int_equal(parse("[::1]:6060", &lo), 0);
	assert_true(lo);
	assert_int_equal(parse("[::ffff:127.0.0.1]:80", &lo), 0);
	assert_true(lo);
	assert_int_equal(parse("0.0.0.0:6060", &lo), 0);
	assert_false(lo);
	assert_int_equal(parse("[::]:6060", &lo), 0);
	assert_false(lo);
	assert_int_equal(parse("10.1.2.3:65535", &lo), 0);
	assert_false(lo);
	for (const char *bad[] = { "", ":6060", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
				   "127.0.0.1:-1", "127.0.0.1:80x", "localhost:6060", "::1:6060",
				   "[::1:6060", "[]:1", "1.2.3.4.5:1" },
			 **b = bad;
	     b < bad + sizeof(bad) / sizeof(bad[0]); b++)
		assert_int_equal(parse(*b, &lo), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_parse_addr),
	};

	return cmocka_run_group_tests_name("server", tests, NULL, NULL);
}
