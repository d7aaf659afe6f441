// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "out_files.h"

int out_files__add(struct out_files *f, const char *path, const char *note)
{
	if (f->cnt == OUT_FILES_MAX)
		return -ENOSPC;
	f->paths[f->cnt] = strdup(path);
	if (!f->paths[f->cnt])
		return -ENOMEM;
	f->notes[f->cnt++] = note;
	return 0;
}

void out_files__say(const struct out_files *f, FILE *out)
{
	for (size_t i = 0; i < f->cnt; i++)
		fprintf(out, "memsnoop: wrote %s%s%s%s\n", f->paths[i], f->notes[i] ? " (" : "",
			f->notes[i] ?: "", f->notes[i] ? ")" : "");
	fflush(out);
}

void out_files__clear(struct out_files *f)
{
	for (size_t i = 0; i < f->cnt; i++)
		free(f->paths[i]);
	f->cnt = 0;
}
