// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include "alloc_names.h"
#include "json.h"
#include "output_summary.h"
#include "size_classes.h"

/*
 * Every counter of struct report_losses besides drops[], by name. The assertion below fails
 * the build when a counter is added to the struct without its row here, so that the summary
 * never leaves a loss out.
 */
static const struct {
	const char *name;
	size_t off;
} loss_fields[] = {
	{ "unknown_frees", offsetof(struct report_losses, unknown_frees) },
	{ "lost_frees", offsetof(struct report_losses, lost_frees) },
	{ "bad_events", offsetof(struct report_losses, bad_events) },
	{ "truncated_stacks", offsetof(struct report_losses, truncated_stacks) },
	{ "unresolved_pcs", offsetof(struct report_losses, unresolved_pcs) },
	{ "alloc_events", offsetof(struct report_losses, alloc_events) },
	{ "free_events", offsetof(struct report_losses, free_events) },
	{ "stack_table_full", offsetof(struct report_losses, stack_table_full) },
};

_Static_assert(sizeof(struct report_losses) ==
		       sizeof(uint64_t) * (DROP_CNT + sizeof(loss_fields) / sizeof(loss_fields[0])),
	       "a report_losses counter has no row in loss_fields");

size_t report_loss_field_cnt(void)
{
	return sizeof(loss_fields) / sizeof(loss_fields[0]);
}

const char *report_loss_field(size_t i, const struct report_losses *l, uint64_t *value)
{
	*value = *(const uint64_t *)((const char *)l + loss_fields[i].off);
	return loss_fields[i].name;
}

static void write_run(const struct profile *p, const struct report_info *info, FILE *f)
{
	fprintf(f, "  \"run\": {\n    \"targets\": [");
	for (size_t i = 0; i < info->target_cnt; i++) {
		fprintf(f, "%s{\"pid\": %d, \"comm\": ", i ? ", " : "", (int)info->targets[i].pid);
		json_string(f, info->targets[i].comm);
		fprintf(f, ", \"exited\": %s}", info->targets[i].exited ? "true" : "false");
	}
	fprintf(f, "],\n    \"duration_s\": %.3f,\n    \"rate\": %" PRIu64 ",\n", info->duration_s,
		profile__rate(p));
	fprintf(f, "    \"value\": \"%s\",\n    \"alloc_only\": %s,\n    \"count_only\": %s,\n"
		   "    \"at_exit\": %s,\n",
		value_type_name(info->value), info->inuse_untracked ? "true" : "false",
		info->count_only ? "true" : "false", info->at_exit ? "true" : "false");
	fprintf(f, "    \"unfollowed_children\": %u\n  },\n", info->unfollowed_children);
}

static void write_exact(const struct report_info *info, FILE *f)
{
	uint64_t calls, bytes, frees;
	bool first = true;

	fprintf(f, "  \"exact\": {\n    \"entry_points\": [");
	for (unsigned i = 0; i < ALLOC_COUNTER_CNT; i++) {
		const struct fn_counter *c = &info->counters[i];
		enum alloc_row row = alloc_counter_row(i);

		if (!c->calls)
			continue;
		fprintf(f, "%s\n      {\"name\": ", first ? "" : ",");
		json_string(f, info->counter_labels[i] ?: alloc_row_name(row));
		fprintf(f, ", \"group\": ");
		json_string(f, alloc_counter_group(i));
		fprintf(f, ", \"allocator\": \"%s\", \"frees\": %s, \"calls\": %llu, \"bytes\": %llu}",
			alloc_family_name(i / ALLOC_ROW_CNT),
			alloc_row_kind(row) == AK_FREE ? "true" : "false",
			(unsigned long long)c->calls, (unsigned long long)c->bytes);
		first = false;
	}
	alloc_counters_sum(info->counters, &calls, &bytes, &frees);
	fprintf(f, "\n    ],\n    \"all_allocations\": {\"calls\": %" PRIu64 ", \"bytes\": %" PRIu64 "},\n",
		calls, bytes);
	if (info->inuse_untracked)
		fprintf(f, "    \"free_calls\": null\n  },\n");
	else
		fprintf(f, "    \"free_calls\": %" PRIu64 "\n  },\n", frees);
}

/* One family's classes that counted anything, each with its inclusive bound (null: none). */
static void write_size_family(const struct report_info *info, unsigned family, FILE *f)
{
	bool first = true;

	fprintf(f, "\n    {\"allocator\": \"%s\", \"classes\": [", alloc_family_name(family));
	for (unsigned k = 0; k < SIZE_CLASS_CNT; k++) {
		const struct fn_counter *a = size_slot(info->sizes, family, SIZE_DIR_ALLOC, k);
		const struct fn_counter *fr = size_slot(info->sizes, family, SIZE_DIR_FREE, k);

		if (!a->calls && !fr->calls)
			continue;
		fprintf(f, "%s\n      {\"le\": ", first ? "" : ",");
		if (size_class_bound(k))
			fprintf(f, "%" PRIu64, size_class_bound(k));
		else
			fputs("null", f);
		fprintf(f, ", \"allocs\": %llu, \"alloc_bytes\": %llu, \"frees\": %llu, "
			   "\"free_bytes\": %llu}",
			(unsigned long long)a->calls, (unsigned long long)a->bytes,
			(unsigned long long)fr->calls, (unsigned long long)fr->bytes);
		first = false;
	}
	fprintf(f, "%s], \"frees_unknown_size\": %llu}", first ? "" : "\n    ",
		(unsigned long long)size_slot(info->sizes, family, SIZE_DIR_FREE, SIZE_CLASS_UNKNOWN)
			->calls);
}

