// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target that turns its own mappings against memsnoop: it maps a file, deletes it, and
 * plants at the name /proc/PID/maps now shows ("DIR/libx.so (deleted)") either a FIFO (an
 * open that never returns) or a symlink to the C library (probed twice, counted twice).
 * Usage: deleted_mapping DIR fifo|symlink N; then N malloc(777) + free from one site.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "target.h"

#define SITE_SIZE 777

static NOINLINE void *attack_site(void)
{
	void *p = malloc(SITE_SIZE);

	KEEP();
	return p;
}

int main(int argc, char **argv)
{
	char file[4096], planted[4200];
	long n;
	int fd;

	if (argc != 4)
		return 2;
	n = atol(argv[3]);
	snprintf(file, sizeof(file), "%s/libx.so", argv[1]);
	snprintf(planted, sizeof(planted), "%s (deleted)", file);
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || ftruncate(fd, 4096) ||
	    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0) == MAP_FAILED)
		return 3;
	close(fd);
	unlink(file);
	if (!strcmp(argv[2], "fifo") ? mkfifo(planted, 0644)
				     : symlink("/lib/x86_64-linux-gnu/libc.so.6", planted))
		return 4;
	target_hold_until_attached();
	for (long i = 0; i < n; i++)
		free(attack_site());
	target_truth("site_objects", n);
	return 0;
}
