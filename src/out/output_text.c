// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "alloc_names.h"
#include "escape.h"
#include "gate.h"
#include "output.h"
#include "size_classes.h"
#include "units.h"

struct ranked {
	uint32_t id;
	double value;
};

static const char *const drop_names[DROP_CNT] = {
	[DROP_RINGBUF_ALLOC] = "sampled allocations lost: ring buffer full",
	[DROP_RINGBUF_FREE] = "frees of sampled blocks lost: ring buffer full (the kernel's live map says they are not in use)",
	[DROP_LIVE_FULL] = "sampled allocations not tracked: live map full (counted as allocated, never as in use)",
	[DROP_STACK_FAILED] = "samples lost: stack could not be read",
	[DROP_THREAD_STATE] = "calls not seen: per-thread state could not be created",
	[DROP_SCRATCH_BUSY] = "samples lost: the CPU's stack-copy buffer was in use",
	[DROP_RINGBUF_FORK] = "process starts in the cgroup not seen: ring buffer full",
	[DROP_RINGBUF_EXIT] = "process exits in the cgroup not seen: ring buffer full (found gone at the next tick)",
	[DROP_RINGBUF_EXEC] = "execs not seen: ring buffer full (the old image's blocks retired all the same)",
	[DROP_RINGBUF_CGROUP] = "cgroup removals or re-creations not told: ring buffer full",
};

/* The drops' names in machine-read outputs (the live view, summary.json). */
static const char *const drop_keys[DROP_CNT] = {
	[DROP_RINGBUF_ALLOC] = "ringbuf_full_allocs",
	[DROP_RINGBUF_FREE] = "ringbuf_full_frees",
	[DROP_LIVE_FULL] = "live_map_full",
	[DROP_STACK_FAILED] = "stack_failed",
	[DROP_THREAD_STATE] = "thread_state_failed",
	[DROP_SCRATCH_BUSY] = "scratch_busy",
	[DROP_RINGBUF_FORK] = "ringbuf_full_forks",
	[DROP_RINGBUF_EXIT] = "ringbuf_full_exits",
	[DROP_RINGBUF_EXEC] = "ringbuf_full_execs",
	[DROP_RINGBUF_CGROUP] = "ringbuf_full_cgroup_events",
};

const char *drop_name(int drop)
{
	static char other[32];

	if (drop >= 0 && drop < DROP_CNT && drop_keys[drop])
		return drop_keys[drop];
	snprintf(other, sizeof(other), "drop_%d", drop);
	return other;
}

bool report_losses_any(const struct report_losses *l)
{
	/* stacks past the cap are not lost samples (every figure stays whole), but their stacks
	 * are; a truncated stack loses nothing: it is marked and said apart */
	return report_losses_events(l) || l->lost_frees || l->stack_table_full;
}

/* Sampled allocations the kernel took and user space never received. */
static uint64_t lost_alloc_samples(const struct report_losses *l)
{
	return l->drops[DROP_RINGBUF_ALLOC] + l->drops[DROP_STACK_FAILED] +
	       l->drops[DROP_SCRATCH_BUSY];
}

uint64_t report_losses_events(const struct report_losses *l)
{
	/* lost_frees are the consequence of lost free (or exec) events, counted already */
	uint64_t n = l->unknown_frees + l->bad_events;

	for (int i = 0; i < DROP_CNT; i++)
		n += l->drops[i];
	return n;
}

double report_losses_alloc_fraction(const struct report_losses *l)
{
	uint64_t lost = lost_alloc_samples(l);

	return lost ? (double)lost / (lost + l->alloc_events) : 0.0;
}

const char *report_losses_summary(const struct report_losses *l, char *buf, size_t sz)
{
	snprintf(buf, sz, "%llu events lost (%.2f%% of sampled allocations)",
		 (unsigned long long)report_losses_events(l), 100 * report_losses_alloc_fraction(l));
	return buf;
}

static const char *fmt_value(enum value_type type, double v, char *buf, size_t sz)
{
	if (value_type_is_bytes(type))
		return format_bytes(v, buf, sz);
	snprintf(buf, sz, "%.0f", v);
	return buf;
}

static const char *site_error(const struct profile *p, const struct stack *s,
			      enum value_type type, char *buf, size_t sz)
{
	char h[32];

	if (profile__rate(p) <= 1)
		return "";
	snprintf(buf, sz, " ± %s", fmt_value(type, stack_value_se(&s->v, type), h, sizeof(h)));
	return buf;
}

