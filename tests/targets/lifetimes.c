// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Blocks with known lifetimes: CNT blocks freed after ~1 ms (live_1ms), CNT after ~100 ms
 * (live_100ms), CNT after ~1 s (live_1s), all held at once so the run lasts ~1.1 s; and
 * KEPT blocks never freed (kept_forever). Held on stdin until memsnoop has attached.
 */
#include <time.h>
#include "target.h"

#define CNT 5
#define KEPT 3

static void *volatile sink;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

#define SITE(name)                       \
	NOINLINE void *name(void)        \
	{                                \
		void *p = malloc(321);   \
		KEEP();                  \
		return p;                \
	}

SITE(live_1ms)
SITE(live_100ms)
SITE(live_1s)
SITE(kept_forever)

int main(void)
{
	void *a[CNT], *b[CNT], *c[CNT];

	target_hold_until_attached();
	for (int i = 0; i < KEPT; i++)
		sink = kept_forever();
	for (int i = 0; i < CNT; i++)
		c[i] = live_1s();
	for (int i = 0; i < CNT; i++)
		b[i] = live_100ms();
	for (int i = 0; i < CNT; i++) {
		a[i] = live_1ms();
		sleep_ms(1);
		free(a[i]);
	}
	sleep_ms(100);
	for (int i = 0; i < CNT; i++)
		free(b[i]);
	sleep_ms(1000);
	for (int i = 0; i < CNT; i++)
		free(c[i]);
	target_truth("per_site", CNT);
	target_truth("kept", KEPT);
	return 0;
}
