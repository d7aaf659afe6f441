// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Go writes sampled counts and "@ heap/2R" so that readers weight them; memsnoop's values are
 * weighted already (Horvitz-Thompson), so the header says heap/2: a rate of 1, nothing to
 * weight again. The rate the samples were taken at is said in the trailing comment, where Go
 * puts its runtime.MemStats.
 */
#include <errno.h>
#include <math.h>
#include "escape.h"
#include "output_heaptext.h"

static void write_record(const struct profile *p, const struct stack *s, FILE *f)
{
	fprintf(f, "%lld: %lld [%lld: %lld] @", llround(s->v.inuse_objects),
		llround(s->v.inuse_space), llround(s->v.alloc_objects), llround(s->v.alloc_space));
	for (uint32_t i = 0; i < s->loc_cnt; i++)
		fprintf(f, " 0x%llx", (unsigned long long)profile__location(p, s->locs[i])->offset);
	fputc('\n', f);
	for (uint32_t i = 0; i < s->loc_cnt; i++) {
		const struct location *l = profile__location(p, s->locs[i]);

		for (uint32_t j = 0; j < l->frame_cnt; j++) {
			fprintf(f, "#\t0x%llx\t", (unsigned long long)l->offset);
			escape_write(f, l->frames[j].func, "");
			fputc('\t', f);
			escape_write(f, l->frames[j].file ?: l->module, "");
			fprintf(f, ":%u\n", l->frames[j].line);
		}
	}
	fputc('\n', f);
}

int output_heaptext__write(const struct profile *p, FILE *f)
{
	struct stack_values t;

	profile__totals(p, &t);
	fprintf(f, "heap profile: %lld: %lld [%lld: %lld] @ heap/2\n", llround(t.inuse_objects),
		llround(t.inuse_space), llround(t.alloc_objects), llround(t.alloc_space));
	for (uint32_t id = 0; id < profile__stack_cnt(p); id++) {
		const struct stack *s = profile__stack(p, id);

		if (s->v.alloc_samples)
			write_record(p, s, f);
	}
	if (profile__rate(p) <= 1)
		fprintf(f, "\n# memsnoop: every allocation sampled (exact)\n");
	else
		fprintf(f, "\n# memsnoop: values are estimates already weighted, from %llu samples "
			   "at one per %llu bytes allocated on average\n",
			(unsigned long long)t.alloc_samples, (unsigned long long)profile__rate(p));
	return ferror(f) ? -EIO : 0;
}