static void write_process_list(const struct report_info *info, FILE *f)
{
	for (size_t i = 0; i < info->target_cnt; i++) {
		fputs(i ? ", " : "", f);
		escape_write(f, info->targets[i].comm, "");
		fprintf(f, " %d%s", (int)info->targets[i].pid, info->targets[i].exited ? " exited" : "");
	}
}

/* --cgroup, --follow-forks: how many processes, where; those outside that paid the probes'
 * traps. */
static void write_scope(const struct report_scope *s, size_t total, FILE *f)
{
	fprintf(f, "%zu at attach, %zu started, %zu exited; ", total - s->started, s->started,
		s->exited);
	if (s->forks)
		fputs("forks followed", f);
	else
		fprintf(f, "cgroup%s ", s->cgroup_cnt == 1 ? "" : "s");
	for (size_t i = 0; i < s->cgroup_cnt; i++) {
		const struct report_cgroup_changes *c = s->changes ? &s->changes[i] : NULL;

		fputs(i ? ", " : "", f);
		escape_write(f, s->cgroups[i], "");
		if (c && c->removed)
			fprintf(f, " (removed %u time%s, last at %.1f s; ", c->removed,
				c->removed == 1 ? "" : "s", c->last_removed_s);
		if (c && c->removed && c->back)
			fprintf(f, "made again %u time%s, last at %.1f s)", c->back,
				c->back == 1 ? "" : "s", c->last_back_s);
		else if (c && c->removed)
			fputs("not made again)", f);
	}
	fprintf(f, "; %zu process%s outside map%s a probed file", s->outsiders,
		s->outsiders == 1 ? "" : "es", s->outsiders == 1 ? "s" : "");
}

static void write_header(const struct profile *p, const struct report_info *info, FILE *f)
{
	bool lost = report_losses_events(&info->losses);
	uint64_t rate = profile__rate(p);
	char buf[96];

	fprintf(f, "memsnoop: %zu process%s (", info->target_cnt, info->target_cnt == 1 ? "" : "es");
	if (info->scope.cgroup_cnt || info->scope.forks)
		write_scope(&info->scope, info->target_cnt, f);
	else
		write_process_list(info, f);
	fprintf(f, "), %.1f s, ", info->duration_s);
	if (info->count_only)
		fprintf(f, "counters only (--count-only: exact, no samples)\n");
	else if (rate == 1)
		fprintf(f, "every allocation sampled%s\n", lost ? ", NOT exact: events were lost" : " (exact)");
	else
		fprintf(f, "one sample per %s allocated on average (Poisson)\n",
			format_bytes(rate, buf, sizeof(buf)));
	/* said first: whoever reads only the top must not take incomplete figures for whole */
	if (lost)
		fprintf(f, "WARNING: %s; figures are incomplete, never invented: lost allocations "
			   "and blocks whose free was lost are not in use (details at the end)\n",
			report_losses_summary(&info->losses, buf, sizeof(buf)));
}

/* A row of the totals: a count, exact bytes, and the bytes as people read them. */
/* " ± 4.4 MiB" beside a sampled estimate (its standard error); nothing when exact */
static const char *error_of(const struct profile *p, double var, char *buf, size_t sz)
{
	char h[32];

	if (profile__rate(p) <= 1)
		return "";
	snprintf(buf, sz, " ± %s", format_bytes(var > 0 ? sqrt(var) : 0, h, sizeof(h)));
	return buf;
}

/*
 * "(70 samples live)" and, sampled, the standard error; with no sample live, what that rules
 * out instead: its "± 0 B" would claim an exact zero.
 */
static void live_suffix(const struct profile *p, const struct stack_values *t, char *buf,
			size_t sz)
{
	char se[40], h[32];

	if (profile__rate(p) > 1 && !t->inuse_samples)
		snprintf(buf, sz, "  (0 samples live: below %s with %s confidence)",
			 format_bytes(gate__unseen_bound(profile__rate(p)), h, sizeof(h)),
			 GATE_CONFIDENCE);
	else
		snprintf(buf, sz, "%s  (%llu sample%s live)", error_of(p, t->inuse_space_var, se,
			 sizeof(se)), (unsigned long long)t->inuse_samples,
			 t->inuse_samples == 1 ? "" : "s");
}

static void totals_row(FILE *f, const char *what, double cnt, double bytes, const char *extra)
{
	char human[32];

	fprintf(f, "  %-22s %8.0f %16.0f  %s%s\n", what, cnt, bytes,
		format_bytes(bytes, human, sizeof(human)), extra);
}

