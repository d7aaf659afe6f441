// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target that turns its own libraries against memsnoop: ROUNDS children in turn each write
 * a copy of zlib to DIR/libz-N.so, dlopen it, allocate through it (deflateInit: zlib's own
 * malloc calls, so memsnoop meets a pc in a new file and reads it), then truncate it to
 * nothing and rewrite it, over and over for CUT_MS, never calling into it again (its relocated pages went with the truncation: one copy per process). A
 * reader that maps the file dies of SIGBUS when it is cut under it; one that reads it with
 * pread sees short reads. Usage: truncator DIR ROUNDS, launched (--follow-forks) as nobody.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <zlib.h>
#include "target.h"

typedef int (*deflate_init_fn)(z_streamp, int, const char *, int);
typedef int (*deflate_end_fn)(z_streamp);

#define CUT_MS 300

static char image[1 << 20];
static ssize_t image_sz;

static NOINLINE void own_allocations(void)
{
	for (int i = 0; i < 20; i++) {
		void *volatile p = malloc(100);

		free(p);
	}
	KEEP();
}

/* A fresh copy loaded and allocated through once: 0, or the failing step. */
static int load_copy(const char *dir, long n, int *fd)
{
	char path[4096];
	deflate_init_fn init;
	deflate_end_fn end;
	z_stream z;
	void *lib;

	snprintf(path, sizeof(path), "%s/libz-%ld.so", dir, n);
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (*fd < 0 || pwrite(*fd, image, image_sz, 0) != image_sz)
		return 3;
	lib = dlopen(path, RTLD_NOW);
	init = lib ? (deflate_init_fn)dlsym(lib, "deflateInit_") : NULL;
	end = lib ? (deflate_end_fn)dlsym(lib, "deflateEnd") : NULL;
	if (!init || !end)
		return 4;
	memset(&z, 0, sizeof(z));
	if (init(&z, 6, ZLIB_VERSION, sizeof(z)) != Z_OK)
		return 5;
	end(&z);
	return 0;
}

/* One child's life: a copy loaded, then cut and rewritten for CUT_MS while memsnoop reads it,
 * allocating from its own code between whiles. */
static int child(const char *dir, long n)
{
	int fd, err = load_copy(dir, n, &fd);
	struct timespec t0, t, pause = { 0, 200000 };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long c = 0; !err; c++) {
		/* as long cut as whole: a reader that saw it whole meets it cut */
		if (ftruncate(fd, 0) || nanosleep(&pause, NULL) ||
		    pwrite(fd, image, image_sz, 0) != image_sz || nanosleep(&pause, NULL))
			err = 6;
		if (c % 1000 == 0)
			own_allocations();
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 >= CUT_MS)
			break;
	}
	return err;
}

int main(int argc, char **argv)
{
	long rounds, ok = 0;
	int src;

	if (argc != 3)
		return 2;
	rounds = atol(argv[2]);
	src = open("/lib/x86_64-linux-gnu/libz.so.1", O_RDONLY);
	image_sz = src >= 0 ? read(src, image, sizeof(image)) : 0;
	if (image_sz <= 0 || image_sz == sizeof(image))
		return 3;
	for (long r = 0; r < rounds; r++) {
		pid_t pid = fork();
		int status;

		if (!pid)
			_exit(child(argv[1], r)); /* the copy's destructors went with its pages */
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			return 8;
		ok += WIFEXITED(status) && !WEXITSTATUS(status);
	}
	target_truth("children_ok", ok);
	return ok == rounds ? 0 : 9;
}
