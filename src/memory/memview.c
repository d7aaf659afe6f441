// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "memview.h"
#include "units.h"
#include "glibc_arena.h"

static const struct mem_field_info fields[MEM_FIELD_CNT] = {
	[MEM_RSS] = { "rss", "smaps_rollup", "Rss:", true },
	[MEM_PSS] = { "pss", "smaps_rollup", "Pss:", true },
	[MEM_ANON] = { "anonymous", "smaps_rollup", "Anonymous:", true },
	[MEM_PSS_FILE] = { "pss_file", "smaps_rollup", "Pss_File:", true },
	[MEM_PSS_SHMEM] = { "pss_shmem", "smaps_rollup", "Pss_Shmem:", true },
	[MEM_SWAP] = { "swap", "smaps_rollup", "Swap:", true },
	[MEM_ANON_HUGE] = { "anon_huge_pages", "smaps_rollup", "AnonHugePages:", true },
	[MEM_GLIBC_ARENAS] = { "glibc_arenas", NULL, NULL, false },
	[MEM_GLIBC_SYSTEM_MEM] = { "glibc_system_mem", NULL, NULL, true },
	[MEM_GLIBC_MMAPPED] = { "glibc_mmapped", NULL, NULL, true },
	[MEM_GLIBC_MMAPS] = { "glibc_mmaps", NULL, NULL, false },
	[MEM_CG_CURRENT] = { "cgroup_current", "memory.current", NULL, true },
	[MEM_CG_PEAK] = { "cgroup_peak", "memory.peak", NULL, true },
	[MEM_CG_ANON] = { "cgroup_anon", "memory.stat", "anon", true },
	[MEM_CG_FILE] = { "cgroup_file", "memory.stat", "file", true },
	[MEM_CG_KERNEL] = { "cgroup_kernel", "memory.stat", "kernel", true },
	[MEM_CG_SLAB] = { "cgroup_slab", "memory.stat", "slab", true },
	[MEM_CG_SOCK] = { "cgroup_sock", "memory.stat", "sock", true },
	[MEM_CG_SHMEM] = { "cgroup_shmem", "memory.stat", "shmem", true },
	[MEM_CG_OOM] = { "cgroup_oom", "memory.events", "oom", false },
	[MEM_CG_OOM_KILL] = { "cgroup_oom_kill", "memory.events", "oom_kill", false },
};

const struct mem_field_info *mem_field_info(enum mem_field f)
{
	return f < MEM_FIELD_CNT ? &fields[f] : NULL;
}

int mem_parse_value(FILE *f, const char *key, uint64_t *out)
{
	char line[256], word[64], unit[8];
	unsigned long long v;
	int n;

	while (fgets(line, sizeof(line), f)) {
		if (!key) {
			if (sscanf(line, "%llu", &v) != 1)
				return -ENOENT;
			*out = v;
			return 0;
		}
		n = sscanf(line, "%63s %llu %7s", word, &v, unit);
		if (n < 2 || strcmp(word, key))
			continue;
		*out = n == 3 && !strcmp(unit, "kB") ? v * 1024 : v;
		return 0;
	}
	return -ENOENT;
}

static int read_field(const char *dir, const struct mem_field_info *fi, uint64_t *out)
{
	char path[4096];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, fi->file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	err = mem_parse_value(f, fi->key, out);
	fclose(f);
	return err;
}

void mem_read(pid_t pid, const char *cgroup_dir, double t_s, struct mem_point *out)
{
	char proc_dir[32];

	memset(out, 0, sizeof(*out));
	out->t_s = t_s;
	out->pid = pid;
	snprintf(proc_dir, sizeof(proc_dir), "/proc/%d", (int)pid);
	for (int i = 0; i < MEM_FIELD_CNT; i++) {
		const char *dir = i < MEM_FIRST_CGROUP_FIELD ? proc_dir : cgroup_dir;

		out->has[i] = dir && fields[i].file && !read_field(dir, &fields[i], &out->v[i]);
	}
}

void mem_point__describe(const struct mem_point *pt, bool exact, const char *sep_cgroup, FILE *f)
{
	bool first = true, cgroup = false;
	char b[32];

	for (int i = 0; i < MEM_FIELD_CNT; i++) {
		if (!pt->has[i])
			continue;
		if (i >= MEM_FIRST_CGROUP_FIELD && !cgroup) {
			fputs(sep_cgroup, f);
			cgroup = first = true;
		}
		fputs(first ? "" : exact ? " " : ", ", f);
		first = false;
		if (exact)
			fprintf(f, "%s=%" PRIu64, fields[i].name, pt->v[i]);
		else if (fields[i].bytes)
			fprintf(f, "%s %s", fields[i].name, format_bytes(pt->v[i], b, sizeof(b)));
		else
			fprintf(f, "%s %" PRIu64, fields[i].name, pt->v[i]);
	}
}

void mem_point__set_glibc(struct mem_point *pt, const struct glibc_arena_stats *st)
{
	const uint64_t v[] = { st->arenas, st->system_mem, st->mmapped_mem, st->n_mmaps };

	for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++) {
		pt->has[MEM_GLIBC_ARENAS + i] = true;
		pt->v[MEM_GLIBC_ARENAS + i] = v[i];
	}
}

int mem_series__add(struct mem_series *s, const struct mem_point *pt)
{
	/* a long run keeps every other reading: bounded, and still from start to end */
	if (s->cnt == MEM_SERIES_MAX) {
		for (size_t i = 0; i < s->cnt / 2; i++)
			s->points[i] = s->points[2 * i];
		s->cnt /= 2;
	}
	if (grow_array((void **)&s->points, &s->cap, s->cnt + 1, sizeof(*s->points)))
		return -ENOMEM;
	s->points[s->cnt++] = *pt;
	return 0;
}

void mem_series__clear(struct mem_series *s)
{
	free(s->points);
	memset(s, 0, sizeof(*s));
}

const struct mem_point *mem_series__last(const struct mem_series *s, pid_t pid)
{
	for (size_t i = s->cnt; i-- > 0;)
		if (s->points[i].pid == pid)
			return &s->points[i];
	return NULL;
}