/* The exact rows of one report group: C rows of one family, or C++ operators. */
static void write_group(const struct report_info *info, enum alloc_family family, bool cxx,
			FILE *f)
{
	bool header = false;

	for (int row = 0; row < ALLOC_ROW_CNT; row++) {
		unsigned counter = family * ALLOC_ROW_CNT + row;
		const struct fn_counter *c = &info->counters[counter];
		const char *label = info->counter_labels[counter] ?: alloc_row_name(row);

		if (!c->calls || (alloc_row_api(row) == API_CXX) != cxx)
			continue;
		if (!header) {
			if (cxx)
				fprintf(f, " C++ (%s)\n", alloc_family_name(family));
			else
				fprintf(f, " %s\n", alloc_family_name(family));
			header = true;
		}
		/* frees and resizes in place count no bytes */
		if (alloc_row_kind(row) == AK_FREE || alloc_row_kind(row) == AK_RESIZE)
			fprintf(f, "  %-22s %8llu\n", label, (unsigned long long)c->calls);
		else
			totals_row(f, label, c->calls, c->bytes, "");
	}
}

static void write_totals(const struct profile *p, const struct report_info *info, FILE *f)
{
	uint64_t calls, bytes, frees;
	struct stack_values t;
	char live[96];

	fprintf(f, "\n%-24s %8s %16s\n", "exact (kernel)", "calls", "bytes");
	for (int cxx = 0; cxx < 2; cxx++)
		for (int family = 0; family < FAMILY_CNT; family++)
			write_group(info, family, cxx, f);
	alloc_counters_sum(info->counters, &calls, &bytes, &frees);
	totals_row(f, "all allocations", calls, bytes, "");
	if (info->inuse_untracked)
		fprintf(f, "  %-22s %8s\n", "all frees", "-");
	else
		fprintf(f, "  %-22s %8llu\n", "all frees", (unsigned long long)frees);
	for (size_t i = 0; i < info->not_seen_cnt; i++)
		fprintf(f, "  not seen: %s\n", info->not_seen[i]);
	if (info->count_only)
		return;

	profile__totals(p, &t);
	fprintf(f, "%-24s %8s %16s  (from %llu sample%s)\n", "estimated", "objects", "bytes",
		(unsigned long long)t.alloc_samples, plural_s(t.alloc_samples));
	totals_row(f, "allocated", t.alloc_objects, t.alloc_space,
		   error_of(p, t.alloc_space_var, live, sizeof(live)));
	if (info->inuse_untracked) {
		fprintf(f, "  %-22s %8s %16s  (--alloc-only: frees not probed)\n", "in use", "-", "-");
		return;
	}
	live_suffix(p, &t, live, sizeof(live));
	totals_row(f, info->at_exit ? "leaked at exit" : "in use", t.inuse_objects, t.inuse_space, live);
	if (info->unfollowed_children)
		fprintf(f, "  %u child process%s not followed (--follow-forks profiles them)\n",
			info->unfollowed_children, info->unfollowed_children == 1 ? "" : "es");
}

#define SIZE_BAR_WIDTH 20

/* One family's size classes: a row per class that counted anything, a bar of its calls. */
static void write_size_family(const struct report_info *info, unsigned family, FILE *f)
{
	const struct fn_counter *unknown =
		size_slot(info->sizes, family, SIZE_DIR_FREE, SIZE_CLASS_UNKNOWN);
	uint64_t max = 0;
	char label[24];

	for (unsigned k = 0; k < SIZE_CLASS_CNT; k++) {
		uint64_t n = size_slot(info->sizes, family, SIZE_DIR_ALLOC, k)->calls;

		max = n > max ? n : max;
	}
	fprintf(f, " %s\n", alloc_family_name(family));
	for (unsigned k = 0; k < SIZE_CLASS_CNT; k++) {
		const struct fn_counter *a = size_slot(info->sizes, family, SIZE_DIR_ALLOC, k);
		const struct fn_counter *fr = size_slot(info->sizes, family, SIZE_DIR_FREE, k);
		/* rounded up: a class that has calls shows at least one mark */
		int bar = max ? (int)((a->calls * SIZE_BAR_WIDTH + max - 1) / max) : 0;

		if (!a->calls && !fr->calls)
			continue;
		fprintf(f, "  %-15s %10llu %16llu %10llu  %.*s\n",
			size_class_label(k, label, sizeof(label)), (unsigned long long)a->calls,
			(unsigned long long)a->bytes, (unsigned long long)fr->calls, bar,
			"####################");
	}
	if (unknown->calls)
		fprintf(f, "  %-15s %10s %16s %10llu\n", "unknown size", "", "",
			(unsigned long long)unknown->calls);
}

