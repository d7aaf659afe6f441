// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "collect.h"
#include "glibc_arena.h"
#include "launch.h"
#include "log.h"
#include "out_files.h"
#include "output_live.h"
#include "preflight.h"
#include "profile.h"
#include "pusher.h"
#include "scope.h"
#include "server.h"
#include "session.h"
#include "table_loader.h"

/* The longest the end of a run waits for its last pushes. */
#define PUSH_FLUSH_MS 500

/* What memsnoop holds at most: ADDRSPACE_HELD_MAX target files, the BPF object, the probe
 * links of 64 processes (perf-event links, one per probe, on old kernels) and libdw's files. */
#define FD_NEED 8192

/* Exactly what it needs, whatever the soft limit it inherited (within the hard one). */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max < FD_NEED ? rl.rlim_max : FD_NEED;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int session__prepare(struct session *s)
{
	int err;

	s->sigfd = -1;
	s->report = stdout;
	s->mode = s->opts.cgroup_cnt				 ? &target_mode_cgroup
		  : s->opts.command && s->opts.follow_forks ? &target_mode_launch_following
		  : s->opts.command			 ? &target_mode_launch
							 : &target_mode_pids;
	if ((err = preflight_check()) || (err = session__choose_users(s)) ||
	    (err = s->mode->prepare(s)) || (err = session__check_outputs(s->opts.output_prefix)) ||
	    (err = session__open_server(s)) || (err = session__open_pusher(s)))
		return err;
	return 0;
}

int session__open(struct session *s)
{
	struct probes_opts po = { .rate = s->opts.rate,
				  .self_pid = getpid(),
				  .track_inuse = !s->opts.alloc_only,
				  .mode = s->opts.uprobe_mode,
				  .unwind = s->opts.unwind,
				  .unwind_oracle = s->opts.unwind_oracle,
				  .stack_bytes = s->opts.stack_bytes,
				  .ringbuf_sz = s->opts.ringbuf_sz,
				  .count_only = s->opts.count_only,
				  .probe_noop = s->opts.probe_noop,
				  .no_size_classes = s->opts.no_size_classes };
	int err;

	raise_fd_limit();
	s->sigfd = loop_take_signals(s->mode->takes_sigchld);
	if (s->mode->configure)
		s->mode->configure(s, &po);
	s->probes = probes__open(&po);
	s->profile = profile__new(s->opts.rate);
	if (s->profile) {
		profile__set_max_stacks(s->profile, s->opts.max_stacks);
		profile__set_stack_memory(s->profile, s->opts.stack_memory);
	}
	if (s->sigfd < 0 || !s->probes || !s->profile || session__open_live_view(s))
		return -ENOMEM;
	if (s->opts.unwind == UNWIND_DWARF) {
		struct unwind_map_fds fds;

		probes__unwind_fds(s->probes, &fds);
		s->tables = table_loader__new(&(struct table_loader_opts){ .fds = fds });
		if (!s->tables)
			return -ENOMEM;
	}
	err = session__open_recording(s) ?: s->mode->attach(s);
	/* before the probes are armed: the targets' tables are in the kernel from their first
	 * sample */
	if (!err) {
		jobs__run(s->jobs, 0);
		session__settle_tables(s);
	}
	return err;
}

void session__close(struct session *s)
{
	if (s->mode && s->mode->free)
		s->mode->free(s);
	server__free(s->server);
	pusher__free(s->pusher, 0);
	free(s->push_base);
	live_view__free(s->live);
	mem_series__clear(&s->mem);
	free(s->rtargets);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++)
		glibc_arena__free(s->glibc[i]);
	ring_buffer__free(s->rb);
	probes__free(s->probes);
	table_loader__free(s->tables);
	jobs__free(s->jobs);
	collector__free(s->collector);
	profile__free(s->profile);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++)
		alloc_objects__clear(&s->objs[i]);
	targets__close(&s->targets);
	if (s->sigfd >= 0)
		close(s->sigfd);
}

/* memsnoop's own verdict, before the program's: 3 for a leak over the bound (a lower bound
 * even when events were lost: they never become leaks), then 4 for lost events. */
static int verdict(const struct session *s, const struct report_info *info, int status)
{
	struct gate_subject sub = { "leaked", " bytes", "--fail-on-leak", true };
	double bound = s->opts.fail_on_leak;
	struct stack_values t;
	char buf[320];
	int gate;

	profile__totals(s->profile, &t);
	if (s->opts.has_fail_on_leak) {
		gate = exit_of_gate(gate__judge(&(struct gate_estimate){ t.inuse_space,
			t.inuse_space_var, gate__var_bound(bound, s->opts.rate) }, bound, s->opts.rate,
			&sub, buf, sizeof(buf)));
		if (gate != EXIT_OK || s->opts.rate > 1)
			pr_warn("%s\n", buf);
		if (gate != EXIT_OK)
			return gate;
	}
	if (info->fail_on_loss && report_losses_events(&info->losses)) {
		pr_warn("%s: failing (--fail-on-loss)\n",
			report_losses_summary(&info->losses, buf, sizeof(buf)));
		return EXIT_LOSS;
	}
	return status;
}

