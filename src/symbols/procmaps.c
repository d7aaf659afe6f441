// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "array.h"
#include "procmaps.h"

static int parse_line(char *line, struct mapping *m)
{
	unsigned long long start, end, offset, inode;
	unsigned int major, minor;
	char perms[5];
	int path_pos = 0;
	char *path, *nl;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perms, &offset, &major,
		   &minor, &inode, &path_pos) != 7 || start > end)
		return -EINVAL;
	path = path_pos ? line + path_pos : line + strlen(line);
	nl = strchr(path, '\n');
	if (nl)
		*nl = '\0';
	m->start = start;
	m->end = end;
	m->offset = offset;
	m->dev = makedev(major, minor);
	m->inode = inode;
	m->exec = perms[2] == 'x';
	m->path = strdup(path);
	return m->path ? 0 : -ENOMEM;
}

int procmaps__parse(FILE *f, struct procmaps *out)
{
	size_t cap = 0, line_sz = 0;
	char *line = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (getline(&line, &line_sz, f) > 0) {
		if (grow_array((void **)&out->maps, &cap, out->cnt + 1, sizeof(*out->maps))) {
			err = -ENOMEM;
			goto out;
		}
		err = parse_line(line, &out->maps[out->cnt]);
		if (err)
			goto out;
		out->cnt++;
	}
out:
	free(line);
	if (err)
		procmaps__clear(out);
	return err;
}

int procmaps__read(pid_t pid, struct procmaps *out)
{
	char path[64];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	err = procmaps__parse(f, out);
	fclose(f);
	return err;
}

int procmaps__copy(const struct procmaps *from, struct procmaps *to)
{
	to->maps = calloc(from->cnt ? from->cnt : 1, sizeof(*to->maps));
	to->cnt = 0;
	if (!to->maps)
		return -ENOMEM;
	for (; to->cnt < from->cnt; to->cnt++) {
		to->maps[to->cnt] = from->maps[to->cnt];
		to->maps[to->cnt].path = strdup(from->maps[to->cnt].path);
		if (!to->maps[to->cnt].path) {
			procmaps__clear(to);
			return -ENOMEM;
		}
	}
	return 0;
}

void procmaps__clear(struct procmaps *pm)
{
	for (size_t i = 0; i < pm->cnt; i++)
		free(pm->maps[i].path);
	free(pm->maps);
	pm->maps = NULL;
	pm->cnt = 0;
}

const struct mapping *procmaps__find(const struct procmaps *pm, uint64_t addr)
{
	size_t lo = 0, hi = pm->cnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mapping *m = &pm->maps[mid];

		if (addr < m->start)
			hi = mid;
		else if (addr >= m->end)
			lo = mid + 1;
		else
			return m;
	}
	return NULL;
}

bool mapping_is_file(const struct mapping *m)
{
	return m->inode != 0 && m->path[0] == '/';
}