/* The exact size classes of each family, and how far the frees' classes are known. */
static void write_sizes(const struct profile *p, const struct report_info *info, FILE *f)
{
	bool any = false;

	for (unsigned family = 0; family < FAMILY_CNT; family++) {
		if (!size_family_used(info->sizes, family))
			continue;
		if (!any)
			fprintf(f, "\n%-21s %6s %16s %10s\n", "size classes (kernel)", "allocs", "bytes",
				"frees");
		any = true;
		write_size_family(info, family, f);
	}
	if (!any)
		return;
	if (info->inuse_untracked)
		fprintf(f, "  frees: not probed (--alloc-only)\n");
	else if (info->count_only)
		fprintf(f, "  frees by the freed block's size where known: sized frees (no blocks sampled)\n");
	else
		fprintf(f, "  frees by the freed block's size where known: sized frees, sampled blocks%s\n",
			profile__rate(p) == 1 ? " (all, at -r 1)" : "");
}

/* The heap beside the kernel's view of the same processes: their last memory reading. */
static void write_memory(const struct profile *p, const struct report_info *info, FILE *f)
{
	double anon = 0, glibc = 0;
	size_t readings = 0;
	bool current = true, all_glibc = true;
	struct stack_values t;
	char b1[32], b2[32], b3[32];

	if (!info->mem)
		return;
	fprintf(f, "memory (the kernel's view, last reading)\n");
	for (size_t i = 0; i < info->target_cnt; i++) {
		const struct mem_point *pt = mem_series__last(info->mem, info->targets[i].pid);

		fprintf(f, "  PID %d %s", (int)info->targets[i].pid, info->targets[i].comm);
		if (!pt || !pt->has[MEM_RSS]) {
			fprintf(f, ": %s\n", info->targets[i].exited ? "exited before a reading"
								     : "not readable");
			continue;
		}
		fprintf(f, " at %.1f s: ", pt->t_s);
		mem_point__describe(pt, false, "\n    cgroup: ", f);
		fputc('\n', f);
		anon += pt->v[MEM_ANON];
		glibc += pt->v[MEM_GLIBC_SYSTEM_MEM] + pt->v[MEM_GLIBC_MMAPPED];
		all_glibc &= pt->has[MEM_GLIBC_SYSTEM_MEM];
		readings++;
		current &= pt->t_s >= info->duration_s - 0.1;
	}
	profile__totals(p, &t);
	if (!readings || info->inuse_untracked || info->count_only)
		return;
	fprintf(f, "  heap %s %s", info->at_exit ? "leaked" : "in use",
		format_bytes(t.inuse_space, b1, sizeof(b1)));
	/* "of" only when the readings are the end's: an older one measured another heap */
	if (current)
		fprintf(f, " of %s anonymous RSS", format_bytes(anon, b2, sizeof(b2)));
	else
		fprintf(f, " at the end; %s anonymous RSS at the last reading",
			format_bytes(anon, b2, sizeof(b2)));
	/* what glibc holds from the kernel: the heap's share of it says how fragmented it is */
	if (all_glibc)
		fprintf(f, ", %s held by glibc (arenas and mmapped chunks)",
			format_bytes(glibc, b3, sizeof(b3)));
	fputc('\n', f);
}

void output_text__frames(const struct profile *p, const struct stack *s, FILE *f)
{
	for (uint32_t i = 0; i < s->loc_cnt; i++) {
		const struct location *loc = profile__location(p, s->locs[i]);

		if (!strcmp(loc->module, PROFILE_GROUP_MODULE)) { /* --group-by's root frame */
			fputs("      in ", f);
			escape_write(f, loc->frames[0].func, "");
			fputc('\n', f);
			continue;
		}
		for (uint32_t j = 0; j < loc->frame_cnt; j++) {
			const struct frame *fr = &loc->frames[j];
			const char *inl = j + 1 < loc->frame_cnt ? " (inlined)" : "";

			fputs("      ", f);
			escape_write(f, fr->func, "");
			fprintf(f, "%s  %s", inl, fr->file ? "" : "[");
			escape_write(f, fr->file ?: loc->module, "");
			if (fr->file)
				fprintf(f, ":%u\n", fr->line);
			else
				fprintf(f, "+0x%llx]\n", (unsigned long long)loc->offset);
		}
	}
	if (s->truncated)
		fprintf(f, "      [truncated]\n");
}

