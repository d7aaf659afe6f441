// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "alloc_names.h"
#include "array.h"
#include "escape.h"
#include "output_live.h"
#include "units.h"

struct live_view {
	struct live_view_opts opts;
	unsigned ticks;
	double last_t_s;
	struct fn_counter last_counters[ALLOC_COUNTER_CNT];
	double last_total;
	double *last_values; /* per stack id, the value at the last tick */
	size_t last_cnt, last_cap;
};

struct live_view *live_view__new(const struct live_view_opts *opts)
{
	struct live_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->opts = *opts;
	return v;
}

void live_view__free(struct live_view *v)
{
	if (!v)
		return;
	free(v->last_values);
	free(v);
}

/* A value as the view shows it: bytes as people read them, objects as a count. */
static const char *fmt(enum value_type type, double x, bool sign, char *buf, size_t sz)
{
	char num[24];

	if (value_type_is_bytes(type))
		format_bytes(fabs(x), num, sizeof(num));
	else
		snprintf(num, sizeof(num), "%.0f", fabs(x));
	snprintf(buf, sz, "%s%s", x < 0 ? "-" : sign ? "+" : "", num);
	return buf;
}

static void write_memory(const struct live_tick *t, FILE *f)
{
	for (size_t i = 0; t->mem && i < t->info->target_cnt; i++) {
		const struct report_target *rt = &t->info->targets[i];
		const struct mem_point *pt = mem_series__last(t->mem, rt->pid);

		fprintf(f, "PID %d ", (int)rt->pid);
		escape_write(f, rt->comm, "");
		fputs(": ", f);
		if (!pt || !pt->has[MEM_RSS])
			fputs(rt->exited ? "exited" : "memory not readable", f);
		else
			mem_point__describe(pt, false, "\n  cgroup: ", f);
		fputc('\n', f);
	}
}

/* "leaf (file:line) < caller < caller ..." cut to fit width. */
static void write_site(const struct profile *p, const struct stack *s, int width, FILE *f)
{
	char line[1024];
	int n = 0;

	for (uint32_t i = 0; i < s->loc_cnt && n < (int)sizeof(line); i++) {
		const struct location *loc = profile__location(p, s->locs[i]);
		const struct frame *fr = &loc->frames[0];

		char *func = escape_dup(fr->func, "");

		n += snprintf(line + n, sizeof(line) - n, "%s%s", i ? " < " : "", func ?: "?");
		free(func);
		if (!i && fr->file && n < (int)sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " (%s:%u)",
				      strrchr(fr->file, '/') ? strrchr(fr->file, '/') + 1 : fr->file,
				      fr->line);
	}
	if (s->pid && n < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, " [PID %u]", s->pid);
	if (width > 3 && (int)strlen(line) > width)
		strcpy(line + width - 3, "...");
	fprintf(f, "%s\n", line);
}

static int write_sites(struct live_view *v, const struct profile *p, FILE *f)
{
	enum value_type type = v->opts.value;
	size_t n, cnt = profile__stack_cnt(p);
	uint32_t *ids = rank_stacks(p, type, &n);
	char b1[32], b2[32];

	if (!ids)
		return -ENOMEM;
	fprintf(f, "%4s %12s %12s  %s\n", "#", value_type_name(type), "change", "site");
	for (size_t i = 0; i < n && i < v->opts.top_n; i++) {
		const struct stack *s = profile__stack(p, ids[i]);
		double now = stack_value(s, type);
		double before = ids[i] < v->last_cnt ? v->last_values[ids[i]] : 0;

		fprintf(f, "%4zu %12s %12s  ", i + 1, fmt(type, now, false, b1, sizeof(b1)),
			fmt(type, now - before, true, b2, sizeof(b2)));
		write_site(p, s, (int)v->opts.width - 33, f);
	}
	if (!n)
		fprintf(f, "     (no site yet)\n");
	free(ids);
	if (grow_array((void **)&v->last_values, &v->last_cap, cnt, sizeof(double)))
		return -ENOMEM;
	for (uint32_t id = 0; id < cnt; id++)
		v->last_values[id] = stack_value(profile__stack(p, id), type);
	v->last_cnt = cnt;
	return 0;
}

