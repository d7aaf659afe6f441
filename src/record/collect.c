// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "addrspace.h"
#include "alloc_names.h"
#include "array.h"
#include "collect.h"
#include "hashmap.h"
#include "clock.h"
#include "live_index.h"
#include "log.h"
#include "memsnoop_abi.h"
#include "unwind_abi.h"
#include "copy_unwinder.h"

/*
 * Record, then interpret. The ring buffer callback only decodes: each pc becomes its file and
 * offset (struct pc_key, while the process's map is surely there) and each sample is counted
 * against its raw stack of those keys. Raw stacks seen since the last snapshot wait, with
 * their samples in order in a log, for collector__snapshot(), which symbolizes their new pcs
 * (libdw: milliseconds for a module's first pc) outside the callback and replays the log
 * into the profile. Raw stacks already resolved feed the profile directly.
 */

/* A pc as recorded: the module (by its dense id, one per device and inode) and the offset of
 * the call instruction in its file; mod_id UNKNOWN_MODULE when no file mapping holds it. */
struct pc_key {
	uint32_t mod_id;
	uint32_t pad;
	uint64_t off;
};

#define UNKNOWN_MODULE UINT32_MAX

struct raw_entry {
	int stack_id; /* in the profile, once resolved */
	uint32_t pid; /* 0 unless processes are kept apart */
	bool truncated;
	bool overflow; /* the samples of new stacks past the cap: the profile's full site */
	uint32_t cnt;
	const struct pc_key *pcs; /* innermost first: inside raw_ids' key of this entry */
};

/* the hash table's bookkeeping of a raw stack's entry, beside its key and raw_entry */
#define RAW_ENTRY_OVERHEAD_SZ 32

/* samples waiting for their stack's symbols past which a tick resolves them anyway */
#define COLLECT_MAX_PENDING (1 << 16)

enum op {
	OP_ALLOC,      /* a sample whose free will not be seen */
	OP_ALLOC_LIVE, /* a sample in use until its free */
	OP_FREE,
	OP_GONE,       /* a sample no longer live whose free was lost: no lifetime */
};

/* A sample of a raw stack not resolved yet, kept for the snapshot to replay. */
struct pending_op {
	uint32_t raw;
	enum op op;
	uint64_t size;
	uint64_t lifetime_ns;
};

struct live_sample {
	uint32_t raw; /* raw stack index */
	uint64_t size;
	uint64_t ts_ns; /* allocated then (CLOCK_MONOTONIC, as BPF reads it) */
};