static int by_value_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

uint32_t *rank_stacks(const struct profile *p, enum value_type value, size_t *cnt)
{
	size_t n = profile__stack_cnt(p);
	struct ranked *r = calloc(n ? n : 1, sizeof(*r));
	uint32_t *ids = calloc(n ? n : 1, sizeof(*ids));

	*cnt = 0;
	if (!r || !ids) {
		free(r);
		free(ids);
		return NULL;
	}
	for (uint32_t id = 0; id < n; id++) {
		double v = stack_value(profile__stack(p, id), value);

		if (llround(v) > 0)
			r[(*cnt)++] = (struct ranked){ id, v };
	}
	qsort(r, *cnt, sizeof(*r), by_value_desc);
	for (size_t i = 0; i < *cnt; i++)
		ids[i] = r[i].id;
	free(r);
	return ids;
}

#define HISTOGRAM_WIDTH 40

/* Rows from the first bucket with anything in it to the last, bars scaled to the largest. */
static void write_histogram(FILE *f, const char *title, const double h[LIFETIME_BUCKETS],
			    const char *indent)
{
	int first = -1, last = -1;
	double max = 0, total = 0;
	char lo[16], hi[16];

	for (int k = 0; k < LIFETIME_BUCKETS; k++) {
		if (llround(h[k] * 10) > 0) {
			first = first < 0 ? k : first;
			last = k;
		}
		max = h[k] > max ? h[k] : max;
		total += h[k];
	}
	fprintf(f, "%s%s (%.0f object%s)%s\n", indent, title, total, plural_s(total),
		first < 0 ? ": none" : ":");
	for (int k = first; first >= 0 && k <= last; k++) {
		int bar = max > 0 ? (int)lround(HISTOGRAM_WIDTH * h[k] / max) : 0;

		fprintf(f, "%s  [%9s, %9s) %-*.*s %.0f\n", indent, format_ns(k ? 1ULL << k : 0, lo, sizeof(lo)),
			k + 1 < LIFETIME_BUCKETS ? format_ns(2ULL << k, hi, sizeof(hi)) : "", HISTOGRAM_WIDTH,
			bar, "########################################", h[k]);
	}
}

static void sum_histograms(const struct profile *p, bool live, double out[LIFETIME_BUCKETS])
{
	for (int k = 0; k < LIFETIME_BUCKETS; k++)
		out[k] = 0;
	for (uint32_t id = 0; id < profile__stack_cnt(p); id++)
		for (int k = 0; k < LIFETIME_BUCKETS; k++)
			out[k] += live ? profile__stack(p, id)->live_ages[k] : profile__stack(p, id)->lifetimes[k];
}

static int write_top(const struct profile *p, const struct report_info *info, FILE *f)
{
	double total = 0;
	char b1[32], b2[32], b3[32], b4[40];
	size_t n;
	uint32_t *ids = rank_stacks(p, info->value, &n);

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		total += stack_value(profile__stack(p, ids[i]), info->value);
	/* in use means: allocated while memsnoop watched, and not freed by the end */
	fprintf(f, "\ntop %zu of %zu sites by %s%s:\n", n < info->top_n ? n : info->top_n, n,
		value_type_name(info->value),
		value_type_is_alloc(info->value) ? ""
		: info->at_exit ? ", still allocated at exit (leaked)"
				: ", allocated during the run and still live at its end");
	for (size_t i = 0; i < n && i < info->top_n; i++) {
		const struct stack *s = profile__stack(p, ids[i]);
		double v = stack_value(s, info->value);

		fprintf(f, "#%zu %s%s %s (%.1f%%)", i + 1, fmt_value(info->value, v, b1, sizeof(b1)),
			site_error(p, s, info->value, b4, sizeof(b4)), value_type_name(info->value),
			100.0 * v / total);
		if (s->pid)
			fprintf(f, " PID %u", s->pid);
		if (!info->inuse_untracked)
			fprintf(f, ": in use %s in %.0f object%s,",
				format_bytes(s->v.inuse_space, b2, sizeof(b2)), s->v.inuse_objects,
				plural_s(s->v.inuse_objects));
		else
			fputc(':', f);
		fprintf(f, " allocated %s in %.0f object%s, %llu sample%s\n",
			format_bytes(s->v.alloc_space, b3, sizeof(b3)), s->v.alloc_objects,
			plural_s(s->v.alloc_objects), (unsigned long long)s->v.alloc_samples,
			plural_s(s->v.alloc_samples));
		output_text__frames(p, s, f);
		if (info->lifetimes && !info->inuse_untracked) {
			write_histogram(f, "lifetimes of freed samples", s->lifetimes, "      ");
			write_histogram(f, "age of live samples", s->live_ages, "      ");
		}
	}
	if (info->lifetimes && !info->inuse_untracked) {
		double h[LIFETIME_BUCKETS];

		fputc('\n', f);
		sum_histograms(p, false, h);
		write_histogram(f, "lifetimes of all freed samples", h, "");
		sum_histograms(p, true, h);
		write_histogram(f, "age of all samples live at the report", h, "");
	}
	free(ids);
	return 0;
}

