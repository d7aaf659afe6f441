// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "diff.h"
#include "escape.h"
#include "gate.h"
#include "hashmap.h"
#include "units.h"

struct site {
	int64_t base, new;
	double base_var, new_var; /* of the sampled estimates; 0 when exact */
};

/* Separates frames in a stack key: a byte no function name holds. */
#define FRAME_SEP '\x1f'

struct entry {
	const char *stack; /* root, FRAME_SEP, ..., leaf; owned by the hashmap key */
	int64_t base, new;
	double var; /* of new - base */
};

struct side {
	const PprofProfile *p;
	int value_idx;
	/* the sample types that give a stack's mean object size, -1: none (taken as exact) */
	int bytes_idx, objects_idx;
	uint64_t rate; /* the profile's period: 1 or less is exact */
	struct hashmap *locs;  /* id -> Location * */
	struct hashmap *funcs; /* id -> Function * */
};

static int value_index(const PprofProfile *p, const char *name)
{
	for (size_t i = 0; i < p->n_sample_type; i++)
		if (!strcmp(p->string_table[p->sample_type[i]->type], name))
			return i;
	return -1;
}

/* inuse_space's partner is inuse_objects, and so on: a stack's variance needs both */
static void index_pair(struct side *s, const char *value)
{
	bool alloc = !strncmp(value, "alloc_", 6);

	s->bytes_idx = value_index(s->p, alloc ? "alloc_space" : "inuse_space");
	s->objects_idx = value_index(s->p, alloc ? "alloc_objects" : "inuse_objects");
	s->rate = s->p->period > 1 ? (uint64_t)s->p->period : 1;
	if (s->bytes_idx < 0 || s->objects_idx < 0 ||
	    (strcmp(value, "inuse_space") && strcmp(value, "inuse_objects") &&
	     strcmp(value, "alloc_space") && strcmp(value, "alloc_objects")))
		s->rate = 1;
}

static double sample_var(const struct side *s, const Perftools__Profiles__Sample *smp)
{
	if (s->rate <= 1)
		return 0;
	return gate__var_of_values(smp->value[s->bytes_idx], smp->value[s->objects_idx], s->rate,
				   s->value_idx == s->bytes_idx);
}

static int index_side(struct side *s, const PprofProfile *p, const char *value, const char *which,
		      char *err, size_t err_sz)
{
	s->p = p;
	s->value_idx = value_index(p, value);
	if (s->value_idx < 0) {
		snprintf(err, err_sz, "%s has no sample type %s", which, value);
		return -EINVAL;
	}
	index_pair(s, value);
	s->locs = hashmap__new(sizeof(void *));
	s->funcs = hashmap__new(sizeof(void *));
	if (!s->locs || !s->funcs)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_location; i++) {
		void **v = hashmap__upsert(s->locs, &p->location[i]->id, sizeof(uint64_t), NULL);

		if (!v)
			return -ENOMEM;
		*v = p->location[i];
	}
	for (size_t i = 0; i < p->n_function; i++) {
		void **v = hashmap__upsert(s->funcs, &p->function[i]->id, sizeof(uint64_t), NULL);

		if (!v)
			return -ENOMEM;
		*v = p->function[i];
	}
	return 0;
}

static void free_side(struct side *s)
{
	hashmap__free(s->locs);
	hashmap__free(s->funcs);
}

static const char *function_name(const struct side *s, uint64_t id)
{
	Perftools__Profiles__Function **f = hashmap__find(s->funcs, &id, sizeof(id));

	return f && (*f)->name ? s->p->string_table[(*f)->name] : "[unknown]";
}

