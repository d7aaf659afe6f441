/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Compares what a writer produced with the expected file beside the tests, byte for byte. */
#ifndef GOLDEN_H
#define GOLDEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path)
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

/* Runs write(f) into memory and compares with golden file; prints both on a mismatch. */
#define assert_golden(path, got_text)                                                      \
	do {                                                                               \
		char *want_ = read_file(path);                                             \
		if (strcmp(want_, (got_text)))                                             \
			fprintf(stderr, "--- want %s\n%s--- got\n%s", path, want_, got_text); \
		assert_string_equal(want_, (got_text));                                    \
		free(want_);                                                               \
	} while (0)

#endif /* GOLDEN_H */
