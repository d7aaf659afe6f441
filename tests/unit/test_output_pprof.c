// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "pprof_roundtrip.h"

static PprofProfile *pp;

static int setup(void **state)
{
	struct profile *p = fixture_profile();

	(void)state;
	pp = roundtrip(p, VALUE_INUSE_SPACE);
	profile__free(p);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pprof_free(pp);
	return 0;
}

static const Perftools__Profiles__Location *location(uint64_t id)
{
	for (size_t i = 0; i < pp->n_location; i++)
		if (pp->location[i]->id == id)
			return pp->location[i];
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

static const Perftools__Profiles__Function *function(uint64_t id)
{
	for (size_t i = 0; i < pp->n_function; i++)
		if (pp->function[i]->id == id)
			return pp->function[i];
	fail_msg("no function %llu", (unsigned long long)id);
	return NULL;
}

/* The Go heap profile's model: four sample types in its order, period in bytes. */
static void test_pprof_go_heap_model(void **state)
{
	static const char *const types[4][2] = { { "alloc_objects", "count" }, { "alloc_space", "bytes" },
						 { "inuse_objects", "count" }, { "inuse_space", "bytes" } };

	(void)state;
	assert_string_equal(str(pp, 0), "");
	assert_int_equal(pp->n_sample_type, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(str(pp, pp->sample_type[i]->type), types[i][0]);
		assert_string_equal(str(pp, pp->sample_type[i]->unit), types[i][1]);
	}
	assert_string_equal(str(pp, pp->period_type->type), "space");
	assert_string_equal(str(pp, pp->period_type->unit), "bytes");
	assert_int_equal(pp->period, 1);
	assert_string_equal(str(pp, pp->default_sample_type), "inuse_space");
	assert_int_equal(pp->time_nanos, 1000);
	assert_int_equal(pp->duration_nanos, 2000);
	assert_int_equal(pp->n_comment, 1);
	assert_string_equal(str(pp, pp->comment[0]), "memsnoop -p 42");
	assert_non_null(strstr(str(pp, pp->drop_frames), "malloc"));
}

/* Every stack with any non-zero value, values weighted; the pid label where kept apart. */
static void test_pprof_samples(void **state)
{
	int64_t want_inuse_space = 0, want_alloc_objects = 0;
	size_t labelled = 0;

	(void)state;
	assert_int_equal(pp->n_sample, 4); /* the freed stack still has allocations */
	for (size_t i = 0; i < pp->n_sample; i++) {
		want_alloc_objects += pp->sample[i]->value[0];
		want_inuse_space += pp->sample[i]->value[3];
		if (pp->sample[i]->n_label) {
			labelled++;
			assert_string_equal(str(pp, pp->sample[i]->label[0]->key), "pid");
			assert_int_equal(pp->sample[i]->label[0]->num, 5);
		}
	}
	assert_int_equal(want_alloc_objects, 8);
	assert_int_equal(want_inuse_space, 1400);
	assert_int_equal(labelled, 1);
}

/* Inlined frames are Lines of one Location, innermost first; names demangled and mangled. */
static void test_pprof_inline_lines_and_functions(void **state)
{
	const Perftools__Profiles__Location *leaf = location(1);
	const Perftools__Profiles__Function *inner, *outer;

	(void)state;
	assert_int_equal(leaf->n_line, 2);
	inner = function(leaf->line[0]->function_id);
	outer = function(leaf->line[1]->function_id);
	assert_string_equal(str(pp, inner->name), "inner_helper");
	assert_int_equal(leaf->line[0]->line, 10);
	assert_string_equal(str(pp, outer->name), "leaf_fn");
	assert_string_equal(str(pp, outer->system_name), "_Z7leaf_fnv");
	assert_string_equal(str(pp, outer->filename), "app.c");
	assert_int_equal(outer->start_line, 18);
}

/* Mappings carry build IDs and claim symbols, files and lines only when all were found. */
static void test_pprof_mappings(void **state)
{
	(void)state;
	assert_int_equal(pp->n_mapping, 2);
	for (size_t i = 0; i < pp->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = pp->mapping[i];

		if (!strcmp(str(pp, m->filename), "/bin/app")) {
			assert_string_equal(str(pp, m->build_id), "a1b2c3");
			assert_true(m->has_functions && m->has_filenames && m->has_line_numbers);
		} else {
			assert_string_equal(str(pp, m->filename), "/lib/libc.so.6");
			assert_int_equal(m->build_id, 0);
			assert_true(m->has_functions);
			assert_false(m->has_filenames || m->has_line_numbers);
		}
		assert_true(m->memory_start < m->memory_limit);
	}
	/* a location's address is its mapping's start plus its offset in the file */
	assert_int_equal(location(1)->address - pp->mapping[location(1)->mapping_id - 1]->memory_start,
			 0x1100);
}

/* A cut-off stack ends in a [truncated] root location. */
static void test_pprof_truncated_root(void **state)
{
	size_t found = 0;

	(void)state;
	for (size_t i = 0; i < pp->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pp->sample[i];
		const Perftools__Profiles__Location *root = location(s->location_id[s->n_location_id - 1]);

		if (!strcmp(str(pp, function(root->line[0]->function_id)->name), "[truncated]")) {
			found++;
			assert_int_equal(root->mapping_id, 0);
			assert_int_equal(s->value[0], 2); /* the truncated stack's two allocations */
		}
	}
	assert_int_equal(found, 1);
}

/* A profile read alone says it is incomplete; a complete one says nothing more. */
static void test_pprof_losses_comment(void **state)
{
	struct report_losses losses = { .alloc_events = 90 };
	struct pprof_info info = { .comment = "memsnoop -r 1", .losses = &losses };
	struct profile *p = fixture_profile();
	PprofProfile *q;

	(void)state;
	q = roundtrip_info(p, &info);
	assert_int_equal(q->n_comment, 1);
	pprof_free(q);
	losses.drops[DROP_RINGBUF_ALLOC] = 10;
	losses.drops[DROP_RINGBUF_FREE] = 5;
	q = roundtrip_info(p, &info);
	assert_int_equal(q->n_comment, 2);
	assert_string_equal(str(q, q->comment[0]), "memsnoop -r 1");
	assert_string_equal(str(q, q->comment[1]),
			    "memsnoop: INCOMPLETE: 15 events lost (10.00% of sampled allocations)");
	pprof_free(q);
	profile__free(p);
}

/* A delta view (?seconds=N): each value minus the baseline's; unchanged stacks left out, new
 * ones whole; --push's view keeps in-use values as they are. */
static PprofProfile *roundtrip_view(const struct profile *p, const struct profile_view_opts *o)
{
	struct profile *v = profile__view(p, o);
	PprofProfile *q;

	assert_non_null(v);
	q = roundtrip(v, VALUE_ALLOC_SPACE);
	profile__free(v);
	return q;
}

static void test_pprof_delta_from_base(void **state)
{
	struct profile *p = fixture_profile();
	struct stack_values base[1];
	struct profile_view_opts o = { .base = base, .base_cnt = 1 };
	PprofProfile *whole = roundtrip(p, VALUE_ALLOC_SPACE), *q;
	int64_t want = 0, got = 0;

	(void)state;
	base[0] = profile__stack(p, 0)->v;
	base[0].alloc_space -= 7; /* stack 0 grew by 7 bytes since the baseline */
	q = roundtrip_view(p, &o);
	for (size_t i = 0; i < whole->n_sample; i++)
		want += whole->sample[i]->value[1];
	for (size_t i = 0; i < q->n_sample; i++)
		got += q->sample[i]->value[1];
	assert_int_equal(got,
			 want - llround(profile__stack(p, 0)->v.alloc_space) + 7);
	assert_int_equal(q->n_sample, whole->n_sample);
	pprof_free(q);
	/* --push: allocations as deltas, in-use as it is */
	o.base_alloc_only = true;
	q = roundtrip_view(p, &o);
	want = got = 0; /* in-use bytes, this time */
	for (size_t i = 0; i < whole->n_sample; i++)
		want += whole->sample[i]->value[3];
	for (size_t i = 0; i < q->n_sample; i++)
		got += q->sample[i]->value[3];
	assert_int_equal(got, want);
	o.base_alloc_only = false;
	base[0] = profile__stack(p, 0)->v; /* unchanged: no sample */
	pprof_free(q);
	q = roundtrip_view(p, &o);
	assert_int_equal(q->n_sample, whole->n_sample - 1);
	pprof_free(q);
	pprof_free(whole);
	profile__free(p);
}

/* Parca's two profiles: one kind of sample type each; location ids 1..n whatever is left out. */
static void test_pprof_type_subsets_and_dense_ids(void **state)
{
	struct profile *p = fixture_profile();
	struct pprof_info info = { .types = PPROF_TYPES_INUSE };
	PprofProfile *q;

	(void)state;
	q = roundtrip_info(p, &info);
	assert_int_equal(q->n_sample_type, 2);
	assert_string_equal(str(q, q->sample_type[0]->type), "inuse_objects");
	assert_string_equal(str(q, q->sample_type[1]->type), "inuse_space");
	for (size_t i = 0; i < q->n_sample; i++)
		assert_int_equal(q->sample[i]->n_value, 2);
	for (size_t i = 0; i < q->n_location; i++)
		assert_int_equal(q->location[i]->id, i + 1);
	pprof_free(q);
	info.types = PPROF_TYPES_ALLOC;
	q = roundtrip_info(p, &info);
	assert_int_equal(q->n_sample_type, 2);
	assert_string_equal(str(q, q->sample_type[0]->type), "alloc_objects");
	assert_string_equal(str(q, q->sample_type[1]->type), "alloc_space");
	pprof_free(q);
	profile__free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pprof_go_heap_model),
		cmocka_unit_test(test_pprof_samples),
		cmocka_unit_test(test_pprof_inline_lines_and_functions),
		cmocka_unit_test(test_pprof_mappings),
		cmocka_unit_test(test_pprof_truncated_root),
		cmocka_unit_test(test_pprof_losses_comment),
		cmocka_unit_test(test_pprof_delta_from_base),
		cmocka_unit_test(test_pprof_type_subsets_and_dense_ids),
	};

	return cmocka_run_group_tests_name("output_pprof", tests, setup, teardown);
}
