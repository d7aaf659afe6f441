// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "addrspace.h"
#include "allocators.h"
#include "collect.h"
#include "hashmap.h"
#include "clock.h"
#include "log.h"
#include "memsnoop_abi.h"
#include "unwind.h"

struct live_sample {
	uint32_t stack_id;
	uint64_t size;
	uint64_t ts_ns; /* allocated then (CLOCK_MONOTONIC, as BPF reads it) */
};

struct collector {
	struct collector_opts opts;
	struct profile *profile;
	struct addrspaces *addrspaces;
	struct symbolizer *symbolizer;
	struct unwinder *unwinder;
	struct hashmap *live;	    /* struct live_key -> struct live_sample */
	struct hashmap *raw_stacks; /* (tgid, flags, pcs...) -> profile stack id */
	struct hashmap *locations;  /* (module id, file offset) -> profile location id */
	struct hashmap *lines;	    /* (module, frames' function, file, line) -> location id */
	int unknown_loc;	    /* the location of every pc outside a file mapping, or -1 */
	struct collector_stats stats;
};

struct collector *collector__new(const struct collector_opts *opts, struct profile *profile)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->opts = *opts;
	c->profile = profile;
	c->unknown_loc = -1;
	c->addrspaces = addrspaces__new();
	c->symbolizer = symbolizer__new();
	c->unwinder = c->addrspaces ? unwinder__new(c->addrspaces) : NULL;
	c->live = hashmap__new(sizeof(struct live_sample));
	c->raw_stacks = hashmap__new(sizeof(uint32_t));
	c->locations = hashmap__new(sizeof(uint32_t));
	c->lines = hashmap__new(sizeof(uint32_t));
	if (!c->addrspaces || !c->symbolizer || !c->unwinder || !c->live || !c->raw_stacks ||
	    !c->locations || !c->lines) {
		collector__free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void collector__free(struct collector *c)
{
	if (!c)
		return;
	unwinder__free(c->unwinder);
	addrspaces__free(c->addrspaces);
	symbolizer__free(c->symbolizer);
	hashmap__free(c->live);
	hashmap__free(c->raw_stacks);
	hashmap__free(c->locations);
	hashmap__free(c->lines);
	free(c);
}

int collector__watch_process(struct collector *c, pid_t pid)
{
	return addrspaces__snapshot(c->addrspaces, pid);
}


static int unknown_location(struct collector *c)
{
	struct frame unknown = { .func = "[unknown]" };

	if (c->unknown_loc < 0)
		c->unknown_loc = profile__add_location(c->profile, NULL, NULL, 0, &unknown, 1);
	return c->unknown_loc;
}

/*
 * The identity of a pc as people read it: its module and every frame's function, file and
 * line, separated by a byte no name holds. NULL (no identity) when a frame has no line:
 * such pcs stay apart.
 */
static char *line_key(const struct module *mod, const struct frame *frames, uint32_t n)
{
	size_t len = 0;
	char *key = NULL;
	FILE *f;

	for (uint32_t i = 0; i < n; i++)
		if (!frames[i].file || !frames[i].line)
			return NULL;
	f = open_memstream(&key, &len);
	if (!f)
		return NULL;
	fprintf(f, "%u", mod->id);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "\x1f%s\x1f%s\x1f%u", frames[i].func, frames[i].file, frames[i].line);
	return fclose(f) ? NULL : key;
}

/* Two call pcs of one source line (an unrolled loop, say) are one site: one location. */
static int same_line_location(struct collector *c, const struct module *mod,
			      const struct frame *frames, uint32_t n)
{
	char *key = line_key(mod, frames, n);
	uint32_t *idp = key ? hashmap__find(c->lines, key, strlen(key) + 1) : NULL;

	free(key);
	return idp ? (int)*idp : -ENOENT;
}

static void remember_line_location(struct collector *c, const struct module *mod,
				   const struct frame *frames, uint32_t n, uint32_t id)
{
	char *key = line_key(mod, frames, n);
	uint32_t *idp = key ? hashmap__upsert(c->lines, key, strlen(key) + 1, NULL) : NULL;

	if (idp)
		*idp = id;
	free(key);
}

/* The location of a return address: the call instruction's own line is at pc - 1. */
static int location_of(struct collector *c, uint32_t tgid, uint64_t ret_addr)
{
	struct frame frames[SYM_MAX_FRAMES];
	const struct module *mod;
	uint64_t key[2], off;
	uint32_t *idp, n;
	bool created;
	int id;

	if (addrspaces__resolve(c->addrspaces, tgid, ret_addr - 1, &mod, &off))
		return unknown_location(c);
	key[0] = mod->id;
	key[1] = off;
	idp = hashmap__upsert(c->locations, key, sizeof(key), &created);
	if (!idp)
		return -ENOMEM;
	if (!created)
		return *idp;
	n = symbolizer__resolve(c->symbolizer, mod, off, frames);
	c->stats.unique_pcs++;
	id = same_line_location(c, mod, frames, n);
	if (id < 0)
		id = profile__add_location(c->profile, mod->path, mod->build_id, off, frames, n);
	if (id >= 0)
		remember_line_location(c, mod, frames, n, id);
	if (id < 0) {
		hashmap__delete(c->locations, key, sizeof(key), NULL);
		return id;
	}
	*idp = id;
	return id;
}

