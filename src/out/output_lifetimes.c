// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include "json.h"
#include "output.h"

static void json_histogram(FILE *f, const double h[LIFETIME_BUCKETS])
{
	fputc('[', f);
	for (int k = 0; k < LIFETIME_BUCKETS; k++)
		fprintf(f, "%s%.15g", k ? ", " : "", h[k]);
	fputc(']', f);
}

static void add_into(double sum[LIFETIME_BUCKETS], const double h[LIFETIME_BUCKETS])
{
	for (int k = 0; k < LIFETIME_BUCKETS; k++)
		sum[k] += h[k];
}

int output_lifetimes__write(const struct profile *p, FILE *f)
{
	double freed[LIFETIME_BUCKETS] = { 0 }, live[LIFETIME_BUCKETS] = { 0 };
	size_t cnt, n = profile__stack_cnt(p);
	/* every site with samples, freed ones included: ranked by objects allocated */
	uint32_t *ranked = rank_stacks(p, VALUE_ALLOC_OBJECTS, &cnt);

	if (!ranked)
		return -ENOMEM;
	for (uint32_t id = 0; id < n; id++) {
		add_into(freed, profile__stack(p, id)->lifetimes);
		add_into(live, profile__stack(p, id)->live_ages);
	}
	fprintf(f, "{\n  \"schema\": \"memsnoop.lifetimes/1\",\n  \"unit\": \"ns\",\n");
	fprintf(f, "  \"counts\": \"estimated objects\",\n  \"buckets\": [");
	for (int k = 0; k < LIFETIME_BUCKETS; k++) {
		if (k + 1 < LIFETIME_BUCKETS)
			fprintf(f, "%s[%llu, %llu]", k ? ", " : "", k ? 1ULL << k : 0ULL, 2ULL << k);
		else
			fprintf(f, ", [%llu, null]", 1ULL << k);
	}
	fprintf(f, "],\n  \"freed\": ");
	json_histogram(f, freed);
	fprintf(f, ",\n  \"live_at_report\": ");
	json_histogram(f, live);
	fprintf(f, ",\n  \"sites\": [");
	for (size_t i = 0; i < cnt && i < LIFETIMES_MAX_SITES; i++) {
		const struct stack *s = profile__stack(p, ranked[i]);

		fprintf(f, "%s\n    {\"pid\": %u, ", i ? "," : "", s->pid);
		for (int v = 0; v < VALUE_CNT; v++)
			fprintf(f, "\"%s\": %.15g, ", value_type_name(v), round(stack_value(s, v)));
		fprintf(f, "\"frames\": ");
		json_frames(f, p, s);
		fprintf(f, ",\n     \"freed\": ");
		json_histogram(f, s->lifetimes);
		fprintf(f, ",\n     \"live_at_report\": ");
		json_histogram(f, s->live_ages);
		fputc('}', f);
	}
	/* the totals above cover every site; the list, the largest only: a bounded file */
	fprintf(f, "\n  ],\n  \"sites_omitted\": %zu\n}\n",
		cnt > LIFETIMES_MAX_SITES ? cnt - LIFETIMES_MAX_SITES : 0);
	free(ranked);
	return ferror(f) ? -EIO : 0;
}
