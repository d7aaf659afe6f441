// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A thread spins on a libc call made through its PLT stub while another signals it over and
 * over; the handler allocates. Some signals interrupt the stub itself: those stacks go through
 * a PLT row (CFA by the stub's own expression) on their way to the thread's root.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "target.h"

#define SIGNALS 2000
#define SIZE 96

static void *volatile sink;
static volatile long sink_n;
static volatile int stop, spinning;
static volatile unsigned long handled;

NOINLINE void alloc_in_handler(void)
{
	sink = malloc(SIZE);
	KEEP();
}

static void on_signal(int sig)
{
	(void)sig;
	handled++;
	alloc_in_handler();
}

NOINLINE void spin(void)
{
	unsigned seed = 1;
	long n = 0;

	spinning = 1;
	while (!stop)
		n += rand_r(&seed); /* a call through the PLT, and cheap: the stub is a good share */
	sink_n = n;
}

static void *spin_main(void *arg)
{
	(void)arg;
	spin();
	return NULL;
}

int main(void)
{
	struct timespec pause = { 0, 50 * 1000 };
	struct sigaction sa;
	pthread_t spinner;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	target_hold_until_attached();
	pthread_create(&spinner, NULL, spin_main, NULL);
	while (!spinning)
		;
	for (int i = 0; i < SIGNALS; i++) {
		pthread_kill(spinner, SIGUSR1);
		nanosleep(&pause, NULL);
	}
	stop = 1;
	pthread_join(spinner, NULL);
	target_truth("leaked_bytes", handled * SIZE);
	return 0;
}