static bool is_allocator_location(const struct profile *p, uint32_t loc_id)
{
	const struct location *loc = profile__location(p, loc_id);

	/* the outermost frame is the function the pc is in; inner ones were inlined into it */
	return is_allocator_function(loc->frames[loc->frame_cnt - 1].func);
}

/* A sample's stack as return addresses, innermost first. */
struct raw_stack {
	uint32_t tgid;
	bool truncated;
	uint32_t cnt;
	const __u64 *pcs;
};

static int resolve_stack(struct collector *c, const struct raw_stack *rs)
{
	uint32_t locs[MAX_STACK_DEPTH], skip = 0;

	for (uint32_t i = 0; i < rs->cnt; i++) {
		int id = location_of(c, rs->tgid, rs->pcs[i]);

		if (id < 0)
			return id;
		locs[i] = id;
	}
	/* allocator frames (wrappers, operator new) are trimmed from the leaf end */
	while (skip + 1 < rs->cnt && is_allocator_location(c->profile, locs[skip]))
		skip++;
	c->stats.unique_stacks++;
	return profile__intern_stack(c->profile, c->opts.split_pids ? rs->tgid : 0, locs + skip,
				     rs->cnt - skip, rs->truncated);
}

static int stack_id_of(struct collector *c, const struct raw_stack *rs)
{
	size_t key_sz = (rs->cnt + 1) * sizeof(__u64);
	__u64 key[MAX_STACK_DEPTH + 1];
	uint32_t *idp;
	bool created;
	int id;

	key[0] = (__u64)rs->tgid << 32 | rs->truncated;
	memcpy(key + 1, rs->pcs, rs->cnt * sizeof(__u64));
	idp = hashmap__upsert(c->raw_stacks, key, key_sz, &created);
	if (!idp)
		return -ENOMEM;
	if (!created)
		return *idp;
	id = resolve_stack(c, rs);
	/* a stack past the profile's cap is not remembered either: every sample is counted */
	if (id < 0 || profile__stack_is_full(c->profile, id)) {
		hashmap__delete(c->raw_stacks, key, key_sz, NULL);
		return id;
	}
	*idp = id;
	return id;
}

/* A live sample freed at now_ns (or, its free lost, found reused then). */
static void forget_live(struct collector *c, const struct live_key *key, uint64_t now_ns)
{
	struct live_sample s;

	if (hashmap__delete(c->live, key, sizeof(*key), &s))
		profile__record_free(c->profile, s.stack_id, s.size,
				     now_ns > s.ts_ns ? now_ns - s.ts_ns : 0);
}

static void handle_alloc(struct collector *c, const struct alloc_head *a,
			 const struct raw_stack *rs)
{
	struct live_key key = { .tgid = a->hdr.tgid, .ptr = a->ptr };
	bool live = !(a->flags & AEF_UNTRACKED);
	struct live_sample *s;
	int id;

	c->stats.alloc_events++;
	c->stats.untracked += !live;
	c->stats.truncated_stacks += rs->truncated;
	id = stack_id_of(c, rs);
	if (id < 0) {
		pr_warn("out of memory: sample dropped\n");
		return;
	}
	profile__record_alloc(c->profile, id, a->size, live);
	if (!live)
		return;
	/* still live here means its free was lost: it was freed before this reuse */
	forget_live(c, &key, a->hdr.ts_ns);
	s = hashmap__upsert(c->live, &key, sizeof(key), NULL);
	if (!s) {
		profile__record_free(c->profile, id, a->size, 0);
		return;
	}
	s->stack_id = id;
	s->size = a->size;
	s->ts_ns = a->hdr.ts_ns;
}

static void handle_alloc_fp(struct collector *c, const struct alloc_event *ev)
{
	__u64 pcs[MAX_STACK_DEPTH];
	struct raw_stack rs = {
		.tgid = ev->a.hdr.tgid,
		.truncated = ev->a.flags & AEF_STACK_TRUNCATED,
		.pcs = pcs,
	};

	for (uint32_t i = 0; i < ev->stack_cnt; i++) {
		/* kernels that recover the caller at a function's entry list it twice */
		if (i == 1 && ev->stack[1] == ev->stack[0])
			continue;
		pcs[rs.cnt++] = ev->stack[i];
	}
	handle_alloc(c, &ev->a, &rs);
}

