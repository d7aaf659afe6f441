// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "hashmap.h"
#include "profile.h"

struct profile {
	uint64_t rate;
	struct hashmap *strings; /* interned strings live in the keys */
	struct hashmap *stack_ids; /* (pid, truncated, locs...) -> id */
	struct location *locs;
	size_t loc_cnt, loc_cap;
	struct stack *stacks;
	size_t stack_cnt, stack_cap;
	size_t max_stacks;	    /* 0: no cap */
	uint64_t max_stack_sz;	    /* bytes the stacks (and the collector's raw ones) take */
	uint64_t stack_sz;	    /* charged so far */
	int full_loc;		    /* the "[stack table full]" location, -1 until needed */
	uint64_t full_samples;	    /* samples folded into it */
};

static const char *const value_names[VALUE_CNT] = {
	[VALUE_INUSE_SPACE] = "inuse_space",
	[VALUE_INUSE_OBJECTS] = "inuse_objects",
	[VALUE_ALLOC_SPACE] = "alloc_space",
	[VALUE_ALLOC_OBJECTS] = "alloc_objects",
};

const char *value_type_name(enum value_type type)
{
	return type < VALUE_CNT ? value_names[type] : "?";
}

int value_type_parse(const char *name, enum value_type *out)
{
	for (int i = 0; i < VALUE_CNT; i++) {
		if (!strcmp(name, value_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool value_type_is_bytes(enum value_type type)
{
	return type == VALUE_INUSE_SPACE || type == VALUE_ALLOC_SPACE;
}

bool value_type_is_alloc(enum value_type type)
{
	return type == VALUE_ALLOC_SPACE || type == VALUE_ALLOC_OBJECTS;
}

double sample_weight(uint64_t size, uint64_t rate)
{
	double p;

	if (rate <= 1)
		return 1.0;
	p = -expm1(-(double)size / (double)rate);
	return p > 0 ? 1.0 / p : 1.0;
}

double stack_value(const struct stack *stack, enum value_type type)
{
	switch (type) {
	case VALUE_INUSE_SPACE: return stack->v.inuse_space;
	case VALUE_INUSE_OBJECTS: return stack->v.inuse_objects;
	case VALUE_ALLOC_SPACE: return stack->v.alloc_space;
	case VALUE_ALLOC_OBJECTS: return stack->v.alloc_objects;
	default: return 0;
	}
}

double stack_value_se(const struct stack_values *v, enum value_type type)
{
	double var;

	switch (type) {
	case VALUE_INUSE_SPACE: var = v->inuse_space_var; break;
	case VALUE_INUSE_OBJECTS: var = v->inuse_objects_var; break;
	case VALUE_ALLOC_SPACE: var = v->alloc_space_var; break;
	case VALUE_ALLOC_OBJECTS: var = v->alloc_objects_var; break;
	default: var = 0;
	}
	return var > 0 ? sqrt(var) : 0;
}

struct profile *profile__new(uint64_t rate)
{
	struct profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->rate = rate;
	p->max_stacks = PROFILE_DEFAULT_MAX_STACKS;
	p->max_stack_sz = PROFILE_DEFAULT_STACK_MEMORY;
	p->full_loc = -1;
	p->strings = hashmap__new(0);
	p->stack_ids = hashmap__new(sizeof(uint32_t));
	if (!p->strings || !p->stack_ids) {
		profile__free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->loc_cnt; i++)
		free((void *)p->locs[i].frames);
	for (size_t i = 0; i < p->stack_cnt; i++)
		free((void *)p->stacks[i].locs);
	free(p->locs);
	free(p->stacks);
	hashmap__free(p->strings);
	hashmap__free(p->stack_ids);
	free(p);
}

uint64_t profile__rate(const struct profile *p)
{
	return p->rate;
}

/* The interned copy of s (NULL stays NULL). The key bytes follow the empty value. */
static const char *intern(struct profile *p, const char *s)
{
	size_t len;
	char *v;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	v = hashmap__upsert(p->strings, s, len, NULL);
	return v; /* a zero-size value: the key is stored right there */
}

int profile__add_location(struct profile *p, const char *module, const char *build_id,
			  uint64_t offset, const struct frame *frames, uint32_t frame_cnt)
{
	struct frame *copy;
	struct location *loc;

	if (grow_array((void **)&p->locs, &p->loc_cap, p->loc_cnt + 1, sizeof(*p->locs)))
		return -ENOMEM;
	copy = calloc(frame_cnt, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (uint32_t i = 0; i < frame_cnt; i++) {
		copy[i].func = intern(p, frames[i].func ? frames[i].func : "[unknown]");
		copy[i].file = intern(p, frames[i].file);
		copy[i].line = frames[i].line;
		copy[i].start_line = frames[i].start_line;
		copy[i].system_name = intern(p, frames[i].system_name);
		if (!copy[i].func || (frames[i].file && !copy[i].file) ||
		    (frames[i].system_name && !copy[i].system_name)) {
			free(copy);
			return -ENOMEM;
		}
	}
	loc = &p->locs[p->loc_cnt];
	loc->module = intern(p, module ? module : "[unknown]");
	loc->build_id = intern(p, build_id);
	if (!loc->module || (build_id && !loc->build_id)) {
		free(copy);
		return -ENOMEM;
	}
	loc->offset = offset;
	loc->frame_cnt = frame_cnt;
	loc->frames = copy;
	return p->loc_cnt++;
}

/* What a stack costs: its entry, its locations, its key in the table and the table's own
 * bookkeeping of an entry (about two pointers and a hash). */
#define STACK_ENTRY_SZ(loc_cnt, key_sz) \
	(sizeof(struct stack) + (loc_cnt) * sizeof(uint32_t) + (key_sz) + 32)

bool profile__charge_stack(struct profile *p, size_t sz)
{
	if (p->max_stack_sz && p->stack_sz + sz > p->max_stack_sz)
		return false;
	p->stack_sz += sz;
	return true;
}

uint64_t profile__stack_memory(const struct profile *p)
{
	return p->stack_sz;
}

uint64_t profile__stack_memory_bound(const struct profile *p)
{
	return p->max_stack_sz;
}

void profile__set_stack_memory(struct profile *p, uint64_t bytes)
{
	p->max_stack_sz = bytes;
}

static int intern_stack(struct profile *p, uint32_t pid, const uint32_t *locs, uint32_t loc_cnt,
			bool truncated, bool capped)
{
	size_t key_sz = (loc_cnt + 2) * sizeof(uint32_t);
	uint32_t key_buf[64], *key = key_buf, *idp;
	struct stack *stack;
	bool created;
	int err = 0;

	if (loc_cnt + 2 > sizeof(key_buf) / sizeof(key_buf[0])) {
		key = malloc(key_sz);
		if (!key)
			return -ENOMEM;
	}
	key[0] = pid;
	key[1] = truncated;
	memcpy(key + 2, locs, loc_cnt * sizeof(*locs));
	if (capped && ((p->max_stacks && p->stack_cnt >= p->max_stacks) ||
		       !profile__charge_stack(p, STACK_ENTRY_SZ(loc_cnt, key_sz)))) {
		idp = hashmap__find(p->stack_ids, key, key_sz);
		err = idp ? (int)*idp : -ENOSPC;
		goto out;
	}
	idp = hashmap__upsert(p->stack_ids, key, key_sz, &created);
	if (!idp) {
		err = -ENOMEM;
		goto out;
	}
	if (!created) {
		err = *idp;
		goto out;
	}
	if (grow_array((void **)&p->stacks, &p->stack_cap, p->stack_cnt + 1,
		       sizeof(*p->stacks))) {
		hashmap__delete(p->stack_ids, key, key_sz, NULL);
		err = -ENOMEM;
		goto out;
	}
	stack = &p->stacks[p->stack_cnt];
	memset(stack, 0, sizeof(*stack));
	stack->locs = malloc(loc_cnt * sizeof(*locs) + 1);
	if (!stack->locs) {
		hashmap__delete(p->stack_ids, key, key_sz, NULL);
		err = -ENOMEM;
		goto out;
	}
	memcpy((void *)stack->locs, locs, loc_cnt * sizeof(*locs));
	stack->pid = pid;
	stack->loc_cnt = loc_cnt;
	stack->truncated = truncated;
	*idp = p->stack_cnt;
	err = p->stack_cnt++;
out:
	if (key != key_buf)
		free(key);
	return err;
}

/*
 * Past the cap, a new stack's samples go to one "[stack table full]" site per process, counted:
 * memory stays bounded whatever the target does, and the loss is said, never hidden.
 */
int profile__full_stack(struct profile *p, uint32_t pid)
{
	static const struct frame full = { PROFILE_FULL_NAME, NULL, 0, 0, NULL };

	if (p->full_loc < 0)
		p->full_loc = profile__add_location(p, PROFILE_FULL_NAME, NULL, 0, &full, 1);
	if (p->full_loc < 0)
		return p->full_loc;
	return intern_stack(p, pid, (uint32_t[]){ p->full_loc }, 1, false, false);
}

int profile__intern_stack(struct profile *p, uint32_t pid, const uint32_t *locs,
			  uint32_t loc_cnt, bool truncated)
{
	int id = intern_stack(p, pid, locs, loc_cnt, truncated, true);

	return id == -ENOSPC ? profile__full_stack(p, pid) : id;
}

size_t profile__max_stacks(const struct profile *p)
{
	return p->max_stacks;
}

void profile__set_max_stacks(struct profile *p, size_t max_stacks)
{
	p->max_stacks = max_stacks;
}

uint64_t profile__full_samples(const struct profile *p)
{
	return p->full_samples;
}

bool profile__stack_is_full(const struct profile *p, uint32_t stack_id)
{
	const struct stack *s = &p->stacks[stack_id];

	return p->full_loc >= 0 && s->loc_cnt == 1 && s->locs[0] == (uint32_t)p->full_loc;
}

void profile__record_alloc(struct profile *p, uint32_t stack_id, uint64_t size, bool live)
{
	struct stack_values *v = &p->stacks[stack_id].v;
	double w = sample_weight(size, p->rate), var = w * (w - 1);

	if (profile__stack_is_full(p, stack_id))
		p->full_samples++;
	v->alloc_samples++;
	v->alloc_objects += w;
	v->alloc_space += w * size;
	v->alloc_objects_var += var;
	v->alloc_space_var += var * size * size;
	if (live) {
		v->inuse_samples++;
		v->inuse_objects += w;
		v->inuse_space += w * size;
		v->inuse_objects_var += var;
		v->inuse_space_var += var * size * size;
	}
}

unsigned lifetime_bucket(uint64_t ns)
{
	unsigned k = 0;

	while (ns >>= 1)
		k++;
	return k < LIFETIME_BUCKETS ? k : LIFETIME_BUCKETS - 1;
}

void profile__clear_live_ages(struct profile *p)
{
	for (size_t i = 0; i < p->stack_cnt; i++)
		memset(p->stacks[i].live_ages, 0, sizeof(p->stacks[i].live_ages));
}

void profile__record_live_age(struct profile *p, uint32_t stack_id, uint64_t size, uint64_t age_ns)
{
	p->stacks[stack_id].live_ages[lifetime_bucket(age_ns)] += sample_weight(size, p->rate);
}

void profile__record_gone(struct profile *p, uint32_t stack_id, uint64_t size)
{
	struct stack_values *v = &p->stacks[stack_id].v;
	double w = sample_weight(size, p->rate);

	if (!v->inuse_samples)
		return;
	if (--v->inuse_samples == 0) {
		/* exactly nothing in use, not a floating-point residue */
		v->inuse_objects = 0;
		v->inuse_space = 0;
		v->inuse_objects_var = 0;
		v->inuse_space_var = 0;
		return;
	}
	v->inuse_objects -= w;
	v->inuse_space -= w * size;
	v->inuse_objects_var -= w * (w - 1);
	v->inuse_space_var -= w * (w - 1) * size * size;
}

void profile__record_free(struct profile *p, uint32_t stack_id, uint64_t size,
			  uint64_t lifetime_ns)
{
	if (p->stacks[stack_id].v.inuse_samples)
		p->stacks[stack_id].lifetimes[lifetime_bucket(lifetime_ns)] +=
			sample_weight(size, p->rate);
	profile__record_gone(p, stack_id, size);
}

/* Stacks' samples are independent: their estimates and their variances add up. */
static void sum_values(struct stack_values *to, const struct stack_values *from)
{
	to->alloc_objects += from->alloc_objects;
	to->alloc_space += from->alloc_space;
	to->inuse_objects += from->inuse_objects;
	to->inuse_space += from->inuse_space;
	to->alloc_samples += from->alloc_samples;
	to->inuse_samples += from->inuse_samples;
	to->alloc_objects_var += from->alloc_objects_var;
	to->alloc_space_var += from->alloc_space_var;
	to->inuse_objects_var += from->inuse_objects_var;
	to->inuse_space_var += from->inuse_space_var;
}

static void add_values(struct stack *to, const struct stack *from)
{
	sum_values(&to->v, &from->v);
	for (unsigned k = 0; k < LIFETIME_BUCKETS; k++) {
		to->lifetimes[k] += from->lifetimes[k];
		to->live_ages[k] += from->live_ages[k];
	}
}

/* The location of a group's root frame in p, made on first use. */
static int group_location(struct profile *p, const char *label, const char **labels,
			  int *ids, size_t *cnt)
{
	struct frame frame = { .func = label };
	int id;

	for (size_t i = 0; i < *cnt; i++)
		if (!strcmp(labels[i], label))
			return ids[i];
	id = profile__add_location(p, PROFILE_GROUP_MODULE, NULL, 0, &frame, 1);
	if (id >= 0) {
		labels[*cnt] = label;
		ids[(*cnt)++] = id;
	}
	return id;
}

/* The same location ids in dst as in src: a stack's locations are copied as they are. */
static int copy_locations(struct profile *dst, const struct profile *src)
{
	for (size_t i = 0; i < src->loc_cnt; i++) {
		const struct location *l = &src->locs[i];
		int err = profile__add_location(dst, l->module, l->build_id, l->offset, l->frames,
						l->frame_cnt);

		if (err < 0)
			return err;
	}
	return 0;
}

/* A process's group: group_of's label, told apart by build ID where two builds share it. */
struct pid_group {
	const char *label;
	const char *build_id; /* of its executable (the module of its _start), or NULL */
	char *shown;	      /* the root frame's name */
};

struct label_use {
	const char *build_id; /* the first build seen under the label */
	bool ambiguous;	      /* another build has it too */
};

static void pid_group_label(const void *key, void *value, void *ctx)
{
	struct pid_group *g = value;
	struct label_use *use;

	(void)key;
	if (!g->label)
		return;
	use = hashmap__find(ctx, g->label, strlen(g->label) + 1);
	if (use && use->ambiguous && g->build_id)
		g->shown = asprintf(&g->shown, "%s [build %.12s]", g->label, g->build_id) < 0
				   ? NULL : g->shown;
	else
		g->shown = strdup(g->label);
}

static void pid_group_free(const void *key, void *value, void *ctx)
{
	(void)key;
	(void)ctx;
	free(((struct pid_group *)value)->shown);
}

static const char *root_build_id(const struct profile *p, const struct stack *s)
{
	const struct location *l = s->loc_cnt ? &p->locs[s->locs[s->loc_cnt - 1]] : NULL;

	return l && l->frame_cnt && !strcmp(l->frames[l->frame_cnt - 1].func, "_start")
		       ? l->build_id : NULL;
}

/* Each process's root frame name (pid -> struct pid_group), or NULL: out of memory. */
static struct hashmap *pid_groups(const struct profile *src, profile_group_fn group_of,
				  void *ctx)
{
	struct hashmap *pids = hashmap__new(sizeof(struct pid_group));
	struct hashmap *labels = hashmap__new(sizeof(struct label_use));
	int err = pids && labels ? 0 : -ENOMEM;

	for (size_t i = 0; i < src->stack_cnt && !err && group_of; i++) {
		const struct stack *s = &src->stacks[i];
		struct pid_group *g;
		struct label_use *use;
		bool created;

		if (!s->pid)
			continue;
		g = hashmap__upsert(pids, &s->pid, sizeof(s->pid), &created);
		if (!g) {
			err = -ENOMEM;
			break;
		}
		if (created)
			g->label = group_of(ctx, s->pid);
		if (!g->label || g->build_id || !root_build_id(src, s))
			continue;
		g->build_id = root_build_id(src, s);
		use = hashmap__upsert(labels, g->label, strlen(g->label) + 1, &created);
		if (!use)
			err = -ENOMEM;
		else if (created)
			use->build_id = g->build_id;
		else if (strcmp(use->build_id, g->build_id))
			use->ambiguous = true;
	}
	if (!err)
		hashmap__for_each(pids, pid_group_label, labels);
	hashmap__free(labels);
	if (err) {
		hashmap__free(pids);
		return NULL;
	}
	return pids;
}

static void pid_groups__free(struct hashmap *pids)
{
	if (pids)
		hashmap__for_each(pids, pid_group_free, NULL);
	hashmap__free(pids);
}

static const char *group_label(struct hashmap *pids, uint32_t pid)
{
	struct pid_group *g = pid ? hashmap__find(pids, &pid, sizeof(pid)) : NULL;

	return g && g->label ? g->shown : NULL;
}

struct profile *profile__regroup(const struct profile *src, profile_group_fn group_of, void *ctx)
{
	struct profile *dst = profile__new(src->rate);
	const char **labels = calloc(src->stack_cnt + 1, sizeof(*labels));
	int *ids = calloc(src->stack_cnt + 1, sizeof(*ids));
	struct hashmap *pids = pid_groups(src, group_of, ctx);
	int err = dst && labels && ids && pids ? 0 : -ENOMEM;
	uint32_t locs[MAX_GROUPED_DEPTH];
	size_t label_cnt = 0;

	if (!err)
		err = copy_locations(dst, src);
	for (size_t i = 0; i < src->stack_cnt && !err; i++) {
		const struct stack *s = &src->stacks[i];
		const char *label = group_label(pids, s->pid);
		uint32_t n = s->loc_cnt < MAX_GROUPED_DEPTH - 1 ? s->loc_cnt : MAX_GROUPED_DEPTH - 1;
		int id;

		memcpy(locs, s->locs, n * sizeof(*locs));
		if (label) {
			id = group_location(dst, label, labels, ids, &label_cnt);
			if (id < 0) {
				err = id;
				break;
			}
			locs[n++] = id;
		}
		id = profile__intern_stack(dst, 0, locs, n, s->truncated);
		if (id < 0)
			err = id;
		else
			add_values(&dst->stacks[id], s);
	}
	pid_groups__free(pids);
	free(labels);
	free(ids);
	if (err) {
		profile__free(dst);
		errno = -err;
		return NULL;
	}
	return dst;
}

/* base's values, subtracted from a copy of s: allocations always, in use unless alloc_only. */
static void subtract_base(struct stack *s, const struct stack_values *base, bool alloc_only)
{
	s->v.alloc_objects -= base->alloc_objects;
	s->v.alloc_space -= base->alloc_space;
	s->v.alloc_samples -= base->alloc_samples;
	if (alloc_only)
		return;
	s->v.inuse_objects -= base->inuse_objects;
	s->v.inuse_space -= base->inuse_space;
	s->v.inuse_samples -= base->inuse_samples;
}

static bool unchanged(const struct stack_values *v)
{
	return !v->alloc_samples && !v->inuse_samples && !v->alloc_space && !v->inuse_space &&
	       !v->alloc_objects && !v->inuse_objects;
}

struct profile *profile__view(const struct profile *src, const struct profile_view_opts *o)
{
	struct profile *dst = profile__new(src->rate);
	int err = dst ? copy_locations(dst, src) : -ENOMEM;

	for (size_t i = 0; i < src->stack_cnt && !err; i++) {
		struct stack s = src->stacks[i];
		int id;

		if (o->keep && !o->keep(o->keep_ctx, s.pid))
			continue;
		if (o->base && i < o->base_cnt) {
			subtract_base(&s, &o->base[i], o->base_alloc_only);
			if (unchanged(&s.v))
				continue;
		}
		id = profile__intern_stack(dst, s.pid, s.locs, s.loc_cnt, s.truncated);
		if (id < 0)
			err = id;
		else
			add_values(&dst->stacks[id], &s);
	}
	if (err) {
		profile__free(dst);
		errno = -err;
		return NULL;
	}
	return dst;
}

struct stack_values *profile__baseline(const struct profile *p, size_t *cnt)
{
	struct stack_values *base = calloc(p->stack_cnt ? p->stack_cnt : 1, sizeof(*base));

	for (size_t id = 0; base && id < p->stack_cnt; id++)
		base[id] = p->stacks[id].v;
	*cnt = base ? p->stack_cnt : 0;
	return base;
}

size_t profile__stack_cnt(const struct profile *p)
{
	return p->stack_cnt;
}

const struct stack *profile__stack(const struct profile *p, uint32_t id)
{
	return id < p->stack_cnt ? &p->stacks[id] : NULL;
}

const struct location *profile__location(const struct profile *p, uint32_t id)
{
	return id < p->loc_cnt ? &p->locs[id] : NULL;
}

void profile__totals(const struct profile *p, struct stack_values *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->stack_cnt; i++)
		sum_values(out, &p->stacks[i].v);
}
