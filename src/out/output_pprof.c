// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "hashmap.h"
#include "alloc_names.h"
#include "output.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

/* Everything the Profile message points to, freed at once. */
struct builder {
	const struct profile *p;
	const struct pprof_info *info;
	Profile msg;
	struct hashmap *string_ids; /* string -> index */
	struct hashmap *function_ids; /* (name, system_name, filename, start_line) -> id */
	struct hashmap *mapping_ids;  /* (module, build_id) string pointers -> id */
	uint64_t truncated_loc_id;    /* 0 until a stack needs the [truncated] root */
	enum value_type types[4];     /* the sample types written, in sample_order */
	unsigned type_cnt;
	bool failed;
};

#define MAPPING_SPAN_SHIFT 40 /* mapping i occupies [(i+1) << 40, (i+2) << 40) */

#define INITIAL_CAP 8

/* Room for element cnt: capacities start at INITIAL_CAP and double whenever cnt reaches a
 * power of two at or above it, so appends need no capacity field. */
static void *grow(struct builder *b, void *arr, size_t cnt, size_t elem_sz)
{
	void *tmp;

	if (cnt && (cnt < INITIAL_CAP || (cnt & (cnt - 1))))
		return arr;
	tmp = realloc(arr, (cnt ? cnt * 2 : INITIAL_CAP) * elem_sz);
	if (!tmp)
		b->failed = true;
	return tmp ? tmp : arr;
}

#define APPEND(b, arr, cnt, value)                                                       \
	do {                                                                             \
		void *a_ = grow((b), (arr), (cnt), sizeof(*(arr)));                      \
		if (!(b)->failed) {                                                      \
			(arr) = a_;                                                      \
			(arr)[(cnt)++] = (value);                                        \
		}                                                                        \
	} while (0)

static int64_t str_id(struct builder *b, const char *s)
{
	size_t len;
	bool created;
	int64_t *id;

	if (!s)
		return 0;
	len = strlen(s) + 1;
	id = hashmap__upsert(b->string_ids, s, len, &created);
	if (!id) {
		b->failed = true;
		return 0;
	}
	if (created) {
		*id = b->msg.n_string_table;
		APPEND(b, b->msg.string_table, b->msg.n_string_table, (char *)s);
	}
	return *id;
}

static uint64_t function_id(struct builder *b, const struct frame *fr)
{
	int64_t key[4] = { str_id(b, fr->func), str_id(b, fr->system_name ? fr->system_name : fr->func),
			   str_id(b, fr->file), fr->start_line };
	Function *fn;
	uint64_t *id;
	bool created;

	id = hashmap__upsert(b->function_ids, key, sizeof(key), &created);
	if (id && !created)
		return *id;
	fn = id ? calloc(1, sizeof(*fn)) : NULL;
	if (!fn) {
		b->failed = true;
		return 0;
	}
	perftools__profiles__function__init(fn);
	fn->id = b->msg.n_function + 1;
	fn->name = key[0];
	fn->system_name = key[1];
	fn->filename = key[2];
	fn->start_line = key[3];
	*id = fn->id;
	APPEND(b, b->msg.function, b->msg.n_function, fn);
	return fn->id;
}

/* One mapping per module; its has_* flags stay true only while every location agrees. */
static uint32_t mapping_id(struct builder *b, const struct location *loc)
{
	const void *key[2] = { loc->module, loc->build_id };
	uint32_t *id;
	Mapping *m;
	bool created;

	if (!strcmp(loc->module, "[unknown]"))
		return 0;
	id = hashmap__upsert(b->mapping_ids, key, sizeof(key), &created);
	if (!id) {
		b->failed = true;
		return 0;
	}
	if (!created)
		return *id;
	m = calloc(1, sizeof(*m));
	if (!m) {
		b->failed = true;
		return 0;
	}
	perftools__profiles__mapping__init(m);
	m->id = b->msg.n_mapping + 1;
	m->memory_start = m->id << MAPPING_SPAN_SHIFT;
	m->filename = str_id(b, loc->module);
	m->build_id = str_id(b, loc->build_id);
	m->has_functions = m->has_filenames = m->has_line_numbers = m->has_inline_frames = true;
	m->memory_limit = m->memory_start; /* grows with its locations */
	*id = m->id;
	APPEND(b, b->msg.mapping, b->msg.n_mapping, m);
	return m->id;
}

