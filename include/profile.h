/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The profile model: symbolized locations, unique stacks and their weighted values.
 * Pure: no BPF, no /proc, no clocks; outputs read it, the collector fills it.
 */
#ifndef MEMSNOOP_PROFILE_H
#define MEMSNOOP_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum value_type {
	VALUE_INUSE_SPACE,
	VALUE_INUSE_OBJECTS,
	VALUE_ALLOC_SPACE,
	VALUE_ALLOC_OBJECTS,
	VALUE_CNT,
};

const char *value_type_name(enum value_type type);
/* Returns 0 or -EINVAL for a name that is none of value_type_name()'s. */
int value_type_parse(const char *name, enum value_type *out);
bool value_type_is_bytes(enum value_type type);
bool value_type_is_alloc(enum value_type type);

/* One function at one pc; a location inside inlined code has several. */
struct frame {
	const char *func;	 /* demangled, "[unknown]" when unresolved */
	const char *file;	 /* NULL when unknown */
	uint32_t line;		 /* 0 when unknown */
	uint32_t start_line;	 /* the function's first line, 0 when unknown */
	const char *system_name; /* as the binary names it (mangled); NULL: same as func */
};

struct location {
	const char *module;   /* the mapped file, or "[unknown]" */
	const char *build_id; /* its GNU build ID in hex, NULL when it has none */
	uint64_t offset;    /* offset of the pc in that file */
	uint32_t frame_cnt; /* at least 1, innermost first */
	const struct frame *frames;
};

/*
 * Horvitz-Thompson estimates (each sample weighted by w = 1/p) and raw sample counts, with the
 * unbiased estimates of their variances: each sample adds (1 - p) / p^2 * y^2 = w (w - 1) y^2,
 * allocations being sampled independently (a Poisson process over the bytes allocated).
 */
struct stack_values {
	double alloc_objects;
	double alloc_space;
	double inuse_objects;
	double inuse_space;
	uint64_t alloc_samples;
	uint64_t inuse_samples;
	double alloc_objects_var;
	double alloc_space_var;
	double inuse_objects_var;
	double inuse_space_var;
};

/* log2 buckets of nanoseconds: bucket k holds [2^k, 2^(k+1)) ns (bucket 0 also 0 ns); the
 * last one everything from 2^42 ns (~73 minutes) on. */
#define LIFETIME_BUCKETS 43

/* The bucket of a duration. */
unsigned lifetime_bucket(uint64_t ns);

struct stack {
	uint32_t pid;	    /* 0 unless samples of several processes are kept apart */
	uint32_t loc_cnt;
	const uint32_t *locs; /* location ids, leaf first */
	bool truncated;	    /* the capture ran out of depth: the root end is missing */
	struct stack_values v;
	double lifetimes[LIFETIME_BUCKETS]; /* freed samples, estimated objects by lifetime */
	double live_ages[LIFETIME_BUCKETS]; /* still live at the report, by age */
};

/*
 * The weight 1/p of a sample of size bytes at a mean sampling interval of rate bytes,
 * p = 1 - exp(-size/rate); exactly 1 at rate 1 (every allocation is taken).
 */
double sample_weight(uint64_t size, uint64_t rate);

double stack_value(const struct stack *stack, enum value_type type);
/* The standard error of stack_value(): 0 at rate 1, where every figure is exact. */
double stack_value_se(const struct stack_values *v, enum value_type type);

struct profile;

struct profile *profile__new(uint64_t rate);
void profile__free(struct profile *p);
uint64_t profile__rate(const struct profile *p);

/* Copies module, build_id and frames into the profile. Returns the new location's id or
 * -ENOMEM. */
int profile__add_location(struct profile *p, const char *module, const char *build_id,
			  uint64_t offset, const struct frame *frames, uint32_t frame_cnt);
/* The id of the stack (pid, truncated, locs), created empty when new (past the cap: the
 * PROFILE_FULL_NAME site's); or -ENOMEM. */
int profile__intern_stack(struct profile *p, uint32_t pid, const uint32_t *locs,
			  uint32_t loc_cnt, bool truncated);

