// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The targets' memory beside their heap: the kernel's figures, glibc's, the cgroup's. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "glibc_arena.h"
#include "log.h"
#include "memview.h"
#include "session.h"

/* Processes whose memory each tick reads: a cgroup's first ones (its own figures come
 * with each), every -p target. */
#define MEM_MAX_PROCESSES 16

/* Processes whose memory each tick reads: a cgroup's first ones (its own figures come
 * with each), every -p target. */
#define MEM_MAX_PROCESSES 16

/* The cgroup v2 directory of a target, into buf; NULL when it has none. */
static const char *cgroup_dir(const struct session *s, const struct target *t, char *buf, size_t sz)
{
	if (!s->cgroup_mount[0] || !t->cgroup)
		return NULL;
	snprintf(buf, sz, "%s%s", s->cgroup_mount, strcmp(t->cgroup, "/") ? t->cgroup : "");
	return buf;
}

/* Each live target's memory now, into the series. */
/* Target i's memory now: the kernel's view, and glibc's where its debug info allows. */
/* glibc's own figures of target i (the first CLI_MAX_PIDS targets: it costs its libc's debug
 * info), into pt. */
static void read_glibc(struct session *s, size_t i, struct mem_point *pt)
{
	struct glibc_arena_stats st;
	int err;

	/* looked for once per image, at a tick of its own: loading libc's debug info takes ~0.1 s */
	if (!s->glibc[i] && !s->glibc_tried[i]) {
		s->glibc[i] = glibc_arena__open(s->targets.list[i].pid);
		s->glibc_tried[i] = true;
	}
	err = s->glibc[i] ? glibc_arena__read(s->glibc[i], &st) : -ENOENT;
	if (!err)
		mem_point__set_glibc(pt, &st);
	if (err == -ESTALE) { /* a new image: its libc is looked for at the next reading */
		glibc_arena__free(s->glibc[i]);
		s->glibc[i] = NULL;
		s->glibc_tried[i] = false;
	}
}

void session__read_target_memory(struct session *s, size_t i, double t_s)
{
	struct mem_point pt;
	char dir[4096];

	mem_read(s->targets.list[i].pid, cgroup_dir(s, &s->targets.list[i], dir, sizeof(dir)), t_s,
		 &pt);
	if (i < CLI_MAX_PIDS)
		read_glibc(s, i, &pt);
	if (mem_series__add(&s->mem, &pt))
		pr_warn("out of memory: memory readings dropped\n");
}

void session__sample_memory(struct session *s, double t_s)
{
	for (size_t i = 0, n = 0; i < s->targets.cnt && n < MEM_MAX_PROCESSES; i++) {
		if (s->targets.list[i].exited)
			continue;
		n++;
		session__read_target_memory(s, i, t_s);
	}
}
