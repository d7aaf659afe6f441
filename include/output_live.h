/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The live view (--interval): at each tick, the top sites by the chosen value with their
 * change since the last tick, the exact call and byte rates of that tick, the heap in use,
 * the processes' memory and what was lost. On a terminal the view is redrawn in place;
 * otherwise each tick appends one block, and a quiet tick (no allocation) one line.
 * Pure: the profile and figures in, text out; the view only remembers the last tick.
 */
#ifndef MEMSNOOP_OUTPUT_LIVE_H
#define MEMSNOOP_OUTPUT_LIVE_H

#include <stdbool.h>
#include <stdio.h>
#include "memview.h"
#include "output.h"
#include "profile.h"

struct live_view_opts {
	enum value_type value;
	unsigned top_n;
	bool redraw;	/* a terminal: clear the screen and draw the view at its top */
	unsigned width; /* columns a line may take: longer ones are cut at a field's end */
	bool colour;	/* a colour terminal (not NO_COLOR): growth red, losses red, hints */
};

/* What a tick shows beside the profile. */
struct live_tick {
	double t_s; /* seconds since the start of the run */
	const struct report_info *info; /* exact counters, losses, targets */
	const struct mem_series *mem;	/* the last point of each target is shown */
};

struct live_view;

/* Colour on a terminal unless NO_COLOR is set (to anything but "") or TERM is dumb. */
bool live_colour_wanted(bool tty, const char *no_color, const char *term);

struct live_view *live_view__new(const struct live_view_opts *opts);
void live_view__free(struct live_view *v);

/* Writes the tick's view and remembers it for the next change. 0, -ENOMEM or -EIO. */
int live_view__write(struct live_view *v, const struct profile *p, const struct live_tick *t,
		     FILE *f);

/*
 * Without a live view, on a terminal: one line, rewritten in place at each tick, saying the
 * run goes on ("memsnoop: 12 s, 3456 samples, heap in use 3.5 MiB; Ctrl-C to stop"); no
 * newline. live_progress__clear() erases it before the report.
 */
int live_progress__write(const struct profile *p, const struct live_tick *t, FILE *f);
void live_progress__clear(FILE *f);

#endif /* MEMSNOOP_OUTPUT_LIVE_H */