static void write_sizes(const struct report_info *info, FILE *f)
{
	bool first = true;

	fprintf(f, "  \"size_classes\": [");
	for (unsigned family = 0; family < FAMILY_CNT; family++) {
		if (!size_family_used(info->sizes, family))
			continue;
		fputs(first ? "" : ",", f);
		write_size_family(info, family, f);
		first = false;
	}
	fprintf(f, "%s],\n", first ? "" : "\n  ");
}

static void write_estimated(const struct stack_values *t, const struct report_info *info, FILE *f)
{
	fprintf(f, "  \"estimated\": {\n    \"samples\": %" PRIu64 ",\n", t->alloc_samples);
	fprintf(f, "    \"allocated\": {\"objects\": %.0f, \"bytes\": %.0f},\n", t->alloc_objects,
		t->alloc_space);
	if (info->inuse_untracked)
		fprintf(f, "    \"in_use\": null");
	else
		fprintf(f, "    \"in_use\": {\"objects\": %.0f, \"bytes\": %.0f, \"samples\": %" PRIu64 "}",
			t->inuse_objects, t->inuse_space, t->inuse_samples);
	/* --cgroup: exited processes' blocks, out of in_use, one entry per program */
	if (info->exit_leak_cnt)
		fprintf(f, ",\n    \"leaked_at_exit\": [");
	for (size_t i = 0; i < info->exit_leak_cnt; i++) {
		const struct exit_leak *e = &info->exit_leaks[i];

		fprintf(f, "%s\n      {\"program\": ", i ? "," : "");
		json_string(f, e->program);
		fprintf(f, ", \"processes\": %" PRIu64 ", \"objects\": %.0f, \"bytes\": %.0f, \"samples\": %" PRIu64 "}",
			e->processes, e->objects, e->bytes, e->samples);
	}
	fprintf(f, "%s\n  },\n", info->exit_leak_cnt ? "\n    ]" : "");
}

static void write_losses(const struct report_losses *l, FILE *f)
{
	fprintf(f, "  \"losses\": {\n    \"any\": %s,\n    \"lost_fraction\": %.6g,\n",
		report_losses_any(l) ? "true" : "false", report_losses_alloc_fraction(l));
	for (int i = 0; i < DROP_CNT; i++)
		fprintf(f, "    \"%s\": %" PRIu64 ",\n", drop_name(i), l->drops[i]);
	for (size_t i = 0; i < report_loss_field_cnt(); i++) {
		uint64_t v;
		const char *name = report_loss_field(i, l, &v);

		fprintf(f, "    \"%s\": %" PRIu64 "%s\n", name, v,
			i + 1 < report_loss_field_cnt() ? "," : "");
	}
	fprintf(f, "  },\n");
}

static void write_memory(const struct mem_series *mem, FILE *f)
{
	fprintf(f, "  \"memory\": [");
	for (size_t i = 0; mem && i < mem->cnt; i++) {
		const struct mem_point *pt = &mem->points[i];

		fprintf(f, "%s\n    {\"t_s\": %.3f, \"pid\": %d", i ? "," : "", pt->t_s, (int)pt->pid);
		for (int m = 0; m < MEM_FIELD_CNT; m++)
			if (pt->has[m])
				fprintf(f, ", \"%s\": %" PRIu64, mem_field_info(m)->name, pt->v[m]);
		fputc('}', f);
	}
	fprintf(f, "%s],\n", mem && mem->cnt ? "\n  " : "");
}

static int write_sites(const struct profile *p, const struct report_info *info, FILE *f)
{
	size_t n;
	uint32_t *ids = rank_stacks(p, info->value, &n);

	if (!ids)
		return -ENOMEM;
	fprintf(f, "  \"top_sites\": [");
	for (size_t i = 0; i < n && i < info->top_n; i++) {
		const struct stack *s = profile__stack(p, ids[i]);

		fprintf(f, "%s\n    {\"pid\": %u, ", i ? "," : "", s->pid);
		for (int v = 0; v < VALUE_CNT; v++)
			fprintf(f, "\"%s\": %.0f, ", value_type_name(v), round(stack_value(s, v)));
		fprintf(f, "\"samples\": %" PRIu64 ", \"frames\": ", s->v.alloc_samples);
		json_frames(f, p, s);
		fputc('}', f);
	}
	fprintf(f, "%s]\n", n ? "\n  " : "");
	free(ids);
	return 0;
}

int output_summary__write(const struct profile *p, const struct report_info *info, FILE *f)
{
	struct stack_values t;
	int err;

	profile__totals(p, &t);
	fprintf(f, "{\n  \"schema\": \"memsnoop.summary/1\",\n");
	write_run(p, info, f);
	write_exact(info, f);
	write_sizes(info, f);
	write_estimated(&t, info, f);
	write_losses(&info->losses, f);
	write_memory(info->mem, f);
	err = write_sites(p, info, f);
	fprintf(f, "}\n");
	return err ?: ferror(f) ? -EIO : 0;
}
