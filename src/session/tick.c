// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every tick: the mode's own work, memory readings, pushes due, the live view. */
#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "cgroup.h"
#include "clock.h"
#include "collect.h"
#include "output_live.h"
#include "session.h"

/* Seconds between ticks: the live view's, else each second (new stacks resolved). */
double session__tick_period(const struct session *s)
{
	return s->opts.interval_s ? s->opts.interval_s : 1.0;
}

/* Every tick: the targets' memory read, new stacks symbolized (outside the ring buffer
 * callback); the live view. */
/* Targets that exited: their last events read, what was held for them goes (a file only they
 * mapped is closed once their samples are resolved, see collector__backlog). */
static void release_gone_targets(struct session *s)
{
	bool drained = false;
	pid_t pid;

	while (targets__take_gone(&s->targets, &pid)) {
		if (!drained)
			session__drain(s);
		drained = true;
		session__release_process(s, pid);
	}
}

void session__on_tick(void *ctx)
{
	struct session *s = ctx;
	struct report_info info = {};
	double t_s = mono_ns() / 1e9 - s->start_s;
	struct profile *shown;

	release_gone_targets(s);
	if (s->mode->tick)
		s->mode->tick(s);
	session__sample_memory(s, t_s);
	/* due within half a tick: pushes keep their period rather than slip a tick each */
	if (s->pusher && mono_ns() + session__tick_period(s) * 0.5e9 >= s->push_ns + s->opts.push_interval_s * 1e9)
		session__push_profile(s);
	/* nobody reads the profile before the end: symbolizing now (a millisecond per new pc in
	 * a binary without debug info) would only hold up the ring buffer's reader, unless the
	 * samples waiting for their stacks grow large */
	if (!s->live && !s->progress) {
		if (collector__backlog(s->collector))
			collector__resolve(s->collector);
		return;
	}
	collector__snapshot(s->collector, mono_ns());
	session__read_figures(s, &info);
	session__fill_targets(s, &info);
	shown = session__shown_profile(s);
	/* a grouped copy keeps its stack ids from tick to tick: new stacks come last */
	if (s->live)
		live_view__write(s->live, shown,
				 &(struct live_tick){ .t_s = t_s, .info = &info, .mem = &s->mem },
				 s->report);
	else
		live_progress__write(shown, &(struct live_tick){ .t_s = t_s, .info = &info }, stderr);
	session__free_view(s, shown);
}

/* --interval, or on a terminal its default: the live view on the report's stream. */
int session__open_live_view(struct session *s)
{
	/* a launched program shares the terminal: no live view unless asked, never a redraw */
	bool tty = !s->opts.command && isatty(fileno(s->report));
	double interval = s->opts.has_interval ? s->opts.interval_s : tty ? CLI_TERMINAL_INTERVAL_S : 0;
	struct winsize ws;

	s->opts.interval_s = interval;
	if (cgroup_v2_mount(s->cgroup_mount, sizeof(s->cgroup_mount)))
		s->cgroup_mount[0] = '\0';
	/* a launched program shares the terminal's stderr: no progress line over its output */
	s->progress = !interval && !s->opts.command && isatty(STDERR_FILENO);
	if (!interval)
		return 0;
	s->live = live_view__new(&(struct live_view_opts){
		.value = s->opts.value,
		.top_n = s->opts.top_n,
		.redraw = tty,
		.width = tty && !ioctl(fileno(s->report), TIOCGWINSZ, &ws) && ws.ws_col ? ws.ws_col : 160,
		.colour = live_colour_wanted(tty, getenv("NO_COLOR"), getenv("TERM")),
	});
	return s->live ? 0 : -ENOMEM;
}