/* root, ..., leaf of a sample, inline frames expanded. The reader checked every id. */
static char *stack_key(const struct side *s, const Perftools__Profiles__Sample *smp)
{
	size_t len = 0;
	char *key = NULL;
	FILE *f = open_memstream(&key, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (size_t i = smp->n_location_id; i-- > 0;) {
		Perftools__Profiles__Location **l =
			hashmap__find(s->locs, &smp->location_id[i], sizeof(uint64_t));

		for (size_t j = (*l)->n_line; j-- > 0;) {
			if (!first)
				fputc(FRAME_SEP, f);
			/* escaped here: the key is what the report prints */
			escape_write(f, function_name(s, (*l)->line[j]->function_id), "");
			first = false;
		}
		if (!(*l)->n_line) {
			if (!first)
				fputc(FRAME_SEP, f);
			fprintf(f, "0x%llx", (unsigned long long)(*l)->address);
			first = false;
		}
	}
	return fclose(f) ? NULL : key;
}

static int add_side(struct hashmap *sites, const struct side *s, bool is_new, int64_t *total,
		    double *total_var)
{
	for (size_t i = 0; i < s->p->n_sample; i++) {
		const Perftools__Profiles__Sample *smp = s->p->sample[i];
		int64_t v = smp->value[s->value_idx];
		char *key = stack_key(s, smp);
		struct site *site;

		if (!key)
			return -ENOMEM;
		site = hashmap__upsert(sites, key, strlen(key) + 1, NULL);
		free(key);
		if (!site)
			return -ENOMEM;
		if (is_new) {
			site->new += v;
			site->new_var += sample_var(s, smp);
		} else {
			site->base += v;
			site->base_var += sample_var(s, smp);
		}
		*total += v;
		*total_var += sample_var(s, smp);
	}
	return 0;
}

struct collect_ctx {
	struct entry *entries;
	size_t cnt;
};

static void collect(const void *key, void *value, void *ctx)
{
	struct collect_ctx *c = ctx;
	struct site *s = value;

	if (s->new != s->base)
		c->entries[c->cnt++] =
			(struct entry){ key, s->base, s->new, s->base_var + s->new_var };
}

static int64_t delta(const struct entry *e)
{
	return e->new - e->base;
}

/* Largest change first (growth: most positive; shrinkage: most negative), then by stack. */
static int by_delta_desc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (delta(x) != delta(y))
		return delta(x) < delta(y) ? 1 : -1;
	return strcmp(x->stack, y->stack);
}

static int by_delta_asc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (delta(x) != delta(y))
		return delta(x) > delta(y) ? 1 : -1;
	return strcmp(x->stack, y->stack);
}

static const char *human(int64_t v, bool bytes, char *buf, size_t sz)
{
	if (bytes)
		return format_bytes(v, buf, sz);
	snprintf(buf, sz, "%lld", (long long)v);
	return buf;
}

static void write_stack(const char *stack, FILE *f)
{
	/* leaf first, as the report lists them */
	const char *end = stack + strlen(stack);

	while (end > stack) {
		const char *start = end;

		while (start > stack && start[-1] != FRAME_SEP)
			start--;
		fprintf(f, "      %.*s\n", (int)(end - start), start);
		end = start > stack ? start - 1 : stack;
	}
}

/* "+500 (+500 B)" for bytes, "+2" for counts */
static const char *signed_amount(int64_t v, bool bytes, char *buf, size_t sz)
{
	char h[32];

	if (bytes)
		snprintf(buf, sz, "%+lld (%s%s)", (long long)v, v >= 0 ? "+" : "", human(v, true, h, sizeof(h)));
	else
		snprintf(buf, sz, "%+lld", (long long)v);
	return buf;
}

/* " ± 4.4 KiB" beside a sampled figure, nothing beside an exact one */
static const char *plus_minus(double var, bool sampled, bool bytes, char *buf, size_t sz)
{
	char h[32];

	if (!sampled)
		return "";
	snprintf(buf, sz, " ± %s", human(var > 0 ? sqrt(var) : 0, bytes, h, sizeof(h)));
	return buf;
}

