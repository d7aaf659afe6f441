// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output.h"

/* Occurrences of needle in s. */
static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* cnt stacks, stack i with i + 1 samples: the ranking is known. */
static char *lifetimes_json(size_t cnt)
{
	struct profile *p = profile__new(1);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(p);
	assert_non_null(f);
	for (size_t i = 0; i < cnt; i++) {
		struct frame fr = { .func = "site" };
		uint32_t loc = profile__add_location(p, "/bin/x", NULL, 0x10 + i, &fr, 1);
		int id = profile__intern_stack(p, 0, &loc, 1, false);

		assert_true(id >= 0);
		for (size_t k = 0; k <= i; k++)
			profile__record_alloc(p, id, 8, false);
	}
	assert_int_equal(output_lifetimes__write(p, f), 0);
	fclose(f);
	profile__free(p);
	return out;
}

static void test_lifetimes_sites_bounded(void **state)
{
	char *json = lifetimes_json(LIFETIMES_MAX_SITES + 5);

	(void)state;
	assert_int_equal(count(json, "{\"pid\": "), LIFETIMES_MAX_SITES);
	assert_non_null(strstr(json, "\"sites_omitted\": 5\n"));
	/* the largest first: the last stack (most samples) leads */
	assert_non_null(strstr(json, "\"alloc_objects\": 1005,"));
	assert_null(strstr(json, "\"alloc_objects\": 5,"));
	free(json);
}

static void test_lifetimes_all_sites_when_few(void **state)
{
	char *json = lifetimes_json(3);

	(void)state;
	assert_int_equal(count(json, "{\"pid\": "), 3);
	assert_non_null(strstr(json, "\"sites_omitted\": 0\n"));
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifetimes_sites_bounded),
		cmocka_unit_test(test_lifetimes_all_sites_when_few),
	};

	return cmocka_run_group_tests_name("output_lifetimes", tests, NULL, NULL);
}
