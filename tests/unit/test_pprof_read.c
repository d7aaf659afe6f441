// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture_profile.h"
#include "pprof_roundtrip.h"
#include "replay.h"

#define CRASHERS_DIR "tests/fuzz/crashers/"

static char err[256];

static int read_bytes(const void *data, size_t len)
{
	PprofProfile *p = NULL;
	int ret;

	err[0] = '\0';
	ret = pprof_read_buffer(data, len, &p, err, sizeof(err));
	assert_true(ret ? p == NULL : p != NULL);
	pprof_free(p);
	return ret;
}

/* A valid gzipped profile, written by memsnoop. */
static char *valid_gz(size_t *len)
{
	struct profile *p = fixture_profile();
	struct pprof_info info = { .default_type = VALUE_INUSE_SPACE };
	char *bytes = NULL;
	FILE *f = open_memstream(&bytes, len);

	assert_int_equal(output_pprof__write(p, &info, f), 0);
	fclose(f);
	profile__free(p);
	return bytes;
}

static void test_read_refuses_empty_and_garbage(void **state)
{
	(void)state;
	assert_int_equal(read_bytes("", 0), -EINVAL);
	assert_string_equal(err, "empty file");
	assert_int_equal(read_bytes("hello, world\n", 13), -EINVAL);
	assert_non_null(strstr(err, "not a pprof profile"));
	assert_int_equal(read_bytes("\x1f\x8b\x08\x00garbage-garbage", 19), -EINVAL);
	assert_string_equal(err, "corrupt gzip data");
}

static void test_read_refuses_truncated_gzip(void **state)
{
	size_t len;
	char *gz = valid_gz(&len);

	(void)state;
	assert_int_equal(read_bytes(gz, len), 0);
	assert_int_equal(read_bytes(gz, len / 2), -EINVAL);
	assert_string_equal(err, "truncated gzip data");
	free(gz);
}

/* Packs a message built in the test: a small valid profile the cases below then break. */
static uint8_t *pack(const PprofProfile *p, size_t *len)
{
	uint8_t *buf;

	*len = perftools__profiles__profile__get_packed_size(p);
	buf = malloc(*len + 1);
	perftools__profiles__profile__pack(p, buf);
	return buf;
}

struct small {
	PprofProfile p;
	Perftools__Profiles__ValueType vt, *vts[1];
	Perftools__Profiles__Function fn, *fns[1];
	Perftools__Profiles__Line line, *lines[1];
	Perftools__Profiles__Location loc, *locs[1];
	Perftools__Profiles__Sample smp, *smps[1];
	uint64_t loc_ids[1];
	int64_t values[1];
	char *strings[3];
};

static void small_profile(struct small *s)
{
	memset(s, 0, sizeof(*s));
	perftools__profiles__profile__init(&s->p);
	perftools__profiles__value_type__init(&s->vt);
	perftools__profiles__function__init(&s->fn);
	perftools__profiles__line__init(&s->line);
	perftools__profiles__location__init(&s->loc);
	perftools__profiles__sample__init(&s->smp);
	s->strings[0] = "";
	s->strings[1] = "inuse_space";
	s->strings[2] = "bytes";
	s->p.string_table = s->strings;
	s->p.n_string_table = 3;
	s->vt.type = 1;
	s->vt.unit = 2;
	s->vts[0] = &s->vt;
	s->p.sample_type = s->vts;
	s->p.n_sample_type = 1;
	s->fn.id = 1;
	s->fn.name = 1;
	s->fns[0] = &s->fn;
	s->p.function = s->fns;
	s->p.n_function = 1;
	s->line.function_id = 1;
	s->lines[0] = &s->line;
	s->loc.id = 7;
	s->loc.line = s->lines;
	s->loc.n_line = 1;
	s->locs[0] = &s->loc;
	s->p.location = s->locs;
	s->p.n_location = 1;
	s->loc_ids[0] = 7;
	s->values[0] = 100;
	s->smp.location_id = s->loc_ids;
	s->smp.n_location_id = 1;
	s->smp.value = s->values;
	s->smp.n_value = 1;
	s->smps[0] = &s->smp;
	s->p.sample = s->smps;
	s->p.n_sample = 1;
}

static int read_small(const struct small *s)
{
	size_t len;
	uint8_t *buf = pack(&s->p, &len);
	int ret = read_bytes(buf, len);

	free(buf);
	return ret;
}

static void test_read_accepts_plain_profile(void **state)
{
	struct small s;

	(void)state;
	small_profile(&s);
	assert_int_equal(read_small(&s), 0);
}

static void test_read_refuses_dangling_references(void **state)
{
	struct small s;

	(void)state;
	small_profile(&s);
	s.vt.type = 9;
	assert_int_equal(read_small(&s), -EINVAL);
	assert_string_equal(err, "a sample type refers to string 9 of 3");

	small_profile(&s);
	s.loc_ids[0] = 8;
	assert_int_equal(read_small(&s), -EINVAL);
	assert_string_equal(err, "a sample refers to missing location 8");

	small_profile(&s);
	s.line.function_id = 2;
	assert_int_equal(read_small(&s), -EINVAL);
	assert_string_equal(err, "location 7 refers to missing function 2");

	small_profile(&s);
	s.smp.n_value = 0;
	assert_int_equal(read_small(&s), -EINVAL);
	assert_string_equal(err, "a sample has 0 values for 1 sample types");

	small_profile(&s);
	s.fn.name = -1;
	assert_int_equal(read_small(&s), -EINVAL);
	assert_string_equal(err, "a function name refers to string -1 of 3");

	small_profile(&s);
	s.strings[0] = "x";
	assert_int_equal(read_small(&s), -EINVAL);
	assert_non_null(strstr(err, "string table"));

	small_profile(&s);
	s.p.n_sample_type = 0;
	s.smp.n_value = 0;
	assert_int_equal(read_small(&s), -EINVAL);
	assert_string_equal(err, "not a pprof profile (no sample types)");
}

static void read_and_free(const char *path)
{
	PprofProfile *p = NULL;

	pprof_read_file(path, &p, err, sizeof(err));
	pprof_free(p);
}

/* Every input the fuzzer ever crashed on reads without crashing now. */
static void test_read_fuzz_crashers_replayed(void **state)
{
	(void)state;
	replay_dir(CRASHERS_DIR, read_and_free);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_refuses_empty_and_garbage),
		cmocka_unit_test(test_read_refuses_truncated_gzip),
		cmocka_unit_test(test_read_accepts_plain_profile),
		cmocka_unit_test(test_read_refuses_dangling_references),
		cmocka_unit_test(test_read_fuzz_crashers_replayed),
	};

	return cmocka_run_group_tests_name("pprof_read", tests, NULL, NULL);
}