static bool losses_none(const struct report_losses *l, FILE *f)
{
	if (!report_losses_any(l))
		return true;
	fprintf(f, "lost:");
	for (int i = 0; i < DROP_CNT; i++)
		if (l->drops[i])
			fprintf(f, " %s %llu", drop_name(i), (unsigned long long)l->drops[i]);
	if (l->unknown_frees)
		fprintf(f, " unknown_frees %llu", (unsigned long long)l->unknown_frees);
	if (l->truncated_stacks)
		fprintf(f, " truncated_stacks %llu", (unsigned long long)l->truncated_stacks);
	fputc('\n', f);
	return false;
}

int live_view__write(struct live_view *v, const struct profile *p, const struct live_tick *t,
		     FILE *f)
{
	uint64_t calls, bytes, frees, calls0, bytes0, frees0;
	double dt = t->t_s - v->last_t_s, total;
	struct stack_values tot;
	uint64_t samples;
	char b1[32], b2[32], b3[32];
	int err = 0;

	alloc_counters_sum(t->info->counters, &calls, &bytes, &frees);
	alloc_counters_sum(v->last_counters, &calls0, &bytes0, &frees0);
	profile__totals(p, &tot);
	/* the heap line is the heap in use whatever the sites are ranked by (allocated with
	 * --alloc-only, which sees no frees) */
	total = t->info->inuse_untracked ? tot.alloc_space : tot.inuse_space;
	samples = t->info->inuse_untracked ? tot.alloc_samples : tot.inuse_samples;
	v->ticks++;
	if (v->opts.redraw)
		fputs("\033[H\033[2J", f); /* home, clear: the view replaces the last one */
	if (!v->opts.redraw && v->ticks > 1 && calls == calls0 && frees == frees0) {
		/* quiet: a progress line, not a block */
		fprintf(f, "--- memsnoop %.1f s: quiet, no allocation in the last %.1f s; heap %s %s\n",
			t->t_s, dt, t->info->inuse_untracked ? "allocated" : "in use",
			format_bytes(total, b1, sizeof(b1)));
		goto out;
	}
	fprintf(f, "--- memsnoop %.1f s, tick %u ---\n", t->t_s, v->ticks);
	if (dt > 0)
		fprintf(f, "exact, last %.1f s: %llu allocations (%.1f/s), %s (%s/s), %llu frees (%.1f/s)\n",
			dt, (unsigned long long)(calls - calls0), (calls - calls0) / dt,
			format_bytes(bytes - bytes0, b1, sizeof(b1)),
			format_bytes((bytes - bytes0) / dt, b3, sizeof(b3)),
			(unsigned long long)(frees - frees0), (frees - frees0) / dt);
	fprintf(f, "heap %s (estimated): %s (%s since the last tick), from %llu sample%s\n",
		t->info->inuse_untracked ? "allocated" : "in use",
		format_bytes(total, b2, sizeof(b2)),
		fmt(VALUE_INUSE_SPACE, total - v->last_total, true, b3, sizeof(b3)),
		(unsigned long long)samples, plural_s(samples));
	write_memory(t, f);
	if (losses_none(&t->info->losses, f))
		fprintf(f, "lost: none\n");
	err = write_sites(v, p, f);
out:
	v->last_t_s = t->t_s;
	v->last_total = total;
	memcpy(v->last_counters, t->info->counters, sizeof(v->last_counters));
	fflush(f);
	return err ?: ferror(f) ? -EIO : 0;
}

int live_progress__write(const struct profile *p, const struct live_tick *t, FILE *f)
{
	struct stack_values tot;
	char b[32];

	profile__totals(p, &tot);
	live_progress__clear(f);
	fprintf(f, "memsnoop: %.0f s, %llu samples, heap %s %s%s; Ctrl-C to stop", t->t_s,
		(unsigned long long)tot.alloc_samples, t->info->inuse_untracked ? "allocated" : "in use",
		format_bytes(t->info->inuse_untracked ? tot.alloc_space : tot.inuse_space, b, sizeof(b)),
		report_losses_any(&t->info->losses) ? ", DATA LOST" : "");
	fflush(f);
	return ferror(f) ? -EIO : 0;
}

void live_progress__clear(FILE *f)
{
	fputs("\r\033[K", f); /* to the line's start, erase it */
}
