// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Maps every regular file of a directory executable (private, read-only), holds until memsnoop
 * has attached, allocates a known pattern from known_pattern(), prints it, then allocates and
 * frees from churn() until its stdin says stop: memsnoop meets every file at its attach, and
 * is busy when the test signals it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "target.h"

#define KNOWN_CNT 100
#define KNOWN_SZ 1000

/* read by nobody: volatile keeps the compiler from dropping the calls with their stores */
static void *volatile kept[KNOWN_CNT];

static NOINLINE void known_pattern(void)
{
	for (int i = 0; i < KNOWN_CNT; i++)
		kept[i] = malloc(KNOWN_SZ);
	KEEP();
}

static NOINLINE void churn(void)
{
	void *volatile p = malloc(64);

	free(p);
	KEEP();
}

static int map_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		struct stat st;
		int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size &&
		    mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) != MAP_FAILED)
			n++;
		close(fd); /* the mapping keeps the file: nothing here holds a descriptor */
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	struct pollfd in = { .fd = 0, .events = POLLIN };
	int mapped = argc > 1 ? map_dir(argv[1]) : 0;

	if (mapped < 0)
		return 1;
	target_hold_until_attached();
	known_pattern();
	target_truth("mapped", mapped);
	target_truth("known_calls", KNOWN_CNT);
	target_truth("known_bytes", KNOWN_CNT * KNOWN_SZ);
	target_truth("churning", 1);
	while (!poll(&in, 1, 0))
		for (int i = 0; i < 1000; i++)
			churn();
	return 0;
}
