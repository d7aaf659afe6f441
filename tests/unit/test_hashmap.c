// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hashmap.h"

struct val {
	uint64_t a, b;
};

static int setup(void **state)
{
	*state = hashmap__new(sizeof(struct val));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	hashmap__free(*state);
	return 0;
}

static void test_hashmap_upsert_creates_zeroed_then_finds(void **state)
{
	struct hashmap *map = *state;
	struct val *v, *again;
	bool created;

	assert_null(hashmap__find(map, "k", 2));
	v = hashmap__upsert(map, "k", 2, &created);
	assert_non_null(v);
	assert_true(created);
	assert_true(v->a == 0 && v->b == 0);
	v->a = 7;
	again = hashmap__upsert(map, "k", 2, &created);
	assert_false(created);
	assert_ptr_equal(again, v);
	assert_ptr_equal(hashmap__find(map, "k", 2), v);
	assert_int_equal(hashmap__size(map), 1);
	assert_memory_equal(hashmap__key_of(map, v), "k", 2);
	/* created may be NULL */
	assert_ptr_equal(hashmap__upsert(map, "k", 2, NULL), v);
}

static void test_hashmap_delete_copies_value_out(void **state)
{
	struct hashmap *map = *state;
	struct val out = { 0 };

	((struct val *)hashmap__upsert(map, "gone", 4, NULL))->b = 42;
	assert_true(hashmap__delete(map, "gone", 4, &out));
	assert_true(out.b == 42);
	assert_null(hashmap__find(map, "gone", 4));
	assert_int_equal(hashmap__size(map), 0);
	assert_false(hashmap__delete(map, "gone", 4, &out));
	assert_false(hashmap__delete(map, "never", 5, NULL));
	/* a new entry under a deleted key starts from zero again */
	assert_true(((struct val *)hashmap__upsert(map, "gone", 4, NULL))->b == 0);
}

/* Keys are byte strings: a prefix, the same bytes with a NUL, the empty key are all distinct. */
static void test_hashmap_keys_of_different_lengths_are_distinct(void **state)
{
	static const char bytes[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct hashmap *map = *state;

	for (size_t len = 0; len < sizeof(bytes); len++)
		((struct val *)hashmap__upsert(map, bytes, len, NULL))->a = len + 1;
	assert_int_equal(hashmap__size(map), sizeof(bytes));
	for (size_t len = 0; len < sizeof(bytes); len++) {
		struct val *v = hashmap__find(map, bytes, len);

		assert_non_null(v);
		assert_int_equal(v->a, len + 1);
		assert_memory_equal(hashmap__key_of(map, v), bytes, len);
	}
	/* same length, different bytes */
	assert_null(hashmap__find(map, "abcX", 4));
}

/* Far past the initial 64 buckets: every entry still found, and values do not move. */
static void test_hashmap_grows_past_many_entries(void **state)
{
	enum { N = 20000 }; /* 9 doublings past the first 64 buckets */
	struct hashmap *map = *state;
	struct val **seen = calloc(N, sizeof(*seen));

	assert_non_null(seen);
	for (uint64_t i = 0; i < N; i++) {
		seen[i] = hashmap__upsert(map, &i, sizeof(i), NULL);
		assert_non_null(seen[i]);
		seen[i]->a = i * 3;
	}
	assert_int_equal(hashmap__size(map), N);
	for (uint64_t i = 0; i < N; i++) {
		struct val *v = hashmap__find(map, &i, sizeof(i));

		assert_ptr_equal(v, seen[i]);
		assert_true(v->a == i * 3);
	}
	for (uint64_t i = 0; i < N; i += 2)
		assert_true(hashmap__delete(map, &i, sizeof(i), NULL));
	assert_int_equal(hashmap__size(map), N / 2);
	for (uint64_t i = 0; i < N; i++)
		assert_true(!hashmap__find(map, &i, sizeof(i)) == !(i % 2));
	free(seen);
}

struct visit {
	size_t cnt;
	uint64_t key_sum, value_sum;
	uint64_t *keys;
};

static void visit(const void *key, void *value, void *ctx)
{
	struct visit *v = ctx;
	uint64_t k;

	memcpy(&k, key, sizeof(k));
	v->keys[v->cnt++] = k;
	v->key_sum += k;
	v->value_sum += ((struct val *)value)->a;
	((struct val *)value)->b = 1; /* values are writable during the walk */
}

/* Every entry once; the API forbids deleting during the walk, so deletions go after it. */
static void test_hashmap_for_each_visits_every_entry_once(void **state)
{
	enum { N = 1000 };
	uint64_t keys[N];
	struct visit v = { .keys = keys };
	struct hashmap *map = *state;

	for (uint64_t i = 1; i <= N; i++)
		((struct val *)hashmap__upsert(map, &i, sizeof(i), NULL))->a = 2 * i;
	hashmap__for_each(map, visit, &v);
	assert_int_equal(v.cnt, N);
	assert_true(v.key_sum == (uint64_t)N * (N + 1) / 2);
	assert_true(v.value_sum == (uint64_t)N * (N + 1));
	for (size_t i = 0; i < v.cnt; i++) {
		struct val *val = hashmap__find(map, &keys[i], sizeof(keys[i]));

		assert_true(val->b == 1);
		assert_true(hashmap__delete(map, &keys[i], sizeof(keys[i]), NULL));
	}
	assert_int_equal(hashmap__size(map), 0);
	v.cnt = 0;
	hashmap__for_each(map, visit, &v);
	assert_int_equal(v.cnt, 0);
}

/* A value size of 0 makes a set; the key still follows the (empty) value. */
static void test_hashmap_zero_sized_values_make_a_set(void **state)
{
	struct hashmap *set = hashmap__new(0);
	bool created;

	(void)state;
	assert_non_null(set);
	assert_non_null(hashmap__upsert(set, "x", 1, &created));
	assert_true(created);
	assert_non_null(hashmap__find(set, "x", 1));
	assert_memory_equal(hashmap__key_of(set, hashmap__find(set, "x", 1)), "x", 1);
	assert_true(hashmap__delete(set, "x", 1, NULL));
	hashmap__free(set);
	hashmap__free(NULL);
}

static void test_hashmap_hash_depends_on_every_byte_and_length(void **state)
{
	char a[24] = { 0 }, b[24] = { 0 };

	(void)state;
	assert_true(hash_bytes(a, sizeof(a)) == hash_bytes(b, sizeof(b)));
	for (size_t i = 0; i < sizeof(a); i++) {
		b[i] = 1;
		assert_true(hash_bytes(a, sizeof(a)) != hash_bytes(b, sizeof(b)));
		b[i] = 0;
	}
	/* trailing zero bytes change the length, so the hash */
	assert_true(hash_bytes(a, 3) != hash_bytes(a, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hashmap_upsert_creates_zeroed_then_finds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hashmap_delete_copies_value_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashmap_keys_of_different_lengths_are_distinct,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashmap_grows_past_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hashmap_for_each_visits_every_entry_once, setup,
						teardown),
		cmocka_unit_test(test_hashmap_zero_sized_values_make_a_set),
		cmocka_unit_test(test_hashmap_hash_depends_on_every_byte_and_length),
	};

	return cmocka_run_group_tests_name("hashmap", tests, NULL, NULL);
}