static void add_location(struct builder *b, uint32_t idx, uint64_t id)
{
	const struct location *loc = profile__location(b->p, idx);
	Location *l = calloc(1, sizeof(*l));
	Mapping *m = NULL;

	if (l)
		perftools__profiles__location__init(l);
	if (!l || !(l->line = calloc(loc->frame_cnt, sizeof(*l->line)))) {
		free(l);
		b->failed = true;
		return;
	}
	l->id = id;
	l->mapping_id = mapping_id(b, loc);
	if (l->mapping_id) {
		m = b->msg.mapping[l->mapping_id - 1];
		l->address = m->memory_start + loc->offset;
		if (l->address + 1 > m->memory_limit)
			m->memory_limit = l->address + 1;
	}
	l->n_line = loc->frame_cnt;
	for (uint32_t i = 0; i < loc->frame_cnt; i++) {
		const struct frame *fr = &loc->frames[i];
		Line *line = calloc(1, sizeof(*line));

		if (!line) {
			b->failed = true;
			l->n_line = i;
			break;
		}
		perftools__profiles__line__init(line);
		line->function_id = function_id(b, fr);
		line->line = fr->line;
		l->line[i] = line;
		if (m) {
			m->has_functions &= strcmp(fr->func, "[unknown]") != 0;
			m->has_filenames &= fr->file != NULL;
			m->has_line_numbers &= fr->line > 0;
			m->has_inline_frames &= fr->line > 0;
		}
	}
	APPEND(b, b->msg.location, b->msg.n_location, l);
}

/* The root frame of every stack whose capture was cut short: one location, added once. */
static uint64_t truncated_location(struct builder *b)
{
	static const struct frame marker = { .func = "[truncated]" };
	Location *l;
	Line *line;

	if (b->truncated_loc_id)
		return b->truncated_loc_id;
	l = calloc(1, sizeof(*l));
	line = calloc(1, sizeof(*line));
	if (l)
		perftools__profiles__location__init(l);
	if (!l || !line || !(l->line = calloc(1, sizeof(*l->line)))) {
		free(l);
		free(line);
		b->failed = true;
		return 0;
	}
	perftools__profiles__line__init(line);
	line->function_id = function_id(b, &marker);
	l->id = b->msg.n_location + 1;
	l->line[0] = line;
	l->n_line = 1;
	APPEND(b, b->msg.location, b->msg.n_location, l);
	b->truncated_loc_id = l->id;
	return l->id;
}

static const enum value_type sample_order[4] = { VALUE_ALLOC_OBJECTS, VALUE_ALLOC_SPACE,
						 VALUE_INUSE_OBJECTS, VALUE_INUSE_SPACE };

/* A label of a sample: a number, or (str non-NULL) a string. */
static void add_label(struct builder *b, Sample *smp, const char *key, int64_t num, const char *str)
{
	Label *l = calloc(1, sizeof(*l));

	if (!l) {
		b->failed = true;
		return;
	}
	perftools__profiles__label__init(l);
	l->key = str_id(b, key);
	if (str)
		l->str = str_id(b, str);
	else
		l->num = num;
	smp->label[smp->n_label++] = l;
}

/* The process a sample was kept apart for: its pid, and its name and cgroup when known. */
static void add_process_labels(struct builder *b, Sample *smp, uint32_t pid)
{
	const struct report_target *t = NULL;

	for (size_t i = 0; i < b->info->target_cnt; i++)
		if ((uint32_t)b->info->targets[i].pid == pid)
			t = &b->info->targets[i]; /* the latest: a pid can be reused */
	smp->label = calloc(3, sizeof(*smp->label));
	if (!smp->label) {
		b->failed = true;
		return;
	}
	add_label(b, smp, "pid", pid, NULL);
	if (t && t->comm)
		add_label(b, smp, "comm", 0, t->comm);
	if (t && t->cgroup)
		add_label(b, smp, "cgroup", 0, t->cgroup);
}

