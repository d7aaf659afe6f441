/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fuzz crashers kept as regression tests: each file of a directory handed to a reader. */
#ifndef REPLAY_H
#define REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>

/* Calls replay(path) for each file in dir (a missing dir: none). */
static inline void replay_dir(const char *dir, void (*replay)(const char *path))
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[512];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s%s", dir, de->d_name);
		replay(path);
	}
	closedir(d);
}

static int (*replay_one)(const uint8_t *, size_t);

static inline void replay_bytes(const char *path)
{
	static uint8_t buf[1 << 22];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	replay_one(buf, n);
}

/* Calls one(bytes, size) with the content (up to 4 MiB) of each file in dir. */
static inline void replay_bytes_dir(const char *dir, int (*one)(const uint8_t *, size_t))
{
	replay_one = one;
	replay_dir(dir, replay_bytes);
}

#endif /* REPLAY_H */