/* A signal ends the run, unless the mode says otherwise. */
static bool on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	struct session *s = ctx;

	if (s->mode->on_signal)
		return s->mode->on_signal(s, si);
	return si->ssi_signo == SIGINT || si->ssi_signo == SIGTERM;
}

static bool targets_gone(void *ctx)
{
	struct session *s = ctx;

	return s->mode->targets_gone(s);
}

/* Before each wait: jobs left over from the last batch run at once. */
static int poll_mode(void *ctx)
{
	struct session *s = ctx;
	int ms = s->mode->poll ? s->mode->poll(s) : -1;

	return jobs__pending(s->jobs) ? 0 : ms;
}

/* The window: from armed probes to the end the loop saw. 0 or a negative errno. */
static int profile_window(struct session *s)
{
	struct loop_hooks hooks = {
		.ctx = s,
		.on_signal = on_signal,
		/* without a live view, new stacks are still resolved each second */
		.tick_s = session__tick_period(s),
		.on_tick = session__on_tick,
		.targets_gone = s->mode->targets_gone ? targets_gone : NULL,
		.poll = poll_mode,
		.after_batch = session__run_jobs,
		.on_extra = s->server ? session__serve_requests : NULL,
		.extra_fd = s->server ? server__fd(s->server) : -1,
		.extra_timeout_ms = session__serve_timeout_ms,
	};
	int err;

	s->start_s = mono_ns() / 1e9;
	s->push_wall_ns = wall_ns();
	s->push_ns = mono_ns();
	s->end = LOOP_END_SIGNAL;
	err = s->mode->start(s);
	return err ?: loop_run(s->rb, &s->batch, s->sigfd, &s->targets, s->opts.duration_s, &hooks,
			       &s->end);
}

int session__run(struct session *s, int argc, char **argv)
{
	struct report_info info = {};
	struct pprof_info pinfo = {};
	uint64_t window_end_ns;
	struct profile *shown, *drawn;
	struct out_files written = {};
	int err, status;

	if (probes__arm(s->probes))
		return EXIT_REFUSED;
	err = profile_window(s);
	pinfo.time_nanos = s->push_wall_ns;
	info.duration_s = mono_ns() / 1e9 - s->start_s; /* the window, not the detach after it */
	window_end_ns = mono_ns();
	session__sample_memory(s, info.duration_s); /* before the detach: a target may exit meanwhile */
	if (s->progress)
		live_progress__clear(stderr);
	/* detach first, then drain: nothing is in flight once the probes are gone */
	probes__detach(s->probes);
	session__drain(s);
	pr_info("stopped: %s\n", s->end == LOOP_END_SIGNAL ? "signal" :
				 s->end == LOOP_END_DURATION ? "duration reached" : "every target exited");

	session__fill_targets(s, &info);
	info.mem = &s->mem;
	pinfo.extra_comments = session__memory_comments(&s->mem, &pinfo.extra_comment_cnt);
	/* drained: a sample the kernel no longer holds was freed, its event lost */
	collector__reconcile_live(s->collector, probes__holds_live, s->probes);
	collector__snapshot(s->collector, window_end_ns);
	if (s->pusher) { /* the last window, sent before the report (half a second at most) */
		session__push_profile(s);
		pusher__free(s->pusher, PUSH_FLUSH_MS);
		s->pusher = NULL;
	}
	session__fill_report(s, &info);
	pinfo.targets = info.targets;
	pinfo.target_cnt = info.target_cnt;
	pinfo.duration_nanos = info.duration_s * 1e9;
	pinfo.comment = session__command_line(argc, argv);
	pinfo.default_type = s->opts.value;
	pinfo.losses = &info.losses;
	shown = session__shown_profile(s);
	drawn = session__drawn_profile(s, shown);
	err = session__write_outputs(&(struct output_ctx){ shown, s->profile, drawn, &info, &pinfo,
							   s->opts.icicle, &written },
				     s->opts.output_prefix, &s->owner, s->report) ?: err;
	if (drawn != shown)
		profile__free(drawn);
	session__free_view(s, shown);
	if (s->mode == &target_mode_launch)
		session__answer_where_at_exit(s, window_end_ns);
	free((char *)pinfo.comment);
	for (size_t i = 0; i < pinfo.extra_comment_cnt; i++)
		free(pinfo.extra_comments[i]);
	free((char **)pinfo.extra_comments);
	status = s->mode->finish ? s->mode->finish(s) : -1;
	if (status >= 0)
		status = verdict(s, &info, status);
	else
		status = err ? EXIT_REFUSED : verdict(s, &info, EXIT_OK);
	/* after the verdict: the run's last lines name what it wrote */
	out_files__say(&written, stderr);
	out_files__clear(&written);
	return status;
}
