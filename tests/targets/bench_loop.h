/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The benchmark loops' scaffolding: each of THREADS threads (argv[2], default 1) runs
 * churn(PAIRS (argv[1]), seed) allocate+release pairs, all starting together once the
 * benchmark says memsnoop has attached, argv[3] frames (default 0) below the thread's own.
 * Prints the wall-clock ns per pair and thread, and the CPU ns per pair (every thread's, the
 * uprobe traps and BPF programs included: they run on the allocating thread), which other
 * tenants of a shared machine disturb far less. The including file defines churn().
 */
#ifndef BENCH_LOOP_H
#define BENCH_LOOP_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "target.h"

#define MAX_THREADS 16

static pthread_barrier_t start;
static long pairs = 200000, depth;

static void churn(long n, uint32_t x);

static double clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* n frames deeper, then the loop: a stack as deep as a real program's */
NOINLINE static void descend(long n, uint32_t x)
{
	if (n > 0)
		descend(n - 1, x);
	else
		churn(pairs, x);
	KEEP(); /* not a tail call: every level keeps its frame */
}

static void *thread_main(void *arg)
{
	pthread_barrier_wait(&start);
	descend(depth, (uint32_t)(uintptr_t)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = argc > 2 ? atol(argv[2]) : 1;
	pthread_t t[MAX_THREADS];
	double begin, cpu_begin;

	if (argc > 1)
		pairs = atol(argv[1]);
	if (argc > 3)
		depth = atol(argv[3]);
	if (threads < 1 || threads > MAX_THREADS || pairs < 1 || depth < 0 || depth > 1000)
		return 2;
	pthread_barrier_init(&start, NULL, threads + 1);
	for (long i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)(i + 1));
	target_hold_until_attached();
	begin = clock_ns(CLOCK_MONOTONIC);
	cpu_begin = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_barrier_wait(&start);
	for (long i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	target_truth("ns_per_pair", (clock_ns(CLOCK_MONOTONIC) - begin) / pairs);
	target_truth("cpu_ns_per_pair",
		     (clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_begin) / pairs / threads);
	return 0;
}

#endif /* BENCH_LOOP_H */
