/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Time, as the user-space modules read it. */
#ifndef MEMSNOOP_CLOCK_H
#define MEMSNOOP_CLOCK_H

#include <stdint.h>
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

#endif /* MEMSNOOP_CLOCK_H */