static void handle_alloc_dwarf(struct collector *c, const struct alloc_dwarf_event *ev)
{
	__u64 pcs[MAX_STACK_DEPTH];
	struct unwind_sample us = {
		.pid = ev->a.hdr.tgid,
		.tid = ev->a.tid,
		.regs = ev->regs,
		.stack = ev->stack,
		.stack_sz = ev->stack_sz,
	};
	struct raw_stack rs = { .tgid = ev->a.hdr.tgid, .pcs = pcs };
	const struct module *mod;
	uint64_t off, start;

	uint64_t gen;

	/* a pc in a library mapped since the last look: refresh the model before unwinding */
	addrspaces__resolve(c->addrspaces, ev->a.hdr.tgid, ev->regs[16] - 1, &mod, &off);
	for (int attempt = 0; attempt < 2; attempt++) {
		gen = addrspaces__generation(c->addrspaces, ev->a.hdr.tgid);
		start = mono_ns();
		rs.cnt = unwinder__unwind(c->unwinder, &us, pcs, MAX_STACK_DEPTH, &rs.truncated);
		c->stats.unwind_ns += mono_ns() - start;
		c->stats.unwound++;
		/* the unwinding may have stopped at a library the model did not have yet: when
		 * its pcs made the model grow, unwind again with the library in it */
		addrspaces__resolve(c->addrspaces, ev->a.hdr.tgid, pcs[rs.cnt - 1] - 1, &mod, &off);
		if (addrspaces__generation(c->addrspaces, ev->a.hdr.tgid) == gen)
			break;
	}
	handle_alloc(c, &ev->a, &rs);
}

static void handle_free(struct collector *c, const struct free_event *ev)
{
	struct live_key key = { .tgid = ev->hdr.tgid, .ptr = ev->ptr };

	c->stats.free_events++;
	if (!hashmap__find(c->live, &key, sizeof(key))) {
		c->stats.unknown_frees++;
		return;
	}
	forget_live(c, &key, ev->hdr.ts_ns);
}

int collector__handle_event(void *ctx, void *data, size_t size)
{
	const struct event_header *hdr = data;
	struct collector *c = ctx;

	if (size < sizeof(*hdr))
		goto bad;
	switch (hdr->type) {
	case EV_ALLOC: {
		const struct alloc_event *ev = data;

		if (size < ALLOC_EVENT_HEADER_SZ || ev->stack_cnt > MAX_STACK_DEPTH ||
		    size < ALLOC_EVENT_HEADER_SZ + ev->stack_cnt * sizeof(__u64))
			goto bad;
		handle_alloc_fp(c, ev);
		return 0;
	}
	case EV_ALLOC_DWARF: {
		const struct alloc_dwarf_event *ev = data;

		if (size < ALLOC_DWARF_EVENT_HEADER_SZ || ev->stack_sz > MAX_STACK_BYTES ||
		    size < ALLOC_DWARF_EVENT_HEADER_SZ + ev->stack_sz)
			goto bad;
		handle_alloc_dwarf(c, ev);
		return 0;
	}
	case EV_FREE:
		if (size < sizeof(struct free_event))
			goto bad;
		handle_free(c, data);
		return 0;
	case EV_EXEC:
		if (size < sizeof(struct exec_event))
			goto bad;
		/* the old image's blocks went with it; the new image has a new map */
		collector__forget_process(c, hdr->tgid, hdr->ts_ns);
		addrspaces__exec(c->addrspaces, hdr->tgid);
		if (c->opts.on_exec)
			c->opts.on_exec(c->opts.ctx, hdr->tgid,
					((const struct exec_event *)data)->old_tid);
		return 0;
	}
bad:
	c->stats.bad_events++;
	return 0;
}

void collector__stats(const struct collector *c, struct collector_stats *out)
{
	*out = c->stats;
	symbolizer__stats(c->symbolizer, &out->sym);
}

struct forget_ctx {
	struct collector *c;
	uint32_t tgid;
	uint64_t now_ns;
	struct live_key *keys;
	size_t cnt, cap;
};

static void collect_pid_keys(const void *key, void *value, void *ctx)
{
	const struct live_key *k = key;
	struct forget_ctx *f = ctx;

	(void)value;
	if (k->tgid != f->tgid)
		return;
	if (f->cnt == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct live_key *tmp = realloc(f->keys, cap * sizeof(*tmp));

		if (!tmp)
			return;
		f->keys = tmp;
		f->cap = cap;
	}
	f->keys[f->cnt++] = *k;
}

void collector__forget_process(struct collector *c, pid_t pid, uint64_t now_ns)
{
	struct forget_ctx f = { .c = c, .tgid = pid, .now_ns = now_ns };

	/* keys first: the table must not change under hashmap__for_each */
	hashmap__for_each(c->live, collect_pid_keys, &f);
	for (size_t i = 0; i < f.cnt; i++)
		forget_live(c, &f.keys[i], now_ns);
	free(f.keys);
}

struct age_ctx {
	struct profile *profile;
	uint64_t now_ns;
};

static void record_age(const void *key, void *value, void *ctx)
{
	const struct live_sample *s = value;
	struct age_ctx *a = ctx;

	(void)key;
	profile__record_live_age(a->profile, s->stack_id, s->size,
				 a->now_ns > s->ts_ns ? a->now_ns - s->ts_ns : 0);
}

void collector__record_live_ages(struct collector *c, uint64_t now_ns)
{
	struct age_ctx a = { c->profile, now_ns };

	hashmap__for_each(c->live, record_age, &a);
}
