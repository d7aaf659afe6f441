/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What memsnoop's worker threads (the pusher's, the table loader's) share. */
#ifndef MEMSNOOP_WORKER_THREAD_H
#define MEMSNOOP_WORKER_THREAD_H

#include <pthread.h>
#include <signal.h>
#include <time.h>

/* Starts fn(arg) with every signal blocked: signals are the event loop's. 0 or an errno. */
static inline int worker_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

/* CLOCK_REALTIME ms from now, for pthread_cond_timedwait(). */
static inline struct timespec worker_deadline_ms(unsigned ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	return until;
}

#endif /* MEMSNOOP_WORKER_THREAD_H */
