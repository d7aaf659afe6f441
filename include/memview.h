/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Memory as the kernel accounts it, beside the heap memsnoop estimates: a process's
 * /proc/PID/smaps_rollup, glibc's arenas where its debug information is installed, and its
 * cgroup's (v2) memory.current, memory.peak, memory.stat and memory.events. One table of fields says where each figure is read, so that every output
 * lists them the same way. Sampled at each --interval tick and at the end.
 */
#ifndef MEMSNOOP_MEMVIEW_H
#define MEMSNOOP_MEMVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum mem_field {
	/* a process: /proc/PID/smaps_rollup */
	MEM_RSS,
	MEM_PSS,
	MEM_ANON,
	MEM_PSS_FILE,
	MEM_PSS_SHMEM,
	MEM_SWAP,
	MEM_ANON_HUGE,
	/* glibc's own accounting (glibc_arena.h), where its debug information is installed */
	MEM_GLIBC_ARENAS,
	MEM_GLIBC_SYSTEM_MEM,
	MEM_GLIBC_MMAPPED,
	MEM_GLIBC_MMAPS,
	/* its cgroup v2 */
	MEM_CG_CURRENT,
	MEM_CG_PEAK,
	MEM_CG_ANON,
	MEM_CG_FILE,
	MEM_CG_KERNEL,
	MEM_CG_SLAB,
	MEM_CG_SOCK,
	MEM_CG_SHMEM,
	MEM_CG_OOM,
	MEM_CG_OOM_KILL,
	MEM_FIELD_CNT,
};

#define MEM_FIRST_CGROUP_FIELD MEM_CG_CURRENT

struct mem_field_info {
	const char *name; /* in outputs: "rss", "cgroup_current", ... */
	const char *file; /* read from this file of the process's /proc dir or the cgroup's dir;
			     NULL: filled by glibc_arena, not by mem_read() */
	const char *key;  /* the line's first word; NULL: the file is one number */
	bool bytes;	  /* a size (else a count of events) */
};

const struct mem_field_info *mem_field_info(enum mem_field f);

/* One reading of one process and of its cgroup; has[f] false where a figure is missing (a
 * kernel without memory.peak, cgroup v1, the process gone). */
struct mem_point {
	double t_s; /* seconds since the start of the run */
	pid_t pid;
	bool has[MEM_FIELD_CNT];
	uint64_t v[MEM_FIELD_CNT]; /* bytes, or counts */
};

/* Readings over a run, in time order; past MEM_SERIES_MAX, every other one is dropped. */
#define MEM_SERIES_MAX 4096

struct mem_series {
	struct mem_point *points;
	size_t cnt, cap;
};

/*
 * The value of key in f (lines "KEY VALUE [kB]"; kB is multiplied out), or with key NULL the
 * first number of f. 0 or -ENOENT.
 */
int mem_parse_value(FILE *f, const char *key, uint64_t *out);

/* Reads pid's figures, and those of the cgroup in cgroup_dir (NULL: none), at t_s; the
 * glibc rows are left for mem_point__set_glibc(). */
void mem_read(pid_t pid, const char *cgroup_dir, double t_s, struct mem_point *out);

/*
 * The figures pt has, in field order: "rss 4.0 MiB, anonymous 3.0 MiB, ..." (human) or
 * "rss=4194304 anonymous=3145728 ..." (exact); the cgroup's after sep_cgroup when it has any.
 * Pure: usable by every writer.
 */
void mem_point__describe(const struct mem_point *pt, bool exact, const char *sep_cgroup, FILE *f);

struct glibc_arena_stats;

/* Fills the glibc rows of pt. */
void mem_point__set_glibc(struct mem_point *pt, const struct glibc_arena_stats *st);

/* Appends a copy of pt (thinning the series when full). 0 or -ENOMEM. */
int mem_series__add(struct mem_series *s, const struct mem_point *pt);
void mem_series__clear(struct mem_series *s);

/* The last point of pid, or NULL. */
const struct mem_point *mem_series__last(const struct mem_series *s, pid_t pid);

#endif /* MEMSNOOP_MEMVIEW_H */