static void write_list(const char *title, const struct entry *e, size_t n, unsigned top_n,
		       bool bytes, bool sampled, FILE *f)
{
	char b1[64], b2[32], b3[32], b4[40];

	fprintf(f, "\n%s (%zu of %zu stacks):\n", title, n < top_n ? n : (size_t)top_n, n);
	for (size_t i = 0; i < n && i < top_n; i++) {
		fprintf(f, "#%zu %s%s: %s -> %s\n", i + 1,
			signed_amount(delta(&e[i]), bytes, b1, sizeof(b1)),
			plus_minus(e[i].var, sampled, bytes, b4, sizeof(b4)),
			human(e[i].base, bytes, b2, sizeof(b2)), human(e[i].new, bytes, b3, sizeof(b3)));
		write_stack(e[i].stack, f);
	}
}

int diff_profiles(const PprofProfile *base, const PprofProfile *new, const struct diff_opts *opts,
		  FILE *f, struct diff_result *res, char *err, size_t err_sz)
{
	struct side sb = { 0 }, sn = { 0 };
	struct hashmap *sites = hashmap__new(sizeof(struct site));
	struct collect_ctx cc = { 0 };
	size_t grew = 0;
	char b1[32], b2[32], b3[64], b4[40];
	bool bytes, sampled;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!sites)
		return -ENOMEM;
	ret = index_side(&sb, base, opts->value, "BASE", err, err_sz);
	if (!ret)
		ret = index_side(&sn, new, opts->value, "NEW", err, err_sz);
	if (!ret)
		ret = add_side(sites, &sb, false, &res->base_total, &res->base_var);
	if (!ret)
		ret = add_side(sites, &sn, true, &res->new_total, &res->new_var);
	if (ret)
		goto out;
	cc.entries = calloc(hashmap__size(sites) + 1, sizeof(*cc.entries));
	if (!cc.entries) {
		ret = -ENOMEM;
		goto out;
	}
	hashmap__for_each(sites, collect, &cc);
	qsort(cc.entries, cc.cnt, sizeof(*cc.entries), by_delta_desc);
	while (grew < cc.cnt && delta(&cc.entries[grew]) > 0)
		grew++;

	bytes = !strcmp(new->string_table[new->sample_type[sn.value_idx]->unit], "bytes");
	res->bytes = bytes;
	res->base_rate = sb.rate;
	res->new_rate = sn.rate;
	sampled = sb.rate > 1 || sn.rate > 1;
	fprintf(f, "memsnoop diff: %s: base %s, new %s, change %s%s", opts->value,
		human(res->base_total, bytes, b1, sizeof(b1)), human(res->new_total, bytes, b2, sizeof(b2)),
		signed_amount(res->new_total - res->base_total, bytes, b3, sizeof(b3)),
		plus_minus(res->base_var + res->new_var, sampled, bytes, b4, sizeof(b4)));
	/* a ratio of two noisy estimates says nothing more than the change and its error */
	if (res->base_total && !sampled)
		fprintf(f, " %+.1f%%", 100.0 * (res->new_total - res->base_total) / res->base_total);
	if (sampled)
		fprintf(f, " (standard error; sampled at -r %llu and %llu)",
			(unsigned long long)sb.rate, (unsigned long long)sn.rate);
	fprintf(f, "\n");
	write_list("grew most", cc.entries, grew, opts->top_n, bytes, sampled, f);
	qsort(cc.entries + grew, cc.cnt - grew, sizeof(*cc.entries), by_delta_asc);
	write_list("shrank most", cc.entries + grew, cc.cnt - grew, opts->top_n, bytes, sampled, f);
	ret = ferror(f) ? -EIO : 0;
out:
	free(cc.entries);
	free_side(&sb);
	free_side(&sn);
	hashmap__free(sites);
	return ret;
}

void diff_result__estimate(const struct diff_result *res, double bound, struct gate_estimate *e)
{
	double base = res->base_total > 0 ? res->base_total : 0;

	e->value = res->new_total - res->base_total;
	e->var = res->base_var + res->new_var;
	/* had it grown by exactly the bound, new would hold base + bound; counts have no such
	 * bound (tiny objects are seen rarely), their observed variance stands in */
	e->var_at_bound = res->bytes ? gate__var_bound(base, res->base_rate) +
					       gate__var_bound(base + (bound > 0 ? bound : 0),
							       res->new_rate)
				     : e->var;
}