/* Stacks cut short are no loss: every figure stays whole, the stack is marked. */
static void write_cut_short(const struct report_losses *l, FILE *f)
{
	if (!l->truncated_stacks)
		return;
	fprintf(f, "stacks cut short (no data lost):\n");
	fprintf(f, "  %llu samples with stacks cut short at %d frames, an unwind rule not "
		   "followed or unreadable stack (with dwarf-copy: the end of the copy, see "
		   "--stack-bytes); marked [truncated], no frame guessed\n",
		(unsigned long long)l->truncated_stacks, MAX_STACK_DEPTH);
}

static void write_losses(const struct report_losses *l, FILE *f)
{
	if (!report_losses_any(l)) {
		fprintf(f, "\nlost data: none\n");
		write_cut_short(l, f);
		return;
	}
	fprintf(f, "\nWARNING: data was lost; estimates above are incomplete:\n");
	for (int i = 0; i < DROP_CNT; i++)
		if (l->drops[i])
			fprintf(f, "  %llu %s\n", (unsigned long long)l->drops[i], drop_names[i]);
	if (l->unknown_frees)
		fprintf(f, "  %llu frees of samples whose allocation was never received\n",
			(unsigned long long)l->unknown_frees);
	if (l->lost_frees)
		fprintf(f, "  %llu sampled blocks freed, their free event lost (not counted in use)\n",
			(unsigned long long)l->lost_frees);
	if (l->bad_events)
		fprintf(f, "  %llu malformed events\n", (unsigned long long)l->bad_events);
	if (l->stack_table_full)
		fprintf(f, "  %llu samples of new stacks past the stack table's bound (--stack-memory, --max-stacks), in one %s site\n",
			(unsigned long long)l->stack_table_full, PROFILE_FULL_NAME);
	write_cut_short(l, f);
}

#define EXIT_LEAK_LINES 10

/* What exited processes left allocated: out of "in use", a few lines by program. */
static void write_exit_leaks(const struct report_info *info, FILE *f)
{
	uint64_t processes = 0;
	char human[32];

	if (!info->exit_leak_cnt)
		return;
	for (size_t i = 0; i < info->exit_leak_cnt; i++)
		processes += info->exit_leaks[i].processes;
	fprintf(f, "leaked at exit by %llu process%s that exited during the run (not in use), by program:\n",
		(unsigned long long)processes, processes == 1 ? "" : "es");
	for (size_t i = 0; i < info->exit_leak_cnt && i < EXIT_LEAK_LINES; i++) {
		const struct exit_leak *e = &info->exit_leaks[i];

		fputs("  ", f);
		escape_write(f, e->program, ""); /* a target chose it */
		fprintf(f, ": %.0f objects, %.0f bytes (%s), %llu process%s\n", e->objects, e->bytes,
			format_bytes(e->bytes, human, sizeof(human)), (unsigned long long)e->processes,
			e->processes == 1 ? "" : "es");
	}
	if (info->exit_leak_cnt > EXIT_LEAK_LINES)
		fprintf(f, "  and %zu more programs\n", info->exit_leak_cnt - EXIT_LEAK_LINES);
}

int output_text__write(const struct profile *p, const struct report_info *info, FILE *f)
{
	int err;

	write_header(p, info, f);
	write_totals(p, info, f);
	write_sizes(p, info, f);
	write_exit_leaks(info, f);
	write_memory(p, info, f);
	err = info->count_only ? 0 : write_top(p, info, f);
	if (err)
		return err;
	write_losses(&info->losses, f);
	return ferror(f) ? -EIO : 0;
}
