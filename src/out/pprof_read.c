// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "array.h"
#include "hashmap.h"
#include "pprof_read.h"

static int fail(char *err, size_t err_sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_sz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, err_sz, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Inflates a gzip stream whole, refusing more than PPROF_MAX_SZ or PPROF_MAX_RATIO times its
 * compressed size (a small bomb is refused after little work, not at PPROF_MAX_SZ).
 */
static int gunzip(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len, char *err,
		  size_t err_sz)
{
	z_stream zs = { .next_in = (uint8_t *)data, .avail_in = len };
	size_t cap = len * 4 + 4096, used = 0;
	size_t limit = len * PPROF_MAX_RATIO > PPROF_MIN_LIMIT ? len * PPROF_MAX_RATIO : PPROF_MIN_LIMIT;
	uint8_t *buf = malloc(cap);
	int zerr = Z_OK;

	if (!buf)
		return -ENOMEM;
	if (inflateInit2(&zs, 15 + 32) != Z_OK) { /* + 32: gzip or zlib, detected */
		free(buf);
		return -ENOMEM;
	}
	while (zerr == Z_OK) {
		if (used == cap) {
			if (cap >= PPROF_MAX_SZ || cap >= limit) {
				inflateEnd(&zs);
				free(buf);
				return fail(err, err_sz,
					    "decompresses to more than %zu bytes (%d times its size, or %llu): refused as a decompression bomb",
					    cap, PPROF_MAX_RATIO, (unsigned long long)PPROF_MAX_SZ);
			}
			if (grow_array((void **)&buf, &cap, cap + 1, 1)) {
				inflateEnd(&zs);
				free(buf);
				return -ENOMEM;
			}
		}
		zs.next_out = buf + used;
		zs.avail_out = cap - used;
		zerr = inflate(&zs, Z_NO_FLUSH);
		used = cap - zs.avail_out;
		if (zerr == Z_BUF_ERROR && zs.avail_in == 0)
			break; /* the input ended before the stream did */
		if (zerr == Z_BUF_ERROR)
			zerr = Z_OK; /* output full: grow and go on */
	}
	inflateEnd(&zs);
	if (zerr != Z_STREAM_END) {
		free(buf);
		return fail(err, err_sz, zerr == Z_BUF_ERROR ? "truncated gzip data"
							      : "corrupt gzip data");
	}
	*out = buf;
	*out_len = used;
	return 0;
}

struct checker {
	const PprofProfile *p;
	char *err;
	size_t err_sz;
};

static bool str_ok(struct checker *c, int64_t idx, const char *what)
{
	if (idx >= 0 && (uint64_t)idx < c->p->n_string_table)
		return true;
	fail(c->err, c->err_sz, "%s refers to string %lld of %zu", what, (long long)idx,
	     c->p->n_string_table);
	return false;
}

static bool ids_unique(struct checker *c, struct hashmap *ids, uint64_t id, const char *what)
{
	bool created;

	if (!id) {
		fail(c->err, c->err_sz, "a %s has id 0", what);
		return false;
	}
	if (!hashmap__upsert(ids, &id, sizeof(id), &created) || !created) {
		fail(c->err, c->err_sz, "%s id %llu is not unique (or out of memory)", what,
		     (unsigned long long)id);
		return false;
	}
	return true;
}

static bool check_functions(struct checker *c, struct hashmap *fn_ids)
{
	for (size_t i = 0; i < c->p->n_function; i++) {
		const Perftools__Profiles__Function *f = c->p->function[i];

		if (!ids_unique(c, fn_ids, f->id, "function") || !str_ok(c, f->name, "a function name") ||
		    !str_ok(c, f->system_name, "a function's system name") ||
		    !str_ok(c, f->filename, "a function's file name"))
			return false;
	}
	return true;
}

static bool check_mappings(struct checker *c, struct hashmap *map_ids)
{
	for (size_t i = 0; i < c->p->n_mapping; i++) {
		const Perftools__Profiles__Mapping *m = c->p->mapping[i];

		if (!ids_unique(c, map_ids, m->id, "mapping") || !str_ok(c, m->filename, "a mapping") ||
		    !str_ok(c, m->build_id, "a mapping's build ID"))
			return false;
	}
	return true;
}

static bool check_locations(struct checker *c, struct hashmap *loc_ids, struct hashmap *fn_ids,
			    struct hashmap *map_ids)
{
	for (size_t i = 0; i < c->p->n_location; i++) {
		const Perftools__Profiles__Location *l = c->p->location[i];

		if (!ids_unique(c, loc_ids, l->id, "location"))
			return false;
		if (l->mapping_id && !hashmap__find(map_ids, &l->mapping_id, sizeof(l->mapping_id)))
			return !fail(c->err, c->err_sz, "location %llu refers to missing mapping %llu",
				     (unsigned long long)l->id, (unsigned long long)l->mapping_id);
		for (size_t j = 0; j < l->n_line; j++) {
			uint64_t fid = l->line[j]->function_id;

			if (fid && !hashmap__find(fn_ids, &fid, sizeof(fid)))
				return !fail(c->err, c->err_sz,
					     "location %llu refers to missing function %llu",
					     (unsigned long long)l->id, (unsigned long long)fid);
		}
	}
	return true;
}

static bool check_samples(struct checker *c, struct hashmap *loc_ids)
{
	for (size_t i = 0; i < c->p->n_sample; i++) {
		const Perftools__Profiles__Sample *s = c->p->sample[i];

		if (s->n_value != c->p->n_sample_type)
			return !fail(c->err, c->err_sz, "a sample has %zu values for %zu sample types",
				     s->n_value, c->p->n_sample_type);
		for (size_t j = 0; j < s->n_location_id; j++)
			if (!hashmap__find(loc_ids, &s->location_id[j], sizeof(s->location_id[j])))
				return !fail(c->err, c->err_sz, "a sample refers to missing location %llu",
					     (unsigned long long)s->location_id[j]);
		for (size_t j = 0; j < s->n_label; j++)
			if (!str_ok(c, s->label[j]->key, "a label") ||
			    !str_ok(c, s->label[j]->str, "a label") ||
			    !str_ok(c, s->label[j]->num_unit, "a label"))
				return false;
	}
	return true;
}

static int validate(const PprofProfile *p, char *err, size_t err_sz)
{
	struct hashmap *fn_ids = hashmap__new(0), *loc_ids = hashmap__new(0), *map_ids = hashmap__new(0);
	struct checker c = { p, err, err_sz };
	bool ok = fn_ids && loc_ids && map_ids;

	if (!ok)
		goto out;
	if (!p->n_string_table || p->string_table[0][0]) {
		ok = !fail(err, err_sz, "not a pprof profile (its string table does not start with \"\")");
		goto out;
	}
	if (!p->n_sample_type) {
		ok = !fail(err, err_sz, "not a pprof profile (no sample types)");
		goto out;
	}
	for (size_t i = 0; ok && i < p->n_sample_type; i++)
		ok = str_ok(&c, p->sample_type[i]->type, "a sample type") &&
		     str_ok(&c, p->sample_type[i]->unit, "a sample type");
	for (size_t i = 0; ok && i < p->n_comment; i++)
		ok = str_ok(&c, p->comment[i], "a comment");
	ok = ok && str_ok(&c, p->drop_frames, "drop_frames") && str_ok(&c, p->keep_frames, "keep_frames") &&
	     str_ok(&c, p->default_sample_type, "default_sample_type") &&
	     (!p->period_type || (str_ok(&c, p->period_type->type, "the period type") &&
				  str_ok(&c, p->period_type->unit, "the period type"))) &&
	     check_functions(&c, fn_ids) && check_mappings(&c, map_ids) &&
	     check_locations(&c, loc_ids, fn_ids, map_ids) && check_samples(&c, loc_ids);
out:
	hashmap__free(fn_ids);
	hashmap__free(loc_ids);
	hashmap__free(map_ids);
	if (!fn_ids || !loc_ids || !map_ids)
		return -ENOMEM;
	return ok ? 0 : -EINVAL;
}

int pprof_read_buffer(const void *data, size_t len, PprofProfile **out, char *err, size_t err_sz)
{
	const uint8_t *bytes = data;
	uint8_t *plain = NULL;
	PprofProfile *p;
	int ret;

	*out = NULL;
	if (!len)
		return fail(err, err_sz, "empty file");
	if (len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
		ret = gunzip(bytes, len, &plain, &len, err, err_sz);
		if (ret)
			return ret;
		bytes = plain;
	}
	p = perftools__profiles__profile__unpack(NULL, len, bytes);
	free(plain);
	if (!p)
		return fail(err, err_sz, "not a pprof profile (protobuf decoding failed)");
	ret = validate(p, err, err_sz);
	if (ret) {
		pprof_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int pprof_read_file(const char *path, PprofProfile **out, char *err, size_t err_sz)
{
	size_t cap = 1 << 16, len = 0, n;
	uint8_t *buf = malloc(cap);
	/* never blocks on a FIFO; a directory or a device is refused by name */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), ret = 0;
	struct stat st;
	FILE *f = NULL;

	*out = NULL;
	if (fd < 0 || !buf || fstat(fd, &st))
		ret = -errno;
	else if (S_ISDIR(st.st_mode))
		ret = -EISDIR;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	else if (!(f = fdopen(fd, "r")))
		ret = -errno;
	if (ret) {
		free(buf);
		if (fd >= 0)
			close(fd);
		snprintf(err, err_sz, "%s", ret == -EISDIR ? "a directory, not a profile" :
					    ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return ret;
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap &&
		    (cap >= PPROF_MAX_SZ || grow_array((void **)&buf, &cap, cap + 1, 1))) {
			fclose(f);
			free(buf);
			return fail(err, err_sz, "file too large");
		}
	}
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	if (ret)
		snprintf(err, err_sz, "read error");
	else
		ret = pprof_read_buffer(buf, len, out, err, err_sz);
	free(buf);
	return ret;
}

void pprof_free(PprofProfile *p)
{
	if (p)
		perftools__profiles__profile__free_unpacked(p, NULL);
}
