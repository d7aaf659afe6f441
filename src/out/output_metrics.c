// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "alloc_names.h"
#include "escape.h"
#include "output_metrics.h"
#include "output_summary.h"
#include "size_classes.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * A label value a target may have chosen (comm, cgroup): escape.h's rules (controls and
 * invalid UTF-8 as \xNN, quotes too), then every backslash doubled, the one escape the
 * exposition format has for it; the value then reads exactly as escape_write's output.
 */
static void label_value(FILE *f, const char *s)
{
	char *e = escape_dup(s, "\"");

	for (const char *c = e ? e : "?"; *c; c++)
		fputs(*c == '\\' ? "\\\\" : (char[2]){ *c, 0 }, f);
	free(e);
}

/* Each entry point's exact calls, or the bytes requested from each allocating one. */
static void write_counters(const struct report_info *info, bool bytes, FILE *f)
{
	const char *name = bytes ? "memsnoop_requested_bytes_total" : "memsnoop_calls_total";

	family(f, name, "counter",
	       bytes ? "Bytes requested from each allocating entry point, exact."
		     : "Calls of each allocator entry point, exact (every call, counted in the kernel).");
	for (unsigned i = 0; i < ALLOC_COUNTER_CNT; i++) {
		const struct fn_counter *c = &info->counters[i];
		enum alloc_row row = alloc_counter_row(i);

		if (!c->calls || (bytes && alloc_row_kind(row) == AK_FREE))
			continue;
		fprintf(f, "%s{allocator=\"%s\",group=\"%s\",function=\"%s\"} %llu\n", name,
			alloc_family_name(i / ALLOC_ROW_CNT), alloc_counter_group(i),
			alloc_row_name(row), (unsigned long long)(bytes ? c->bytes : c->calls));
	}
}

static void write_exact(const struct report_info *info, FILE *f)
{
	uint64_t calls, bytes, frees;

	write_counters(info, false, f);
	write_counters(info, true, f);
	alloc_counters_sum(info->counters, &calls, &bytes, &frees);
	family(f, "memsnoop_allocations_total", "counter", "Every allocation, exact.");
	fprintf(f, "memsnoop_allocations_total %" PRIu64 "\n", calls);
	family(f, "memsnoop_allocated_bytes_total", "counter", "Bytes of every allocation, exact.");
	fprintf(f, "memsnoop_allocated_bytes_total %" PRIu64 "\n", bytes);
	if (info->inuse_untracked)
		return; /* --alloc-only: frees are not probed */
	family(f, "memsnoop_frees_total", "counter", "Every free, exact.");
	fprintf(f, "memsnoop_frees_total %" PRIu64 "\n", frees);
}

/* A histogram of one direction's size classes per family: cumulative buckets by the classes'
 * inclusive bounds, as Prometheus histograms are. Frees of unknown size are left out. */
static void write_size_histogram(const struct report_info *info, enum size_dir dir, FILE *f)
{
	const char *name = dir == SIZE_DIR_ALLOC ? "memsnoop_allocation_size_bytes"
						 : "memsnoop_free_size_bytes";

	family(f, name, "histogram",
	       dir == SIZE_DIR_ALLOC
		       ? "Sizes requested from each allocator family, exact (every call, counted in the kernel)."
		       : "Sizes of the blocks freed, exact where known: sized frees and sampled blocks (every block at rate 1).");
	for (unsigned fam = 0; fam < FAMILY_CNT; fam++) {
		uint64_t calls = 0, bytes = 0;

		if (!size_family_used(info->sizes, fam))
			continue;
		for (unsigned k = 0; k < SIZE_CLASS_CNT; k++) {
			const struct fn_counter *c = size_slot(info->sizes, fam, dir, k);

			calls += c->calls;
			bytes += c->bytes;
			if (size_class_bound(k))
				fprintf(f, "%s_bucket{allocator=\"%s\",le=\"%" PRIu64 "\"} %" PRIu64 "\n",
					name, alloc_family_name(fam), size_class_bound(k), calls);
		}
		fprintf(f, "%s_bucket{allocator=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", name,
			alloc_family_name(fam), calls);
		fprintf(f, "%s_sum{allocator=\"%s\"} %" PRIu64 "\n", name, alloc_family_name(fam), bytes);
		fprintf(f, "%s_count{allocator=\"%s\"} %" PRIu64 "\n", name, alloc_family_name(fam),
			calls);
	}
}

