// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What a report says beside the profile: the exact counters, the losses, the processes. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "attach.h"
#include "clock.h"
#include "collect.h"
#include "log.h"
#include "session.h"
#include "table_loader.h"

#define ALLOC_LABEL_SZ 160

/* The exact counters and every loss so far: what each tick and the final report show. */
void session__read_figures(const struct session *s, struct report_info *info)
{
	const struct probes *probes = s->probes;
	const struct collector *collector = s->collector;
	const struct profile *profile = s->profile;
	const struct cli_opts *opts = &s->opts;
	struct collector_stats st;

	collector__stats(collector, &st);
	probes__read_counters(probes, info->counters);
	probes__read_sizes(probes, info->sizes);
	info->count_only = opts->count_only;
	probes__read_drops(probes, info->losses.drops);
	info->losses.unknown_frees = st.unknown_frees;
	info->losses.lost_frees = st.lost_frees;
	info->losses.alloc_events = st.alloc_events;
	info->losses.free_events = st.free_events;
	info->losses.bad_events = st.bad_events;
	info->losses.truncated_stacks = st.truncated_stacks;
	info->losses.unresolved_pcs = st.sym.unresolved;
	info->losses.stack_table_full = profile__full_samples(profile);
	info->value = opts->value;
	info->top_n = opts->top_n;
	info->inuse_untracked = opts->alloc_only;
	info->lifetimes = opts->lifetimes;
	info->fail_on_loss = opts->fail_on_loss == CLI_ON;
}

/* -v: memsnoop's own cost, by itself: a launched command's rusage would include the target. */
void session__report_own_usage(void)
{
	struct rusage ru = {};
	double cpu_s = self_cpu_s(&ru);

	pr_info("own usage: peak RSS %ld KiB, CPU %.2f s\n", ru.ru_maxrss, cpu_s);
}

static void report_tables(const struct session *s)
{
	table_loader__report(s->tables, &(struct table_loader_walks){
				     .copies = probes__unwind_copies(s->probes),
				     .vma_busy = probes__unwind_vma_busy(s->probes),
				     .pending = probes__unwind_pending(s->probes) });
}

static void report_collector(const struct session *s)
{
	struct collector_stats st;

	collector__stats(s->collector, &st);
	pr_info("%llu alloc and %llu free events, %llu unique stacks (%.1f MiB of the stack "
		"table's %.0f MiB), %llu unique pcs symbolized\n",
		(unsigned long long)st.alloc_events, (unsigned long long)st.free_events,
		(unsigned long long)st.unique_stacks, profile__stack_memory(s->profile) / 1048576.0,
		profile__stack_memory_bound(s->profile) / 1048576.0, (unsigned long long)st.unique_pcs);
	if (st.unique_pcs)
		pr_info("symbolizing: %.1f ms for the first pc of each of %llu modules (loading debug info), then %.1f us per unique pc\n",
			st.sym.open_ns / 1e6, (unsigned long long)(st.sym.modules_opened + st.sym.modules_failed),
			st.unique_pcs > st.sym.modules_opened
				? st.sym.lookup_ns / 1e3 / (st.unique_pcs - st.sym.modules_opened - st.sym.modules_failed)
				: 0.0);
	pr_info("where index: %llu live blocks in %llu KiB (%llu not indexed: no memory)\n",
		(unsigned long long)st.index_blocks, (unsigned long long)st.index_bytes / 1024,
		(unsigned long long)st.unindexed);
	if (st.unwound)
		pr_info("DWARF unwinding: %llu stacks, %.1f us each; %llu kept as the kernel's walk up to a file without a table yet (libdw got no further)\n",
			(unsigned long long)st.unwound, st.unwind_ns / 1e3 / st.unwound,
			(unsigned long long)st.partial_walks);
	if (s->opts.unwind_oracle)
		pr_info("unwind oracle: %llu kernel stacks compared with libdw's, %llu differ\n",
			(unsigned long long)st.oracle_compared, (unsigned long long)st.oracle_differ);
}

/* The row names of each counter that several entry points count into ("free+delete"). */
static void label_counters(const struct alloc_objects *objs, size_t cnt,
			   char (*labels)[ALLOC_LABEL_SZ], struct report_info *info)
{
	for (unsigned counter = 0; counter < ALLOC_COUNTER_CNT; counter++) {
		if (!info->counters[counter].calls)
			continue;
		alloc_objects__counter_label(objs, cnt, counter, labels[counter], ALLOC_LABEL_SZ);
		if (labels[counter][0])
			info->counter_labels[counter] = labels[counter];
	}
}

/* What the probes of these objects cannot see, for the report: a line per family mapped, and
 * one per allocator a program carries inside itself (out holds BLIND_SPOTS_MAX). */
#define BLIND_SPOTS_MAX (FAMILY_CNT + ALLOC_OWN_NOTES_MAX)
static size_t blind_spots(const struct alloc_objects *objs, size_t cnt, const char **out)
{
	bool mapped[FAMILY_CNT] = { false };
	size_t n = 0;

	for (size_t i = 0; i < cnt; i++)
		for (size_t k = 0; k < objs[i].own_note_cnt && n < ALLOC_OWN_NOTES_MAX; k++)
			out[n++] = objs[i].own_notes[k];

	for (size_t i = 0; i < cnt; i++)
		for (size_t o = 0; o < objs[i].cnt; o++)
			mapped[objs[i].objs[o].family] = true;
	for (int family = 0; family < FAMILY_CNT; family++)
		if (mapped[family] && alloc_family_blind_spot(family))
			out[n++] = alloc_family_blind_spot(family);
	return n;
}

void session__fill_targets(struct session *s, struct report_info *info)
{
	struct report_target *tmp = realloc(s->rtargets, (s->targets.cnt + 1) * sizeof(*tmp));

	if (!tmp)
		return; /* the previous list stays: a report names fewer processes */
	s->rtargets = tmp;
	for (size_t i = 0; i < s->targets.cnt; i++) {
		const struct target *t = &s->targets.list[i];

		s->rtargets[i] = (struct report_target){ t->pid, t->comm, t->exited, t->cgroup };
	}
	info->targets = s->rtargets;
	info->target_cnt = s->targets.cnt;
	if (s->mode->describe)
		s->mode->describe(s, info);
}

void session__fill_report(struct session *s, struct report_info *info)
{
	static char labels[ALLOC_COUNTER_CNT][ALLOC_LABEL_SZ];
	static const char *not_seen[BLIND_SPOTS_MAX];
	const struct alloc_objects *files;
	size_t cnt = 0;

	session__read_figures(s, info);
	report_collector(s);
	if (s->tables)
		report_tables(s);
	/* by default, each target's own files */
	files = s->mode->files ? s->mode->files(s, &cnt) : s->objs;
	if (!s->mode->files)
		cnt = s->targets.cnt;
	label_counters(files, cnt, labels, info);
	info->not_seen_cnt = blind_spots(files, cnt, not_seen);
	info->not_seen = not_seen;
}
