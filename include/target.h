/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The processes being profiled: validated up front, watched for their exit. */
#ifndef MEMSNOOP_TARGET_H
#define MEMSNOOP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct target {
	pid_t pid;
	int pidfd; /* readable once the process has exited */
	bool exited;
	char comm[16];
};

struct targets {
	struct target *list;
	size_t cnt;
};

/*
 * Checks that every pid names a live process other than memsnoop itself and opens a pidfd
 * for each. Says why on stderr and returns a negative errno when one does not.
 */
int targets__open(const pid_t *pids, size_t cnt, struct targets *out);
void targets__close(struct targets *t);
size_t targets__alive_cnt(const struct targets *t);

#endif /* MEMSNOOP_TARGET_H */
