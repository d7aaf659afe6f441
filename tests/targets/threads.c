// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Four threads, started together, each leaking a known amount from its own function. */
#include <pthread.h>
#include "target.h"

#define THREADS 4

static pthread_barrier_t start;
static void *volatile sink;

#define WORKER(name, count, size)                   \
	NOINLINE void name(void)                    \
	{                                           \
		for (int i = 0; i < (count); i++)   \
			sink = malloc(size);        \
		KEEP();                             \
	}

WORKER(worker_0, 1000, 100)
WORKER(worker_1, 2000, 200)
WORKER(worker_2, 3000, 300)
WORKER(worker_3, 4000, 400)

static void (*const workers[THREADS])(void) = { worker_0, worker_1, worker_2, worker_3 };

static void *thread_main(void *arg)
{
	pthread_barrier_wait(&start);
	workers[(long)arg]();
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];

	pthread_barrier_init(&start, NULL, THREADS + 1);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)i);
	/* the threads exist (their own allocations done) before memsnoop attaches */
	target_hold_until_attached();
	pthread_barrier_wait(&start);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < THREADS; i++) {
		char key[32];

		snprintf(key, sizeof(key), "worker_%d", i);
		target_truth(key, (i + 1) * 1000ULL * (i + 1) * 100);
	}
	return 0;
}
