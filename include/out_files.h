/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The files a run wrote, said in its last lines: a person should not need -v to find them. */
#ifndef MEMSNOOP_OUT_FILES_H
#define MEMSNOOP_OUT_FILES_H

#include <stddef.h>
#include <stdio.h>

#define OUT_FILES_MAX 8

struct out_files {
	char *paths[OUT_FILES_MAX];
	const char *notes[OUT_FILES_MAX]; /* what to do with it, static */
	size_t cnt;
};

/* Copies path. 0, -ENOSPC past OUT_FILES_MAX or -ENOMEM. */
int out_files__add(struct out_files *f, const char *path, const char *note);
/* "memsnoop: wrote PATH (NOTE)", a line each. */
void out_files__say(const struct out_files *f, FILE *out);
void out_files__clear(struct out_files *f);

#endif /* MEMSNOOP_OUT_FILES_H */
