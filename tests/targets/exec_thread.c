// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * exec_self, but the exec comes from a second thread: the kernel makes that thread the
 * process's leader (same PID, another task). The new image holds again until memsnoop has
 * probed it, leaks AFTER_CNT blocks and exits.
 */
#include <pthread.h>
#include "target.h"

#define AFTER_CNT 7
#define AFTER_SZ 900

static void *volatile sink;
static char *self;

NOINLINE void leak_after_exec(void)
{
	for (int i = 0; i < AFTER_CNT; i++)
		sink = malloc(AFTER_SZ);
	KEEP();
}

static void *exec_from_thread(void *arg)
{
	(void)arg;
	/* a thread that never allocated: the kernel knows the process, not this thread */
	execl("/proc/self/exe", self, "after", (char *)NULL);
	exit(1);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc > 1) {
		setvbuf(stdout, NULL, _IONBF, 0); /* else printf's buffer is one more leak */
		target_hold_until_attached();
		leak_after_exec();
		target_truth("after_bytes", AFTER_CNT * AFTER_SZ);
		target_truth("after_objects", AFTER_CNT);
		return 0;
	}
	self = argv[0];
	target_hold_until_attached();
	pthread_create(&t, NULL, exec_from_thread, NULL);
	pthread_join(t, NULL);
	return 1;
}
