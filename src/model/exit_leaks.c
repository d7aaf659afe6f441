// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "exit_leaks.h"
#include "hashmap.h"

struct exit_leaks {
	struct hashmap *by_program; /* name -> struct exit_leak */
	struct exit_leak *sorted;
	size_t sorted_cnt;
};

struct exit_leaks *exit_leaks__new(void)
{
	struct exit_leaks *el = calloc(1, sizeof(*el));

	if (!el)
		return NULL;
	el->by_program = hashmap__new(sizeof(struct exit_leak));
	if (!el->by_program) {
		free(el);
		errno = ENOMEM;
		return NULL;
	}
	return el;
}

void exit_leaks__free(struct exit_leaks *el)
{
	if (!el)
		return;
	hashmap__free(el->by_program);
	free(el->sorted);
	free(el);
}

int exit_leaks__add(struct exit_leaks *el, const char *program, const struct exit_leak *leak)
{
	struct exit_leak *e = hashmap__upsert(el->by_program, program, strlen(program) + 1, NULL);

	if (!e)
		return -ENOMEM;
	/* the key is kept with the entry: the name outlives the process's registry entry */
	e->program = hashmap__key_of(el->by_program, e);
	e->processes++;
	e->objects += leak->objects;
	e->bytes += leak->bytes;
	e->samples += leak->samples;
	return 0;
}

static void collect(const void *key, void *value, void *ctx)
{
	struct exit_leaks *el = ctx;

	(void)key;
	el->sorted[el->sorted_cnt++] = *(const struct exit_leak *)value;
}

static int by_bytes(const void *a, const void *b)
{
	const struct exit_leak *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->program, y->program);
}

const struct exit_leak *exit_leaks__sorted(struct exit_leaks *el, size_t *cnt)
{
	size_t n = hashmap__size(el->by_program);
	struct exit_leak *tmp = realloc(el->sorted, (n ? n : 1) * sizeof(*tmp));

	*cnt = 0;
	if (!tmp)
		return NULL;
	el->sorted = tmp;
	el->sorted_cnt = 0;
	hashmap__for_each(el->by_program, collect, el);
	qsort(el->sorted, el->sorted_cnt, sizeof(*el->sorted), by_bytes);
	*cnt = el->sorted_cnt;
	return el->sorted;
}