/* loc_ids: the id given to each of the profile's locations in this message, 0 until used;
 * ids are dense from 1 in order of first use (as Parca requires), whatever samples a delta
 * leaves out. */
static void add_sample(struct builder *b, uint32_t id, uint64_t *loc_ids)
{
	const struct stack *s = profile__stack(b->p, id);
	Sample *smp = calloc(1, sizeof(*smp));
	bool any = false;

	if (smp)
		perftools__profiles__sample__init(smp);
	if (!smp || !(smp->value = calloc(b->type_cnt, sizeof(*smp->value))) ||
	    !(smp->location_id = calloc(s->loc_cnt + 1, sizeof(*smp->location_id)))) {
		if (smp)
			free(smp->value);
		free(smp);
		b->failed = true;
		return;
	}
	smp->n_value = b->type_cnt;
	for (unsigned i = 0; i < b->type_cnt; i++) {
		smp->value[i] = llround(stack_value(s, b->types[i]));
		any |= smp->value[i] != 0;
	}
	if (!any) {
		free(smp->value);
		free(smp->location_id);
		free(smp);
		return;
	}
	for (uint32_t i = 0; i < s->loc_cnt; i++) {
		if (!loc_ids[s->locs[i]]) {
			loc_ids[s->locs[i]] = b->msg.n_location + 1;
			add_location(b, s->locs[i], loc_ids[s->locs[i]]);
		}
		smp->location_id[smp->n_location_id++] = loc_ids[s->locs[i]];
	}
	if (s->truncated)
		smp->location_id[smp->n_location_id++] = truncated_location(b);
	if (s->pid)
		add_process_labels(b, smp, s->pid);
	APPEND(b, b->msg.sample, b->msg.n_sample, smp);
}

static ValueType *value_type(struct builder *b, const char *type, const char *unit)
{
	ValueType *vt = calloc(1, sizeof(*vt));

	if (!vt) {
		b->failed = true;
		return NULL;
	}
	perftools__profiles__value_type__init(vt);
	vt->type = str_id(b, type);
	vt->unit = str_id(b, unit);
	return vt;
}

static void free_message(Profile *m)
{
	for (size_t i = 0; i < m->n_sample_type; i++)
		free(m->sample_type[i]);
	for (size_t i = 0; i < m->n_sample; i++) {
		for (size_t j = 0; j < m->sample[i]->n_label; j++)
			free(m->sample[i]->label[j]);
		free(m->sample[i]->label);
		free(m->sample[i]->value);
		free(m->sample[i]->location_id);
		free(m->sample[i]);
	}
	for (size_t i = 0; i < m->n_location; i++) {
		for (size_t j = 0; j < m->location[i]->n_line; j++)
			free(m->location[i]->line[j]);
		free(m->location[i]->line);
		free(m->location[i]);
	}
	for (size_t i = 0; i < m->n_mapping; i++)
		free(m->mapping[i]);
	for (size_t i = 0; i < m->n_function; i++)
		free(m->function[i]);
	free(m->sample_type);
	free(m->sample);
	free(m->location);
	free(m->mapping);
	free(m->function);
	free(m->string_table);
	free(m->comment);
	free(m->period_type);
}

static int gzip_write(const uint8_t *buf, size_t len, FILE *f)
{
	uint8_t out[16384];
	z_stream zs = { 0 };
	int zerr;

	/* windowBits 15 + 16: a gzip wrapper, with no file name and a zero time */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	zs.next_in = (uint8_t *)buf;
	zs.avail_in = len;
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		zerr = deflate(&zs, Z_FINISH);
		if (fwrite(out, 1, sizeof(out) - zs.avail_out, f) != sizeof(out) - zs.avail_out) {
			deflateEnd(&zs);
			return -EIO;
		}
	} while (zerr == Z_OK);
	deflateEnd(&zs);
	return zerr == Z_STREAM_END ? 0 : -EIO;
}

