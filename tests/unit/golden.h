/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Compares what a writer produced with the expected file beside the tests, byte for byte. */
#ifndef GOLDEN_H
#define GOLDEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline char *read_file(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r"), *out = open_memstream(&text, &len);
	int c;

	if (!f || !out) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	fclose(f);
	fclose(out);
	return text;
}

/* Evaluates a writer call with FILE *f bound to memory; the text it wrote (free it). */
#define CAPTURE(call)                                                     \
	({                                                                \
		char *text_ = NULL;                                       \
		size_t len_ = 0;                                          \
		FILE *f = open_memstream(&text_, &len_);                  \
		assert_int_equal((call), 0);                              \
		fclose(f);                                                \
		text_;                                                    \
	})

/* With GOLDEN_UPDATE=1 in the environment, rewrites the expected file instead (review the diff). */
static inline void update_golden(const char *path, const char *text)
{
	FILE *f;

	if (!getenv("GOLDEN_UPDATE"))
		return;
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

/* Compares a writer's output with the golden file; prints both on a mismatch. */
#define assert_golden(path, got_text)                                                      \
	do {                                                                               \
		update_golden(path, got_text);                                             \
		char *want_ = read_file(path);                                             \
		if (strcmp(want_, (got_text)))                                             \
			fprintf(stderr, "--- want %s\n%s--- got\n%s", path, want_, got_text); \
		assert_string_equal(want_, (got_text));                                    \
		free(want_);                                                               \
	} while (0)

#endif /* GOLDEN_H */
