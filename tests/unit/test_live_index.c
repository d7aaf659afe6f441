// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "live_index.h"

static void test_live_index_interior_and_ends(void **state)
{
	struct live_index *ix = live_index__new();
	uint64_t start = 0;

	(void)state;
	assert_non_null(ix);
	assert_int_equal(live_index__add(ix, 7, 0x1000, 0x20), 0);
	assert_int_equal(live_index__add(ix, 7, 0x2000, 0), 0); /* malloc(0): its start only */
	assert_int_equal(live_index__add(ix, 8, 0x1010, 0x10), 0); /* another process */
	assert_int_equal(live_index__find(ix, 7, 0x1000, &start), 0);
	assert_int_equal(start, 0x1000);
	assert_int_equal(live_index__find(ix, 7, 0x101f, &start), 0);
	assert_int_equal(start, 0x1000);
	assert_int_equal(live_index__find(ix, 7, 0x1020, &start), -ENOENT);
	assert_int_equal(live_index__find(ix, 7, 0xfff, &start), -ENOENT);
	assert_int_equal(live_index__find(ix, 7, 0x2000, &start), 0);
	assert_int_equal(live_index__find(ix, 7, 0x2001, &start), -ENOENT);
	assert_int_equal(live_index__find(ix, 8, 0x1000, &start), -ENOENT);
	assert_int_equal(live_index__find(ix, 8, 0x1015, &start), 0);
	assert_int_equal(start, 0x1010);
	live_index__remove(ix, 7, 0x1000);
	assert_int_equal(live_index__find(ix, 7, 0x1010, &start), -ENOENT);
	assert_int_equal(live_index__cnt(ix), 2);
	live_index__free(ix);
}

#define BLOCKS 4096
#define SLOT 64

/* Random adds and removes of blocks in fixed slots against a plain array: every address of
 * every slot answers as the array says, and freed nodes are reused (memory stays put). */
static void test_live_index_matches_brute_force(void **state)
{
	static uint64_t size[BLOCKS]; /* 0: no block in the slot; else its size + 1 */
	struct live_index *ix = live_index__new();
	size_t mem_at_peak = 0;

	(void)state;
	srand(1);
	for (int round = 0; round < 40000; round++) {
		int i = rand() % BLOCKS;

		if (size[i]) {
			live_index__remove(ix, 1, (uint64_t)i * SLOT);
			size[i] = 0;
		} else {
			size[i] = rand() % SLOT + 1;
			assert_int_equal(live_index__add(ix, 1, (uint64_t)i * SLOT, size[i] - 1), 0);
		}
		if (round == 20000)
			mem_at_peak = live_index__mem_bytes(ix);
	}
	for (int i = 0; i < BLOCKS; i++) {
		for (uint64_t off = 0; off < SLOT; off++) {
			uint64_t start, sz = size[i] ? size[i] - 1 : 0;
			int want = size[i] && off < (sz ? sz : 1) ? 0 : -ENOENT;

			assert_int_equal(live_index__find(ix, 1, i * SLOT + off, &start), want);
			if (!want)
				assert_int_equal(start, (uint64_t)i * SLOT);
		}
	}
	assert_true(live_index__mem_bytes(ix) <= 2 * mem_at_peak);
	live_index__free(ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_index_interior_and_ends),
		cmocka_unit_test(test_live_index_matches_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