struct collector {
	struct collector_opts opts;
	struct profile *profile;
	struct addrspaces *addrspaces;
	struct symbolizer *symbolizer;
	struct copy_unwinder *unwinder;
	struct hashmap *live;	    /* struct live_key -> struct live_sample */
	struct live_index *by_addr; /* the same blocks in address order, for `where` */
	struct hashmap *raw_ids;    /* (pid, truncated, pc keys...) -> raw stack index */
	struct raw_entry *raws;	    /* [0, resolved_cnt) resolved, the rest waiting */
	size_t raw_cnt, raw_cap, resolved_cnt;
	struct pending_op *pending; /* samples of waiting raw stacks, in arrival order */
	size_t pending_cnt, pending_cap;
	struct hashmap *locations;  /* struct pc_key -> profile location id */
	struct hashmap *lines;	    /* (module, frames' function, file, line) -> location id */
	struct hashmap *oracle;	    /* tid -> struct alloc_event: the kernel's walk to compare */
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
	c->unwinder = c->addrspaces ? copy_unwinder__new(c->addrspaces) : NULL;
	c->live = hashmap__new(sizeof(struct live_sample));
	c->by_addr = live_index__new();
	c->raw_ids = hashmap__new(sizeof(uint32_t));
	c->locations = hashmap__new(sizeof(uint32_t));
	c->lines = hashmap__new(sizeof(uint32_t));
	c->oracle = hashmap__new(sizeof(struct alloc_event));
	if (!c->addrspaces || !c->symbolizer || !c->unwinder || !c->live || !c->by_addr || !c->raw_ids ||
	    !c->locations || !c->lines || !c->oracle) {
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
	copy_unwinder__free(c->unwinder);
	addrspaces__free(c->addrspaces);
	symbolizer__free(c->symbolizer);
	hashmap__free(c->live);
	live_index__free(c->by_addr);
	hashmap__free(c->raw_ids);
	free(c->raws);
	free(c->pending);
	hashmap__free(c->locations);
	hashmap__free(c->lines);
	hashmap__free(c->oracle);
	free(c);
}

struct addrspaces *collector__addrspaces(struct collector *c)
{
	return c->addrspaces;
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

/* The location of a recorded pc, symbolized the first time it is seen. */
static int location_of(struct collector *c, const struct pc_key *key)
{
	struct frame frames[SYM_MAX_FRAMES];
	const struct module *mod = addrspaces__module(c->addrspaces, key->mod_id);
	uint32_t *idp, n;
	bool created;
	int id;

	if (!mod)
		return unknown_location(c);
	idp = hashmap__upsert(c->locations, key, sizeof(*key), &created);
	if (!idp)
		return -ENOMEM;
	if (!created)
		return *idp;
	n = symbolizer__resolve(c->symbolizer, mod, key->off, frames);
	c->stats.unique_pcs++;
	id = same_line_location(c, mod, frames, n);
	if (id < 0)
		id = profile__add_location(c->profile, mod->path, mod->build_id, key->off, frames, n);
	if (id >= 0)
		remember_line_location(c, mod, frames, n, id);
	if (id < 0) {
		hashmap__delete(c->locations, key, sizeof(*key), NULL);
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

/* The profile stack of a raw one: its pcs symbolized, allocator frames trimmed. */
static int resolve_stack(struct collector *c, const struct raw_entry *raw)
{
	uint32_t locs[MAX_STACK_DEPTH], skip = 0;

	if (raw->overflow)
		return profile__full_stack(c->profile, raw->pid);
	for (uint32_t i = 0; i < raw->cnt; i++) {
		int id = location_of(c, &raw->pcs[i]);

		if (id < 0)
			return id;
		locs[i] = id;
	}
	/* allocator frames (wrappers, operator new) are trimmed from the leaf end */
	while (skip + 1 < raw->cnt && is_allocator_location(c->profile, locs[skip]))
		skip++;
	c->stats.unique_stacks++;
	return profile__intern_stack(c->profile, raw->pid, locs + skip, raw->cnt - skip,
				     raw->truncated);
}

static void apply(struct profile *p, uint32_t stack_id, enum op op, uint64_t size,
		  uint64_t lifetime_ns)
{
	if (op == OP_FREE)
		profile__record_free(p, stack_id, size, lifetime_ns);
	else if (op == OP_GONE)
		profile__record_gone(p, stack_id, size);
	else
		profile__record_alloc(p, stack_id, size, op == OP_ALLOC_LIVE);
}

/* A sample of raw stack raw: into the profile at once when its stack is known, else logged. */
static void record(struct collector *c, uint32_t raw, enum op op, uint64_t size,
		   uint64_t lifetime_ns)
{
	if (raw < c->resolved_cnt) {
		if (c->raws[raw].stack_id >= 0)
			apply(c->profile, c->raws[raw].stack_id, op, size, lifetime_ns);
		return;
	}
	if (grow_array((void **)&c->pending, &c->pending_cap, c->pending_cnt + 1,
		       sizeof(*c->pending))) {
		c->stats.unresolved_samples++;
		return;
	}
	c->pending[c->pending_cnt++] = (struct pending_op){ raw, op, size, lifetime_ns };
}

static void release_module(void *ctx, const struct module *mod)
{
	symbolizer__forget_module(ctx, mod);
}

int collector__resolve(struct collector *c)
{
	int err = 0;

	for (; c->resolved_cnt < c->raw_cnt; c->resolved_cnt++) {
		struct raw_entry *raw = &c->raws[c->resolved_cnt];

		raw->stack_id = resolve_stack(c, raw);
		if (raw->stack_id < 0)
			err = raw->stack_id; /* its samples are counted as lost, below */
	}
	for (size_t i = 0; i < c->pending_cnt; i++) {
		const struct pending_op *o = &c->pending[i];
		int id = c->raws[o->raw].stack_id;

		if (id >= 0)
			apply(c->profile, id, o->op, o->size, o->lifetime_ns);
		else
			c->stats.unresolved_samples += o->op != OP_FREE && o->op != OP_GONE;
	}
	c->pending_cnt = 0;
	/* the samples of exited processes are symbolized: the files only they mapped can go */
	addrspaces__release_unmapped(c->addrspaces, release_module, c->symbolizer);
	if (err)
		pr_warn("out of memory: samples of some stacks dropped\n");
	return err;
}

/* A sample's stack as return addresses, innermost first; or, walked in the kernel, as
 * UNWIND_FRAME(module, offset of the return address) (files). */
struct raw_stack {
	uint32_t tgid;
	bool truncated;
	bool files;
	uint32_t cnt;
	const __u64 *pcs;
};

/* The call instruction of a return address: its file and offset, the line is at pc - 1. A
 * frame the kernel sent names its file already: no process map is needed (it may be gone). */
static struct pc_key pc_key_of(struct collector *c, const struct raw_stack *rs, uint64_t ret_addr)
{
	struct pc_key key = { .mod_id = UNKNOWN_MODULE };
	const struct module *mod;
	uint64_t off;

	if (rs->files) {
		if (UNWIND_FRAME_MOD(ret_addr) != UNWIND_FRAME_NO_MOD &&
		    addrspaces__module(c->addrspaces, UNWIND_FRAME_MOD(ret_addr))) {
			key.mod_id = UNWIND_FRAME_MOD(ret_addr);
			key.off = UNWIND_FRAME_OFFSET(ret_addr) - 1;
		}
		return key;
	}
	if (!addrspaces__resolve(c->addrspaces, rs->tgid, ret_addr - 1, &mod, &off)) {
		key.mod_id = mod->id;
		key.off = off;
	}
	return key;
}

/* The index of a raw stack, recorded (its pcs as files and offsets) when new; or -ENOMEM. */
/* The raw entry of pid's samples past the cap of stacks (one per process, no pcs). */
static int overflow_raw_id(struct collector *c, uint32_t pid)
{
	uint32_t key[2] = { pid, UINT32_MAX }, *idp;
	bool created;

	idp = hashmap__upsert(c->raw_ids, key, sizeof(key), &created);
	if (!idp)
		return -ENOMEM;
	if (!created)
		return *idp;
	if (grow_array((void **)&c->raws, &c->raw_cap, c->raw_cnt + 1, sizeof(*c->raws))) {
		hashmap__delete(c->raw_ids, key, sizeof(key), NULL);
		return -ENOMEM;
	}
	c->raws[c->raw_cnt] = (struct raw_entry){ .stack_id = -1, .pid = pid, .overflow = true };
	*idp = c->raw_cnt;
	return c->raw_cnt++;
}

static int raw_id_of(struct collector *c, const struct raw_stack *rs)
{
	struct {
		uint32_t pid;
		uint32_t truncated;
		struct pc_key pcs[MAX_STACK_DEPTH];
	} key = { .pid = c->opts.split_pids ? rs->tgid : 0, .truncated = rs->truncated };
	size_t key_sz = offsetof(typeof(key), pcs) + rs->cnt * sizeof(struct pc_key);
	struct raw_entry *raw;
	uint32_t *idp;
	bool created;

	for (uint32_t i = 0; i < rs->cnt; i++)
		key.pcs[i] = pc_key_of(c, rs, rs->pcs[i]);
	idp = hashmap__upsert(c->raw_ids, &key, key_sz, &created);
	if (!idp)
		return -ENOMEM;
	if (!created)
		return *idp;
	/* past the profile's cap of stacks, or its memory bound (raw stacks count in it), a new raw
	 * stack is not remembered either: its samples go to its process's one overflow entry,
	 * counted, and memory stays bounded */
	if ((profile__max_stacks(c->profile) && c->raw_cnt >= profile__max_stacks(c->profile)) ||
	    !profile__charge_stack(c->profile, key_sz + sizeof(*raw) + RAW_ENTRY_OVERHEAD_SZ)) {
		hashmap__delete(c->raw_ids, &key, key_sz, NULL);
		return overflow_raw_id(c, key.pid);
	}
	if (grow_array((void **)&c->raws, &c->raw_cap, c->raw_cnt + 1, sizeof(*c->raws)))
		goto nomem;
	raw = &c->raws[c->raw_cnt];
	/* the pcs are those of the key the table keeps: no second copy */
	*raw = (struct raw_entry){ -1, key.pid, rs->truncated, false, rs->cnt,
				   (const struct pc_key *)((const char *)hashmap__key_of(c->raw_ids, idp) +
							   offsetof(typeof(key), pcs)) };
	*idp = c->raw_cnt;
	return c->raw_cnt++;
nomem:
	hashmap__delete(c->raw_ids, &key, key_sz, NULL);
	return -ENOMEM;
}

/* A live sample freed at now_ns; lifetime_known false: its free event was lost. */
static void forget_live(struct collector *c, const struct live_key *key, uint64_t now_ns,
			bool lifetime_known)
{
	struct live_sample s;

	if (!hashmap__delete(c->live, key, sizeof(*key), &s))
		return;
	live_index__remove(c->by_addr, key->tgid, key->ptr);
	if (lifetime_known)
		record(c, s.raw, OP_FREE, s.size, now_ns > s.ts_ns ? now_ns - s.ts_ns : 0);
	else
		record(c, s.raw, OP_GONE, s.size, 0);
}

static void handle_alloc(struct collector *c, const struct alloc_head *a,
			 const struct raw_stack *rs)
{
	struct live_key key = { .tgid = a->hdr.tgid, .ptr = a->ptr };
	bool live = !(a->flags & AEF_UNTRACKED);
	struct live_sample *s;
	int raw;

	c->stats.alloc_events++;
	c->stats.untracked += !live;
	c->stats.truncated_stacks += rs->truncated;
	raw = raw_id_of(c, rs);
	if (raw < 0) {
		c->stats.unresolved_samples++;
		pr_warn("out of memory: sample dropped\n");
		return;
	}
	if (!live) {
		record(c, raw, OP_ALLOC, a->size, 0);
		return;
	}
	/* still live here means its free was lost: it was freed before this reuse */
	if (hashmap__find(c->live, &key, sizeof(key))) {
		c->stats.lost_frees++;
		forget_live(c, &key, 0, false);
	}
	s = hashmap__upsert(c->live, &key, sizeof(key), NULL);
	/* a block `where` cannot find is still in use: only the index misses it */
	if (s && live_index__add(c->by_addr, key.tgid, key.ptr, a->size))
		c->stats.unindexed++;
	if (!s) {
		/* not trackable: allocated, never in use */
		record(c, raw, OP_ALLOC, a->size, 0);
		return;
	}
	record(c, raw, OP_ALLOC_LIVE, a->size, 0);
	s->raw = raw;
	s->size = a->size;
	s->ts_ns = a->hdr.ts_ns;
}

static void handle_alloc_fp(struct collector *c, const struct alloc_event *ev)
{
	__u64 pcs[MAX_STACK_DEPTH];
	struct raw_stack rs = {
		.tgid = ev->a.hdr.tgid,
		.truncated = ev->a.flags & AEF_STACK_TRUNCATED,
		.files = ev->a.flags & AEF_STACK_FILES,
		.pcs = pcs,
	};

	for (uint32_t i = 0; i < ev->stack_cnt; i++) {
		/* kernels that recover the caller at a function's entry list it twice */
		if (!rs.files && i == 1 && ev->stack[1] == ev->stack[0])
			continue;
		pcs[rs.cnt++] = ev->stack[i];
	}
	handle_alloc(c, &ev->a, &rs);
}

/* The kernel's walk of the sample a, when it sent one before the sample's copy. */
static bool kernel_walk_of(struct collector *c, const struct alloc_head *a,
			   struct alloc_event *walk)
{
	return hashmap__delete(c->oracle, &a->tid, sizeof(a->tid), walk) &&
	       walk->a.hdr.ts_ns == a->hdr.ts_ns;
}

/*
 * The kernel's walk of a sample, sent by the test knob, against libdw's unwinding of its
 * copy: the same files and offsets, as far as the copy reached.
 */
static void check_oracle(struct collector *c, const struct alloc_event *walk,
			 const struct raw_stack *rs)
{
	struct raw_stack ws = { .tgid = rs->tgid, .files = walk->a.flags & AEF_STACK_FILES };
	uint32_t n, same = 0;

	c->stats.oracle_compared++;
	n = rs->truncated && rs->cnt < walk->stack_cnt ? rs->cnt : walk->stack_cnt;
	/* compared as files and offsets: the kernel's frames name no address */
	for (; n == rs->cnt && same < n; same++) {
		struct pc_key k1 = pc_key_of(c, &ws, walk->stack[same]);
		struct pc_key k2 = pc_key_of(c, rs, rs->pcs[same]);

		if (k1.mod_id != k2.mod_id || k1.off != k2.off)
			break;
	}
	if (n == rs->cnt && same == n)
		return;
	if (c->stats.oracle_differ++ < 3)
		for (uint32_t i = 0; i < walk->stack_cnt || i < rs->cnt; i++)
			pr_info("unwind oracle: tid %u frame %u: kernel %llx, libdw %llx\n", walk->a.tid,
				i, i < walk->stack_cnt ? (unsigned long long)walk->stack[i] : 0ULL,
				i < rs->cnt ? (unsigned long long)rs->pcs[i] : 0ULL);
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
	struct alloc_event walk;
	const struct module *mod;
	uint64_t off, start, gen;

	/* a pc in a library mapped since the last look: refresh the model before unwinding */
	addrspaces__resolve(c->addrspaces, ev->a.hdr.tgid, ev->regs[16] - 1, &mod, &off);
	for (int attempt = 0; attempt < 2; attempt++) {
		gen = addrspaces__generation(c->addrspaces, ev->a.hdr.tgid);
		start = mono_ns();
		rs.cnt = copy_unwinder__unwind(c->unwinder, &us, pcs, MAX_STACK_DEPTH, &rs.truncated);
		c->stats.unwind_ns += mono_ns() - start;
		c->stats.unwound++;
		/* the unwinding may have stopped at a library the model did not have yet: when
		 * its pcs made the model grow, unwind again with the library in it */
		addrspaces__resolve(c->addrspaces, ev->a.hdr.tgid, pcs[rs.cnt - 1] - 1, &mod, &off);
		if (addrspaces__generation(c->addrspaces, ev->a.hdr.tgid) == gen)
			break;
	}
	if (kernel_walk_of(c, &ev->a, &walk)) {
		if (!(walk.a.flags & AEF_STACK_PARTIAL)) {
			check_oracle(c, &walk, &rs);
		} else if (rs.cnt <= walk.stack_cnt) {
			/* libdw got no further than the kernel (the process is gone, its map never
			 * read): the kernel's frames, which name their files, cut short */
			rs = (struct raw_stack){ .tgid = ev->a.hdr.tgid, .truncated = true,
						 .files = true, .cnt = walk.stack_cnt,
						 .pcs = walk.stack };
			c->stats.partial_walks++;
		}
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
	forget_live(c, &key, ev->hdr.ts_ns, true);
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
	case EV_ALLOC_ORACLE: {
		const struct alloc_event *ev = data;
		struct alloc_event *slot;

		if (size < ALLOC_EVENT_HEADER_SZ || ev->stack_cnt > MAX_STACK_DEPTH ||
		    size < ALLOC_EVENT_HEADER_SZ + ev->stack_cnt * sizeof(__u64))
			goto bad;
		slot = hashmap__upsert(c->oracle, &ev->a.tid, sizeof(ev->a.tid), NULL);
		if (slot)
			memcpy(slot, ev, ALLOC_EVENT_HEADER_SZ + ev->stack_cnt * sizeof(__u64));
		return 0;
	}
	case EV_FREE:
		if (size < sizeof(struct free_event))
			goto bad;
		handle_free(c, data);
		return 0;
	case EV_PROC_FORK:
		if (size < sizeof(struct task_event))
			goto bad;
		/* a child gone before its map is read still symbolizes: its memory was its
		 * parent's (an exec since, read in order, starts it afresh) */
		addrspaces__fork(c->addrspaces, ((const struct task_event *)data)->parent, hdr->tgid);
		return 0;
	case EV_PROC_EXIT:
	case EV_CGROUP:
		return 0; /* the process registry's, not the profile's */
	case EV_EXEC:
		if (size < sizeof(struct task_event))
			goto bad;
		/* the old image's blocks went with it; the new image has a new map */
		collector__forget_process(c, hdr->tgid, hdr->ts_ns);
		addrspaces__exec(c->addrspaces, hdr->tgid);
		if (c->opts.on_exec)
			c->opts.on_exec(c->opts.hook_ctx, hdr->tgid,
					((const struct task_event *)data)->old_tid);
		return 0;
	}
bad:
	c->stats.bad_events++;
	return 0;
}

void collector__release_process(struct collector *c, pid_t pid)
{
	copy_unwinder__forget(c->unwinder, pid);
	addrspaces__forget(c->addrspaces, pid);
}

bool collector__backlog(const struct collector *c)
{
	/* files no live process maps wait for their samples' symbols to be closed */
	return c->pending_cnt > COLLECT_MAX_PENDING || addrspaces__unmapped_cnt(c->addrspaces);
}

int collector__find_block(const struct collector *c, pid_t pid, uint64_t addr,
			  struct live_block *out)
{
	struct live_key key = { .tgid = pid };
	const struct live_sample *s;
	uint64_t start;

	if (live_index__find(c->by_addr, pid, addr, &start))
		return -ENOENT;
	key.ptr = start;
	s = hashmap__find(c->live, &key, sizeof(key));
	if (!s)
		return -ENOENT;
	*out = (struct live_block){ .start = key.ptr, .size = s->size, .ts_ns = s->ts_ns,
				    .stack_id = c->raws[s->raw].stack_id };
	return 0;
}

void collector__stats(const struct collector *c, struct collector_stats *out)
{
	*out = c->stats;
	out->index_blocks = live_index__cnt(c->by_addr);
	out->index_bytes = live_index__mem_bytes(c->by_addr);
	symbolizer__stats(c->symbolizer, &out->sym);
}

struct forget_ctx {
	uint32_t tgid; /* 0: every process */
	collector_live_fn still_live;
	void *live_ctx;
	struct live_key *keys;
	size_t cnt, cap;
};

/* Lists the keys to forget: the table must not change under hashmap__for_each. */
static void collect_keys(const void *key, void *value, void *ctx)
{
	const struct live_sample *s = value;
	const struct live_key *k = key;
	struct forget_ctx *f = ctx;

	if (f->tgid && k->tgid != f->tgid)
		return;
	if (f->still_live && f->still_live(f->live_ctx, k, s->ts_ns))
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
	struct forget_ctx f = { .tgid = pid };

	hashmap__for_each(c->live, collect_keys, &f);
	for (size_t i = 0; i < f.cnt; i++)
		forget_live(c, &f.keys[i], now_ns, true);
	free(f.keys);
}

void collector__retire_process(struct collector *c, pid_t pid, struct exit_leak *out)
{
	struct forget_ctx f = { .tgid = pid };
	uint64_t rate = profile__rate(c->profile);

	memset(out, 0, sizeof(*out));
	hashmap__for_each(c->live, collect_keys, &f);
	for (size_t i = 0; i < f.cnt; i++) {
		struct live_sample s;
		double w;

		if (!hashmap__delete(c->live, &f.keys[i], sizeof(f.keys[i]), &s))
			continue;
		w = sample_weight(s.size, rate);
		out->objects += w;
		out->bytes += w * s.size;
		out->samples++;
		record(c, s.raw, OP_GONE, s.size, 0);
	}
	free(f.keys);
}

uint64_t collector__reconcile_live(struct collector *c, collector_live_fn still_live, void *ctx)
{
	struct forget_ctx f = { .still_live = still_live, .live_ctx = ctx };

	hashmap__for_each(c->live, collect_keys, &f);
	for (size_t i = 0; i < f.cnt; i++)
		forget_live(c, &f.keys[i], 0, false);
	c->stats.lost_frees += f.cnt;
	free(f.keys);
	return f.cnt;
}

struct age_ctx {
	struct collector *c;
	uint64_t now_ns;
};

static void record_age(const void *key, void *value, void *ctx)
{
	const struct live_sample *s = value;
	struct age_ctx *a = ctx;
	int id = a->c->raws[s->raw].stack_id;

	(void)key;
	if (id >= 0)
		profile__record_live_age(a->c->profile, id, s->size,
					 a->now_ns > s->ts_ns ? a->now_ns - s->ts_ns : 0);
}

int collector__snapshot(struct collector *c, uint64_t now_ns)
{
	struct age_ctx a = { c, now_ns };
	int err = collector__resolve(c);

	profile__clear_live_ages(c->profile);
	hashmap__for_each(c->live, record_age, &a);
	return err;
}
