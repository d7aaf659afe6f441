// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "escape.h"
#include "output.h"

struct folded_line {
	char *text;
	double value;
};

static char *stack_text(const struct profile *p, const struct stack *s)
{
	bool first = true;
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	if (s->truncated) {
		fputs("[truncated]", f);
		first = false;
	}
	/* root first: locations from the last, frames of each from the outermost */
	for (uint32_t i = s->loc_cnt; i-- > 0;) {
		const struct location *loc = profile__location(p, s->locs[i]);

		for (uint32_t j = loc->frame_cnt; j-- > 0;) {
			if (!first)
				fputc(';', f);
			/* ';' separates frames, a newline stacks */
			escape_write(f, loc->frames[j].func, ";");
			first = false;
		}
	}
	if (fclose(f))
		return NULL;
	return text;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->text, ((const struct folded_line *)b)->text);
}

int output_folded__write(const struct profile *p, enum value_type type, FILE *f)
{
	size_t cnt = profile__stack_cnt(p), n = 0;
	struct folded_line *lines = calloc(cnt ? cnt : 1, sizeof(*lines));
	int err = 0;

	if (!lines)
		return -ENOMEM;
	for (uint32_t id = 0; id < cnt; id++) {
		const struct stack *s = profile__stack(p, id);

		if (stack_value(s, type) <= 0)
			continue;
		lines[n].text = stack_text(p, s);
		if (!lines[n].text) {
			err = -ENOMEM;
			goto out;
		}
		lines[n++].value = stack_value(s, type);
	}
	qsort(lines, n, sizeof(*lines), by_text);
	for (size_t i = 0; i < n;) {
		double sum = 0;
		size_t j = i;

		for (; j < n && !strcmp(lines[j].text, lines[i].text); j++)
			sum += lines[j].value;
		if (llround(sum) > 0)
			fprintf(f, "%s %lld\n", lines[i].text, llround(sum));
		i = j;
	}
	if (ferror(f))
		err = -EIO;
out:
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
	return err;
}
