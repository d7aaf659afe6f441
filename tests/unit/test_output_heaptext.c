// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "golden.h"
#include "output_heaptext.h"

/* Go's ?debug=1 text: a header of totals, a record per stack with its frames, escaped. */
static void test_heaptext_golden(void **state)
{
	struct profile *p = fixture_profile();
	char *got = CAPTURE(output_heaptext__write(p, f));

	(void)state;
	assert_golden(GOLDEN_DIR "heap_debug1.txt", got);
	free(got);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heaptext_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
