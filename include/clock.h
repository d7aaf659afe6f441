/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Time, as the user-space modules read it. */
#ifndef MEMSNOOP_CLOCK_H
#define MEMSNOOP_CLOCK_H

#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns: durations. */
static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* CLOCK_REALTIME in ns: when something happened, for people. */
static inline int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* memsnoop's own CPU time so far, user and system, in seconds; *ru filled for its other
 * figures (peak RSS). */
static inline double self_cpu_s(struct rusage *ru)
{
	if (getrusage(RUSAGE_SELF, ru))
		return 0;
	return ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + ru->ru_stime.tv_sec +
	       ru->ru_stime.tv_usec / 1e6;
}

#endif /* MEMSNOOP_CLOCK_H */
