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

bool live_colour_wanted(bool tty, const char *no_color, const char *term)
{
	return tty && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
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

/* "leaf (file:line) < caller < caller ...": put_lines() cuts it at a caller to fit. */
static void write_site(const struct profile *p, const struct stack *s, FILE *f)
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
		write_site(p, s, f);
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

static int write_block(struct live_view *v, const struct profile *p, const struct live_tick *t,
		       FILE *f);

/*
 * The length of line's longest prefix that fits width columns with " ..." after it, ending
 * at a field's end (before ", ", " < ", "; " or, failing those, a space): a figure is shown
 * whole or not at all. The view's text is ASCII (names are escaped), a byte a column.
 */
static size_t fit(const char *line, size_t len, unsigned width)
{
	static const char *const seps[] = { ", ", " < ", "; ", " " };
	size_t room;

	if (!width || len <= width)
		return len;
	room = width > 4 ? width - 4 : 0;
	for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++)
		for (size_t i = room; i > 0; i--)
			if (!strncmp(line + i, seps[k], strlen(seps[k])))
				return i;
	return room;
}

#define RED "\033[31m"
#define GREEN "\033[32m"
#define YELLOW "\033[33m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* A site row's change column ("%4zu %12s %12s  "): red when it grew, green when it shrank. */
static void put_row(const char *line, size_t n, FILE *f)
{
	const size_t at = 18, end = 30;
	const char *c = line + at;

	while (c < line + end && *c == ' ')
		c++;
	if (n < end || (*c != '+' && *c != '-') || !strncmp(c, "+0 ", 3)) {
		fwrite(line, 1, n, f);
		return;
	}
	fwrite(line, 1, c - line, f);
	fputs(*c == '+' ? RED : GREEN, f);
	fwrite(c, 1, line + end - c, f);
	fputs(RESET, f);
	fwrite(line + end, 1, n - end, f);
}

/* Each line of text fitted to the width, and coloured on a colour terminal. */
static void put_lines(const struct live_view *v, const char *text, FILE *f)
{
	for (const char *line = text, *nl; *line; line = nl + 1) {
		size_t len, n;
		const char *colour = NULL;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		len = nl - line;
		n = fit(line, len, v->opts.width);
		if (v->opts.colour) {
			if (!strncmp(line, "--- ", 4))
				colour = BOLD;
			else if (!strncmp(line, "lost:", 5) && strncmp(line, "lost: none", 10))
				colour = RED;
			else if (!strncmp(line, "hint:", 5))
				colour = YELLOW;
		}
		fputs(colour ?: "", f);
		if (v->opts.colour && !colour && len > 4 && line[3] >= '0' && line[3] <= '9')
			put_row(line, n, f);
		else
			fwrite(line, 1, n, f);
		fputs(n < len ? " ..." : "", f);
		fputs(colour ? RESET "\n" : "\n", f);
		if (!*nl)
			break;
	}
}

/*
 * The heap shows 0 from 0 samples while the exact counters saw allocations: not "no leak",
 * but fewer bytes than the rate, unseen; a rate giving ~64 samples of them would show them.
 */
static void write_rate_hint(const struct profile *p, uint64_t samples, uint64_t calls,
			    uint64_t bytes, FILE *f)
{
	uint64_t rate = profile__rate(p), better = 1;
	char b1[32];

	if (samples || !calls || rate <= 1)
		return;
	while (better * 2 <= bytes / 64 && better * 2 < rate)
		better *= 2;
	fprintf(f, "hint: 0 samples of %llu allocations (%s): try -r %llu or -r 1\n",
		(unsigned long long)calls, format_bytes(bytes, b1, sizeof(b1)),
		(unsigned long long)better);
}

int live_view__write(struct live_view *v, const struct profile *p, const struct live_tick *t,
		     FILE *out)
{
	char *text = NULL;
	size_t text_sz = 0;
	FILE *f = open_memstream(&text, &text_sz);
	int err;

	if (!f)
		return -ENOMEM;
	if (v->opts.redraw)
		fputs("\033[H\033[2J", out); /* home, clear: the view replaces the last one */
	err = write_block(v, p, t, f);
	if (fclose(f))
		err = err ?: -ENOMEM;
	if (text)
		put_lines(v, text, out);
	free(text);
	fflush(out);
	return err ?: ferror(out) ? -EIO : 0;
}

static int write_block(struct live_view *v, const struct profile *p, const struct live_tick *t,
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
	write_rate_hint(p, samples, calls, bytes, f);
	write_memory(t, f);
	if (losses_none(&t->info->losses, f))
		fprintf(f, "lost: none\n");
	err = write_sites(v, p, f);
out:
	v->last_t_s = t->t_s;
	v->last_total = total;
	memcpy(v->last_counters, t->info->counters, sizeof(v->last_counters));
	return err;
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