/*
 * The allocator's own frames, for tools to hide should they find any (memsnoop trims them
 * already). pprof prunes every frame beneath a match: name exact functions only, never a
 * prefix that could match a caller such as __libc_start_main.
 */

int output_pprof__write(const struct profile *p, const struct pprof_info *info, FILE *f)
{
	size_t stack_cnt = profile__stack_cnt(p), loc_cnt = 0;
	struct builder b = { .p = p, .info = info };
	uint64_t *loc_ids = NULL;
	uint8_t *packed = NULL;
	char loss_line[160];
	size_t len;
	int err;

	while (profile__location(p, loc_cnt))
		loc_cnt++;
	perftools__profiles__profile__init(&b.msg);
	b.string_ids = hashmap__new(sizeof(int64_t));
	b.function_ids = hashmap__new(sizeof(uint64_t));
	b.mapping_ids = hashmap__new(sizeof(uint32_t));
	loc_ids = calloc(loc_cnt + 1, sizeof(*loc_ids));
	if (!b.string_ids || !b.function_ids || !b.mapping_ids || !loc_ids) {
		err = -ENOMEM;
		goto out;
	}
	str_id(&b, ""); /* string_table[0] */
	b.msg.sample_type = calloc(4, sizeof(*b.msg.sample_type));
	if (!b.msg.sample_type) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < 4; i++)
		if (info->types == PPROF_TYPES_ALL ||
		    (info->types == PPROF_TYPES_ALLOC) == value_type_is_alloc(sample_order[i]))
			b.types[b.type_cnt++] = sample_order[i];
	for (unsigned i = 0; i < b.type_cnt; i++)
		b.msg.sample_type[b.msg.n_sample_type++] =
			value_type(&b, value_type_name(b.types[i]),
				   value_type_is_bytes(b.types[i]) ? "bytes" : "count");
	b.msg.period_type = value_type(&b, "space", "bytes");
	b.msg.period = profile__rate(p);
	b.msg.default_sample_type = str_id(&b, value_type_name(info->default_type));
	b.msg.time_nanos = info->time_nanos;
	b.msg.duration_nanos = info->duration_nanos;
	b.msg.drop_frames = str_id(&b, alloc_drop_frames_regex());
	b.msg.comment = calloc(2 + info->extra_comment_cnt, sizeof(*b.msg.comment));
	if (b.msg.comment && info->comment)
		b.msg.comment[b.msg.n_comment++] = str_id(&b, info->comment);
	/* a profile read alone must still tell it is incomplete */
	if (b.msg.comment && info->losses && report_losses_events(info->losses)) {
		char buf[96];

		/* the string table keeps the pointer: loss_line lives until the packing */
		snprintf(loss_line, sizeof(loss_line), PPROF_INCOMPLETE "%s",
			 report_losses_summary(info->losses, buf, sizeof(buf)));
		b.msg.comment[b.msg.n_comment++] = str_id(&b, loss_line);
	}
	for (size_t i = 0; b.msg.comment && i < info->extra_comment_cnt; i++)
		b.msg.comment[b.msg.n_comment++] = str_id(&b, info->extra_comments[i]);
	for (uint32_t id = 0; id < stack_cnt && !b.failed; id++)
		add_sample(&b, id, loc_ids);
	if (b.failed) {
		err = -ENOMEM;
		goto out;
	}
	len = perftools__profiles__profile__get_packed_size(&b.msg);
	packed = malloc(len ? len : 1);
	if (!packed) {
		err = -ENOMEM;
		goto out;
	}
	perftools__profiles__profile__pack(&b.msg, packed);
	err = gzip_write(packed, len, f);
out:
	free(packed);
	free(loc_ids);
	free_message(&b.msg);
	hashmap__free(b.string_ids);
	hashmap__free(b.function_ids);
	hashmap__free(b.mapping_ids);
	return err;
}