/*
 * Bounds on the stack table: unique stacks (0: none), and the memory the stacks take, the
 * collector's raw stacks charged to the same bound (profile__charge_stack(); 0: none). Past
 * either, samples of new stacks go to one PROFILE_FULL_NAME site (per process), counted by
 * profile__full_samples(): memory stays bounded whatever a hostile target does.
 */
#define PROFILE_DEFAULT_MAX_STACKS 0
#define PROFILE_DEFAULT_STACK_MEMORY (1ULL << 30)
#define PROFILE_FULL_NAME "[stack table full]"
void profile__set_max_stacks(struct profile *p, size_t max_stacks);
size_t profile__max_stacks(const struct profile *p);
void profile__set_stack_memory(struct profile *p, uint64_t bytes);
/* Charges sz bytes of a new stack to the bound; false (nothing charged) when they do not fit. */
bool profile__charge_stack(struct profile *p, size_t sz);
/* The bytes charged so far, and the bound. */
uint64_t profile__stack_memory(const struct profile *p);
uint64_t profile__stack_memory_bound(const struct profile *p);
/* pid's "[stack table full]" stack (made on first use): where samples past the cap go. */
int profile__full_stack(struct profile *p, uint32_t pid);
uint64_t profile__full_samples(const struct profile *p);
/* True for a PROFILE_FULL_NAME site: its samples are not cached by their stack. */
bool profile__stack_is_full(const struct profile *p, uint32_t stack_id);

/* A sampled allocation; live when its free will be seen (it counts as in use until then). */
void profile__record_alloc(struct profile *p, uint32_t stack_id, uint64_t size, bool live);
void profile__record_free(struct profile *p, uint32_t stack_id, uint64_t size,
			  uint64_t lifetime_ns);
/*
 * Live ages are a snapshot, not a sum: clear them, then record the age of each sample still
 * live at the report (allocated age_ns before it), so that reporting twice counts nothing twice.
 */
void profile__clear_live_ages(struct profile *p);
/* A sample no longer live whose free was not seen (its event was lost): out of the in-use
 * figures, and no lifetime, which would be a guess. */
void profile__record_gone(struct profile *p, uint32_t stack_id, uint64_t size);
void profile__record_live_age(struct profile *p, uint32_t stack_id, uint64_t size, uint64_t age_ns);

/* The label of the group a process's stacks go to (--group-by), or NULL: no root frame. */
typedef const char *(*profile_group_fn)(void *ctx, uint32_t pid);

/* The module of a group's root frame, so that outputs can tell it from code. */
#define PROFILE_GROUP_MODULE "[group]"
#define MAX_GROUPED_DEPTH 256

/*
 * A copy of src whose stacks of different processes are merged by group: each stack kept
 * apart by process gets group_of(pid) as an outermost frame (none when NULL), and stacks that
 * then match add up. Readers see groups as ordinary root frames. NULL with errno set.
 */
struct profile *profile__regroup(const struct profile *src, profile_group_fn group_of, void *ctx);

/* What a writer is given when it is not the whole profile: a --push series (some processes),
 * a delta since a baseline (?seconds=N, a push's allocations). */
struct profile_view_opts {
	/* only the stacks of processes keep accepts; NULL: all */
	bool (*keep)(void *ctx, uint32_t pid);
	void *keep_ctx;
	/* every value minus its stack's in base (indexed by stack id; stacks from base_cnt on
	 * whole; unchanged stacks left out); NULL: the values as they are */
	const struct stack_values *base;
	size_t base_cnt;
	bool base_alloc_only; /* in-use values as they are (--push), only allocations deltas */
};

/* A copy of src as o says, with src's location ids and processes kept apart. NULL with errno
 * set. */
struct profile *profile__view(const struct profile *src, const struct profile_view_opts *o);
/* Every stack's values now, indexed by stack id: the base of a later view (ids are stable).
 * *cnt of them; NULL when out of memory. Free it. */
struct stack_values *profile__baseline(const struct profile *p, size_t *cnt);

size_t profile__stack_cnt(const struct profile *p);
const struct stack *profile__stack(const struct profile *p, uint32_t id);
const struct location *profile__location(const struct profile *p, uint32_t id);
void profile__totals(const struct profile *p, struct stack_values *out);

#endif /* MEMSNOOP_PROFILE_H */
