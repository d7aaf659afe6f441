// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include "glibc_arena.h"

#define BIG (64 << 20) /* above the mmap threshold: a chunk of its own */

static void *volatile sink;

static void *thread_alloc(void *arg)
{
	(void)arg;
	sink = malloc(100); /* a second thread's first allocation: an arena of its own */
	free(sink);
	return NULL;
}

/*
 * This very process, read from the outside as memsnoop reads a target (libc6-dbg gives the
 * layout): a large block is one more mmapped chunk of at least its size, gone once freed; a
 * thread's allocation adds an arena.
 */
static void test_glibc_arena_reads_own_process(void **state)
{
	struct glibc_arena *g = glibc_arena__open(getpid());
	struct glibc_arena_stats before, during, after, threaded;
	pthread_t t;
	void *big;

	(void)state;
	assert_non_null(g); /* scripts/install-deps.sh installs libc6-dbg */
	assert_int_equal(glibc_arena__read(g, &before), 0);
	assert_true(before.arenas >= 1 && before.system_mem > 0);
	big = sink = malloc(BIG); /* kept: else the compiler drops the pair */
	assert_int_equal(glibc_arena__read(g, &during), 0);
	assert_int_equal(during.n_mmaps, before.n_mmaps + 1);
	assert_true(during.mmapped_mem >= before.mmapped_mem + BIG);
	free(big);
	assert_int_equal(glibc_arena__read(g, &after), 0);
	assert_int_equal(after.n_mmaps, before.n_mmaps);
	assert_int_equal(after.mmapped_mem, before.mmapped_mem);
	assert_int_equal(pthread_create(&t, NULL, thread_alloc, NULL), 0);
	pthread_join(t, NULL);
	assert_int_equal(glibc_arena__read(g, &threaded), 0);
	assert_int_equal(threaded.arenas, before.arenas + 1);
	glibc_arena__free(g);
}

static void test_glibc_arena_no_such_process(void **state)
{
	(void)state;
	assert_null(glibc_arena__open(0x3ffffff0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glibc_arena_reads_own_process),
		cmocka_unit_test(test_glibc_arena_no_such_process),
	};

	return cmocka_run_group_tests_name("glibc_arena", tests, NULL, NULL);
}
