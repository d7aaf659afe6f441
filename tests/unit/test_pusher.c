// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "pusher.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* The container label from the scopes runtimes create; nothing from other cgroups. */
static void test_pusher_container_id(void **state)
{
	const char *named[] = { "/system.slice/docker-" ID64 ".scope",
				"/kubepods.slice/kubepods-pod1.slice/cri-containerd-" ID64 ".scope",
				"/machine.slice/libpod-" ID64 ".scope", "/docker/" ID64 };
	const char *unnamed[] = { "/", "/system.slice/sshd.service", "/docker-" ID64 "0.scope",
				  "/user.slice/docker-123.scope", "", NULL };
	char id[16];

	(void)state;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		assert_true(pusher_container_id(named[i], id, sizeof(id)));
		assert_string_equal(id, "0123456789ab");
	}
	for (size_t i = 0; i < sizeof(unnamed) / sizeof(unnamed[0]); i++)
		assert_false(pusher_container_id(unnamed[i], id, sizeof(id)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pusher_container_id),
	};

	return cmocka_run_group_tests_name("pusher", tests, NULL, NULL);
}
