// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Allocates from a signal handler: the stack goes through the kernel's signal frame (libc's
 * __restore_rt) back to the interrupted code, then to main.
 */
#include <signal.h>
#include <string.h>
#include "target.h"

#define SIGNALS 20
#define SIZE 777

static void *volatile sink;

NOINLINE void alloc_in_handler(void)
{
	sink = malloc(SIZE);
	KEEP();
}

static void on_signal(int sig)
{
	(void)sig;
	alloc_in_handler();
}

NOINLINE void send_signal(void)
{
	raise(SIGUSR1);
	KEEP();
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	target_hold_until_attached();
	for (int i = 0; i < SIGNALS; i++)
		send_signal();
	target_truth("leaked_bytes", SIGNALS * SIZE);
	return 0;
}
