/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A test's own directory under /tmp: made fresh, removed with everything in it. */
#ifndef TMPDIR_H
#define TMPDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* dir (at least 64 bytes) becomes /tmp/NAME.XXXXXX, made; 0 or -1. */
static inline int tmpdir_make(char *dir, const char *name)
{
	snprintf(dir, 64, "/tmp/%s.XXXXXX", name);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int tmpdir_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

#endif /* TMPDIR_H */