static void write_sizes(const struct report_info *info, FILE *f)
{
	write_size_histogram(info, SIZE_DIR_ALLOC, f);
	if (info->inuse_untracked)
		return; /* --alloc-only: frees are not probed */
	write_size_histogram(info, SIZE_DIR_FREE, f);
	family(f, "memsnoop_frees_unknown_size_total", "counter",
	       "Frees whose block's size is not known (neither a sized free nor a sampled block).");
	for (unsigned fam = 0; fam < FAMILY_CNT; fam++)
		if (size_family_used(info->sizes, fam))
			fprintf(f, "memsnoop_frees_unknown_size_total{allocator=\"%s\"} %llu\n",
				alloc_family_name(fam),
				(unsigned long long)size_slot(info->sizes, fam, SIZE_DIR_FREE,
							      SIZE_CLASS_UNKNOWN)->calls);
}

/* The estimated heap of one process (pid 0: every target, not kept apart). */
struct proc_values {
	uint32_t pid;
	struct stack_values v;
};

static int by_pid(const void *a, const void *b)
{
	uint32_t x = ((const struct proc_values *)a)->pid, y = ((const struct proc_values *)b)->pid;

	return x < y ? -1 : x > y;
}

static const struct report_target *find_target(const struct report_info *info, uint32_t pid)
{
	const struct report_target *t = NULL;

	for (size_t i = 0; i < info->target_cnt; i++)
		if ((uint32_t)info->targets[i].pid == pid || (!pid && info->target_cnt == 1))
			t = &info->targets[i]; /* the latest: a pid can be reused */
	return t;
}

static void process_labels(FILE *f, const struct report_info *info, uint32_t pid)
{
	const struct report_target *t = find_target(info, pid);

	fprintf(f, "{pid=\"%u\"", t ? (unsigned)t->pid : pid);
	if (t && t->comm) {
		fputs(",comm=\"", f);
		label_value(f, t->comm);
		fputc('"', f);
	}
	if (t && t->cgroup) {
		fputs(",cgroup=\"", f);
		label_value(f, t->cgroup);
		fputc('"', f);
	}
	fputc('}', f);
}

/* The stacks' values summed per process, sorted by pid; *cnt of them. NULL: no memory. */
static struct proc_values *sum_by_process(const struct profile *p, size_t *cnt)
{
	size_t n = profile__stack_cnt(p), out = 0;
	struct proc_values *pv = calloc(n ? n : 1, sizeof(*pv));

	for (uint32_t id = 0; pv && id < n; id++) {
		const struct stack *s = profile__stack(p, id);

		pv[id] = (struct proc_values){ s->pid, s->v };
	}
	if (pv)
		qsort(pv, n, sizeof(*pv), by_pid);
	for (size_t i = 0; pv && i < n; i++) {
		if (out && pv[out - 1].pid == pv[i].pid) {
			struct stack_values *d = &pv[out - 1].v;

			d->alloc_objects += pv[i].v.alloc_objects;
			d->alloc_space += pv[i].v.alloc_space;
			d->inuse_objects += pv[i].v.inuse_objects;
			d->inuse_space += pv[i].v.inuse_space;
		} else {
			pv[out++] = pv[i];
		}
	}
	*cnt = out;
	return pv;
}

static const struct {
	const char *name, *type, *help;
	enum value_type value;
	bool inuse;
} heap_families[] = {
	{ "memsnoop_heap_inuse_bytes", "gauge", "Heap in use, estimated from the samples.",
	  VALUE_INUSE_SPACE, true },
	{ "memsnoop_heap_inuse_objects", "gauge", "Blocks in use, estimated from the samples.",
	  VALUE_INUSE_OBJECTS, true },
	{ "memsnoop_heap_allocated_bytes_total", "counter",
	  "Bytes allocated, estimated from the samples.", VALUE_ALLOC_SPACE, false },
	{ "memsnoop_heap_allocated_objects_total", "counter",
	  "Blocks allocated, estimated from the samples.", VALUE_ALLOC_OBJECTS, false },
};

static int write_estimated(const struct profile *p, const struct report_info *info, FILE *f)
{
	size_t cnt;
	struct proc_values *pv = sum_by_process(p, &cnt);

	if (!pv)
		return -ENOMEM;
	for (size_t k = 0; k < sizeof(heap_families) / sizeof(heap_families[0]); k++) {
		if (heap_families[k].inuse && info->inuse_untracked)
			continue;
		family(f, heap_families[k].name, heap_families[k].type, heap_families[k].help);
		for (size_t i = 0; i < cnt; i++) {
			struct stack s = { .v = pv[i].v };

			fputs(heap_families[k].name, f);
			process_labels(f, info, pv[i].pid);
			fprintf(f, " %.0f\n", round(stack_value(&s, heap_families[k].value)));
		}
	}
	free(pv);
	family(f, "memsnoop_sampling_rate_bytes", "gauge",
	       "Mean bytes between samples (1: every allocation, exact estimates).");
	fprintf(f, "memsnoop_sampling_rate_bytes %" PRIu64 "\n", profile__rate(p));
	return 0;
}

static void write_losses(const struct report_losses *l, FILE *f)
{
	family(f, "memsnoop_losses_total", "counter",
	       "The loss counters of PREFIX.summary.json: events lost or cut short, and the samples received (alloc_events, free_events) they compare with.");
	for (int i = 0; i < DROP_CNT; i++)
		fprintf(f, "memsnoop_losses_total{counter=\"%s\"} %" PRIu64 "\n", drop_name(i),
			l->drops[i]);
	for (size_t i = 0; i < report_loss_field_cnt(); i++) {
		uint64_t v;
		const char *name = report_loss_field(i, l, &v);

		fprintf(f, "memsnoop_losses_total{counter=\"%s\"} %" PRIu64 "\n", name, v);
	}
}

/* Each live process's last reading: sizes in one family, counts in the other. */
static void write_memory(const struct report_info *info, bool bytes, FILE *f)
{
	const char *name = bytes ? "memsnoop_memory_bytes" : "memsnoop_memory_items";

	family(f, name, "gauge",
	       bytes ? "The kernel's and glibc's view of each process's memory, last reading."
		     : "Counts beside the memory readings (glibc arenas and mmaps, cgroup OOM events).");
	for (size_t i = 0; info->mem && i < info->target_cnt; i++) {
		const struct report_target *t = &info->targets[i];
		const struct mem_point *pt = t->exited ? NULL : mem_series__last(info->mem, t->pid);

		for (int m = 0; pt && m < MEM_FIELD_CNT; m++)
			if (pt->has[m] && mem_field_info(m)->bytes == bytes)
				fprintf(f, "%s{pid=\"%d\",field=\"%s\"} %" PRIu64 "\n", name, (int)t->pid,
					mem_field_info(m)->name, pt->v[m]);
	}
}

static void write_self(const struct metrics_self *self, FILE *f)
{
	family(f, "process_cpu_seconds_total", "counter", "memsnoop's user and system CPU time.");
	fprintf(f, "process_cpu_seconds_total %.3f\n", self->cpu_s);
	family(f, "process_resident_memory_bytes", "gauge", "memsnoop's resident memory.");
	fprintf(f, "process_resident_memory_bytes %" PRIu64 "\n", self->rss_bytes);
	family(f, "process_start_time_seconds", "gauge", "When memsnoop started, since the Epoch.");
	fprintf(f, "process_start_time_seconds %.3f\n", self->start_time_s);
	family(f, "memsnoop_http_requests_total", "counter", "Requests answered before this one.");
	fprintf(f, "memsnoop_http_requests_total %" PRIu64 "\n", self->scrapes);
	if (!self->pushing)
		return;
	family(f, "memsnoop_pushes_total", "counter", "--push: profiles sent, and given up.");
	fprintf(f, "memsnoop_pushes_total{result=\"sent\"} %" PRIu64 "\n", self->pushes_sent);
	fprintf(f, "memsnoop_pushes_total{result=\"dropped\"} %" PRIu64 "\n", self->pushes_dropped);
	family(f, "memsnoop_push_retries_total", "counter", "--push: sends retried after a failure.");
	fprintf(f, "memsnoop_push_retries_total %" PRIu64 "\n", self->push_retries);
}

int output_metrics__write(const struct profile *p, const struct report_info *info,
			  const struct metrics_self *self, FILE *f)
{
	int err;

	write_exact(info, f);
	write_sizes(info, f);
	err = write_estimated(p, info, f);
	write_losses(&info->losses, f);
	write_memory(info, true, f);
	write_memory(info, false, f);
	write_self(self, f);
	return err ?: ferror(f) ? -EIO : 0;
}
