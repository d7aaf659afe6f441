// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memsnoop: wires the modules together. Every refusal happens before anything is attached. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "allocators.h"
#include "attach.h"
#include "cli.h"
#include "collect.h"
#include "diff.h"
#include "launch.h"
#include "clock.h"
#include "log.h"
#include "glibc_arena.h"
#include "loop.h"
#include "memview.h"
#include "output.h"
#include "output_live.h"
#include "output_summary.h"
#include "output_svg.h"
#include "pprof_read.h"
#include "preflight.h"
#include "profile.h"
#include "target.h"

enum exit_status {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* could not run: no such process, not root, a corrupt profile ... */
	EXIT_USAGE = 2,
	EXIT_THRESHOLD = 3, /* diff: the growth exceeds --fail-above */
};

struct outputs {
	char *folded_path, *pprof_path, *lifetimes_path, *svg_path, *summary_path;
	FILE *folded, *pprof, *lifetimes, *svg, *summary;
};


/* Every mapped file of every target stays open (so it outlives its process): allow many. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int find_allocators(const struct targets *targets, struct alloc_objects *objs)
{
	for (size_t i = 0; i < targets->cnt; i++) {
		const struct target *t = &targets->list[i];
		int err = alloc_objects__find(t->pid, &objs[i]);

		if (err) {
			pr_warn("cannot read the mappings of PID %d: %s\n", (int)t->pid, strerror(-err));
			return err;
		}
		if (!objs[i].cnt) {
			pr_warn("PID %d (%s): no allocator found (none of malloc, free, ... is defined in what it maps)\n",
				(int)t->pid, t->comm);
			return -ENOENT;
		}
	}
	return 0;
}

static int open_output(const char *prefix, const char *suffix, char **path, FILE **f)
{
	if (asprintf(path, "%s%s", prefix, suffix) < 0) {
		*path = NULL;
		return -ENOMEM;
	}
	*f = fopen(*path, "we");
	if (!*f) {
		int err = -errno;

		pr_warn("cannot write %s: %s\n", *path, strerror(-err));
		return err;
	}
	return 0;
}

/* Opened up front so that an unwritable path is refused before attaching. */
static int open_outputs(const char *prefix, struct outputs *out)
{
	if (!prefix)
		return 0;
	return open_output(prefix, ".folded", &out->folded_path, &out->folded) ?:
	       open_output(prefix, ".pb.gz", &out->pprof_path, &out->pprof) ?:
	       open_output(prefix, ".lifetimes.json", &out->lifetimes_path, &out->lifetimes) ?:
	       open_output(prefix, ".svg", &out->svg_path, &out->svg) ?:
	       open_output(prefix, ".summary.json", &out->summary_path, &out->summary);
}

static void close_outputs(struct outputs *out)
{
	if (out->folded)
		fclose(out->folded);
	if (out->pprof)
		fclose(out->pprof);
	if (out->lifetimes)
		fclose(out->lifetimes);
	if (out->svg)
		fclose(out->svg);
	if (out->summary)
		fclose(out->summary);
	free(out->folded_path);
	free(out->pprof_path);
	free(out->lifetimes_path);
	free(out->svg_path);
	free(out->summary_path);
}

/* Flushes what a writer wrote and says so; the writer's error or the flush's. */
static int finish_output(int err, FILE *f, const char *path)
{
	if (!err && fflush(f))
		err = -errno;
	if (err)
		pr_warn("cannot write %s: %s\n", path, strerror(-err));
	else
		pr_info("wrote %s\n", path);
	return err;
}

/* The exact counters and every loss so far: what each tick and the final report show. */
static void read_figures(const struct probes *probes, const struct collector *collector,
			 const struct cli_opts *opts, struct report_info *info)
{
	struct collector_stats st;

	collector__stats(collector, &st);
	probes__read_counters(probes, info->counters);
	probes__read_drops(probes, info->losses.drops);
	info->losses.unknown_frees = st.unknown_frees;
	info->losses.bad_events = st.bad_events;
	info->losses.truncated_stacks = st.truncated_stacks;
	info->losses.unresolved_pcs = st.sym.unresolved;
	info->value = opts->value;
	info->top_n = opts->top_n;
	info->inuse_untracked = opts->alloc_only;
	info->lifetimes = opts->lifetimes;
}

static void fill_report(const struct probes *probes, const struct collector *collector,
			const struct cli_opts *opts, struct report_info *info)
{
	struct collector_stats st;

	read_figures(probes, collector, opts, info);
	collector__stats(collector, &st);
	pr_info("%llu alloc and %llu free events, %llu unique stacks, %llu unique pcs symbolized\n",
		(unsigned long long)st.alloc_events, (unsigned long long)st.free_events,
		(unsigned long long)st.unique_stacks, (unsigned long long)st.unique_pcs);
	if (st.unique_pcs)
		pr_info("symbolizing: %.1f ms for the first pc of each of %llu modules (loading debug info), then %.1f us per unique pc\n",
			st.sym.open_ns / 1e6, (unsigned long long)(st.sym.modules_opened + st.sym.modules_failed),
			st.unique_pcs > st.sym.modules_opened
				? st.sym.lookup_ns / 1e3 / (st.unique_pcs - st.sym.modules_opened - st.sym.modules_failed)
				: 0.0);
	if (st.unwound)
		pr_info("DWARF unwinding: %llu stacks, %.1f us each\n", (unsigned long long)st.unwound,
			st.unwind_ns / 1e3 / st.unwound);
}

/* "aligned_alloc+memalign" where one probe serves two names (they share an address). */
static void label_aliases(const struct alloc_objects *objs, size_t cnt, char labels[FN_CNT][64],
			  struct report_info *info)
{
	for (size_t i = 0; i < cnt; i++) {
		for (size_t o = 0; o < objs[i].cnt; o++) {
			for (int fn = 0; fn < FN_CNT; fn++) {
				enum alloc_fn to = objs[i].objs[o].entries[fn].alias_of;

				if (!objs[i].objs[o].entries[fn].found || to == FN_CNT || info->fn_labels[to])
					continue;
				snprintf(labels[to], sizeof(labels[to]), "%s+%s", alloc_fn_name(to),
					 alloc_fn_name(fn));
				info->fn_labels[to] = labels[to];
			}
		}
	}
}

static int write_outputs(const struct profile *profile, const struct report_info *info,
			 const struct pprof_info *pinfo, bool icicle, struct outputs *out, FILE *report)
{
	int err = output_text__write(profile, info, report);

	fflush(report);
	if (report_losses_any(&info->losses))
		pr_warn("WARNING: data was lost during the run; see the end of the report\n");
	if (out->folded)
		err = finish_output(output_folded__write(profile, info->value, out->folded), out->folded,
				    out->folded_path) ?: err;
	if (out->pprof)
		err = finish_output(output_pprof__write(profile, pinfo, out->pprof), out->pprof,
				    out->pprof_path) ?: err;
	if (out->lifetimes)
		err = finish_output(output_lifetimes__write(profile, out->lifetimes),
				    out->lifetimes, out->lifetimes_path) ?: err;
	if (out->svg)
		err = finish_output(output_svg__write(profile,
						      &(struct svg_opts){ info->value, icicle, info },
						      out->svg),
				    out->svg, out->svg_path) ?: err;
	if (out->summary)
		err = finish_output(output_summary__write(profile, info, out->summary), out->summary,
				    out->summary_path) ?: err;
	return err;
}

/* "memory t=1.0s pid=42 rss=4194304 ...": each memory reading, exact, for pprof -comments. */
static char **memory_comments(const struct mem_series *mem, size_t *cnt)
{
	char **out = calloc(mem->cnt ? mem->cnt : 1, sizeof(*out));
	size_t len;
	FILE *f;

	*cnt = 0;
	for (size_t i = 0; out && i < mem->cnt; i++) {
		f = open_memstream(&out[*cnt], &len);
		if (!f)
			break;
		fprintf(f, "memory t=%.1fs pid=%d ", mem->points[i].t_s, (int)mem->points[i].pid);
		mem_point__describe(&mem->points[i], true, " ", f);
		if (fclose(f))
			break;
		(*cnt)++;
	}
	return out;
}

/* memsnoop's own command line, for the profile's comment. */
static char *command_line(int argc, char **argv)
{
	size_t len = 0;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	for (int i = 0; i < argc; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	fclose(f);
	return s;
}


static int read_profile(const char *path, PprofProfile **out)
{
	char why[256];
	int err = pprof_read_file(path, out, why, sizeof(why));

	if (err)
		pr_warn("%s: %s\n", path, why);
	return err;
}

/* memsnoop diff: reads both profiles, prints the comparison, gates on --fail-above. */
static int run_diff(int argc, char **argv)
{
	PprofProfile *base = NULL, *new = NULL;
	struct diff_result res;
	struct diff_cli_opts o;
	int status = EXIT_REFUSED, err;
	char why[256];

	err = cli_parse_diff(argc, argv, &o);
	if (err)
		return err == CLI_EXIT_OK ? EXIT_OK : EXIT_USAGE;
	if (read_profile(o.base_path, &base) || read_profile(o.new_path, &new))
		goto out;
	err = diff_profiles(base, new, &(struct diff_opts){ .value = o.value, .top_n = o.top_n },
			    stdout, &res, why, sizeof(why));
	if (err) {
		pr_warn("%s\n", err == -EINVAL ? why : strerror(-err));
		goto out;
	}
	status = EXIT_OK;
	if (o.has_fail_above && res.new_total - res.base_total > (int64_t)o.fail_above) {
		pr_warn("%s grew by %lld, more than --fail-above %llu\n", o.value,
			(long long)(res.new_total - res.base_total), (unsigned long long)o.fail_above);
		status = EXIT_THRESHOLD;
	}
out:
	pprof_free(base);
	pprof_free(new);
	return status;
}

/* Everything one profiling run holds, from setup to report. */
struct run {
	struct cli_opts opts;
	struct targets targets;
	struct alloc_objects objs[CLI_MAX_PIDS]; /* per target */
	struct launch *launch;			 /* -- COMMAND */
	struct outputs outputs;
	struct probes *probes;
	struct profile *profile;
	struct collector *collector;
	struct ring_buffer *rb;
	int sigfd;
	FILE *report;		     /* stdout, or stderr when a launched program owns stdout */
	double start_s;		     /* CLOCK_MONOTONIC at the start of the window */
	struct live_view *live;	     /* --interval, or NULL */
	bool progress;		     /* no live view, stderr a terminal: a progress line there */
	char *cgroup_dirs[CLI_MAX_PIDS]; /* each target's cgroup v2 directory, or NULL */
	struct mem_series mem;	     /* the targets' memory, each tick and at the end */
	struct glibc_arena *glibc[CLI_MAX_PIDS]; /* each target's glibc arenas, once found */
	bool glibc_tried[CLI_MAX_PIDS];	 /* looked for in the target's current image */
	struct report_target rtargets[CLI_MAX_PIDS];
};

/* -p: a signal ends the run. */
static bool stop_on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	(void)ctx;
	return si->ssi_signo == SIGINT || si->ssi_signo == SIGTERM;
}

/*
 * -- COMMAND: the run ends with the program. Its stops are handled as they come; a SIGINT or
 * SIGTERM sent to memsnoop is passed on to it (one from the terminal reached it already).
 */
static bool launch_signal(void *ctx, const struct signalfd_siginfo *si)
{
	struct run *r = ctx;

	if (si->ssi_signo == SIGCHLD)
		launch__on_sigchld(r->launch);
	else if (si->ssi_code == SI_USER || si->ssi_code == SI_QUEUE)
		launch__signal(r->launch, si->ssi_signo);
	return false;
}

/* The program exec'd: read its new map while it is stopped (the exec event, drained here,
 * retired the old image's blocks). */
static void launch_exec(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	ring_buffer__consume(r->rb);
	collector__watch_process(r->collector, pid);
}

static void read_target_memory(struct run *r, size_t i, double t_s);

/* The program is exiting, its memory map still there: resolve every sample now. */
static void launch_exit_stop(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	/* its memory at exit, the last chance to read it */
	if (pid == r->targets.list[0].pid)
		read_target_memory(r, 0, mono_ns() / 1e9 - r->start_s);
	collector__watch_process(r->collector, pid);
	ring_buffer__consume(r->rb);
}

/* A followed child before it runs, or a new program's allocators: probed while stopped. */
static void launch_probe(void *ctx, pid_t pid, const struct alloc_objects *objs)
{
	struct run *r = ctx;

	if (probes__attach_pid(r->probes, pid, objs))
		pr_warn("PID %d, started by the program, is not fully profiled\n", (int)pid);
	collector__watch_process(r->collector, pid);
}

/* The targets and their allocators, checked before anything is loaded. */
static int prepare_targets(struct run *r)
{
	const char *name;
	pid_t pid;

	if (r->opts.command)
		r->report = stderr; /* a launched program owns stdout */
	if (!r->opts.command)
		return targets__open(r->opts.pids, r->opts.pid_cnt, &r->targets) ?:
		       find_allocators(&r->targets, r->objs);
	r->launch = launch__start(r->opts.command, r->opts.follow_forks,
				  &(struct launch_hooks){ .ctx = r, .exec = launch_exec,
							  .exit_stop = launch_exit_stop,
							  .probe = launch_probe });
	if (!r->launch)
		return -errno;
	pid = launch__pid(r->launch);
	if (targets__open(&pid, 1, &r->targets))
		return -ESRCH;
	/* not exec'd yet: its name is the command's */
	name = strrchr(r->opts.command[0], '/');
	snprintf(r->targets.list[0].comm, sizeof(r->targets.list[0].comm), "%s",
		 name ? name + 1 : r->opts.command[0]);
	for (size_t i = 0; i < launch__objects(r->launch)->cnt; i++) {
		const struct alloc_object *o = &launch__objects(r->launch)->objs[i];

		if (alloc_objects__add_file(&r->objs[0], o->path, o->open_path))
			return -ENOMEM;
	}
	return 0;
}

/* Each live target's memory now, into the series. */
/* Target i's memory now: the kernel's view, and glibc's where its debug info allows. */
static void read_target_memory(struct run *r, size_t i, double t_s)
{
	pid_t pid = r->targets.list[i].pid;
	struct glibc_arena_stats st;
	struct mem_point pt;
	int err;

	mem_read(pid, r->cgroup_dirs[i], t_s, &pt);
	/* looked for once per image, at a tick of its own: loading libc's debug info takes ~0.1 s */
	if (!r->glibc[i] && !r->glibc_tried[i]) {
		r->glibc[i] = glibc_arena__open(pid);
		r->glibc_tried[i] = true;
	}
	err = r->glibc[i] ? glibc_arena__read(r->glibc[i], &st) : -ENOENT;
	if (!err)
		mem_point__set_glibc(&pt, &st);
	if (err == -ESTALE) { /* a new image: its libc is looked for at the next reading */
		glibc_arena__free(r->glibc[i]);
		r->glibc[i] = NULL;
		r->glibc_tried[i] = false;
	}
	if (mem_series__add(&r->mem, &pt))
		pr_warn("out of memory: memory readings dropped\n");
}

static void sample_memory(struct run *r, double t_s)
{
	for (size_t i = 0; i < r->targets.cnt; i++)
		if (!r->targets.list[i].exited)
			read_target_memory(r, i, t_s);
}

static void fill_targets(struct run *r, struct report_info *info)
{
	for (size_t i = 0; i < r->targets.cnt; i++)
		r->rtargets[i] = (struct report_target){ r->targets.list[i].pid, r->targets.list[i].comm,
							 r->targets.list[i].exited };
	info->targets = r->rtargets;
	info->target_cnt = r->targets.cnt;
}

/* Every tick: the targets' memory read, new stacks symbolized (outside the ring buffer
 * callback); the live view. */
static void on_tick(void *ctx)
{
	struct run *r = ctx;
	struct report_info info = {};
	double t_s = mono_ns() / 1e9 - r->start_s;

	sample_memory(r, t_s);
	if (!r->live && !r->progress) {
		collector__resolve(r->collector);
		return;
	}
	collector__snapshot(r->collector, mono_ns());
	read_figures(r->probes, r->collector, &r->opts, &info);
	fill_targets(r, &info);
	if (r->live)
		live_view__write(r->live, r->profile,
				 &(struct live_tick){ .t_s = t_s, .info = &info, .mem = &r->mem },
				 r->report);
	else
		live_progress__write(r->profile, &(struct live_tick){ .t_s = t_s, .info = &info },
				     stderr);
}

/* --interval, or on a terminal its default: the live view on the report's stream. */
static int open_live_view(struct run *r)
{
	/* a launched program shares the terminal: no live view unless asked, never a redraw */
	bool tty = !r->launch && isatty(fileno(r->report));
	double interval = r->opts.has_interval ? r->opts.interval_s : tty ? CLI_TERMINAL_INTERVAL_S : 0;
	struct winsize ws;

	r->opts.interval_s = interval;
	for (size_t i = 0; i < r->targets.cnt; i++) {
		char dir[4096];

		if (!mem_cgroup_dir(r->targets.list[i].pid, dir, sizeof(dir)))
			r->cgroup_dirs[i] = strdup(dir);
	}
	/* a launched program shares the terminal's stderr: no progress line over its output */
	r->progress = !interval && !r->launch && isatty(STDERR_FILENO);
	if (!interval)
		return 0;
	r->live = live_view__new(&(struct live_view_opts){
		.value = r->opts.value,
		.top_n = r->opts.top_n,
		.redraw = tty,
		.width = tty && !ioctl(fileno(r->report), TIOCGWINSZ, &ws) && ws.ws_col ? ws.ws_col : 160,
	});
	return r->live ? 0 : -ENOMEM;
}

static int open_session(struct run *r)
{
	bool several = r->targets.cnt > 1 || r->opts.follow_forks;

	raise_fd_limit();
	r->sigfd = loop_take_signals(r->launch != NULL);
	r->probes = probes__open(&(struct probes_opts){ .rate = r->opts.rate,
							.self_pid = getpid(),
							.track_inuse = !r->opts.alloc_only,
							.mode = r->opts.uprobe_mode,
							.unwind_dwarf = !r->opts.unwind_fp,
							.stack_bytes = r->opts.stack_bytes });
	r->profile = profile__new(r->opts.rate);
	r->collector = r->profile ? collector__new(&(struct collector_opts){ .split_pids = several },
						   r->profile)
				  : NULL;
	if (r->sigfd < 0 || !r->probes || !r->profile || !r->collector || open_live_view(r))
		return -ENOMEM;
	r->rb = ring_buffer__new(probes__ringbuf_fd(r->probes), collector__handle_event,
				 r->collector, NULL);
	if (!r->rb) {
		pr_warn("cannot open the ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < r->targets.cnt; i++) {
		pid_t pid = r->targets.list[i].pid;
		int err = probes__attach_pid(r->probes, pid, &r->objs[i]);

		if (err)
			return err;
		/* a launched program is read at its exec, once it is itself */
		if (!r->launch && (err = collector__watch_process(r->collector, pid)))
			pr_warn("cannot read the mappings of PID %d: %s\n", (int)pid, strerror(-err));
	}
	return 0;
}

static void close_session(struct run *r)
{
	live_view__free(r->live);
	mem_series__clear(&r->mem);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++) {
		free(r->cgroup_dirs[i]);
		glibc_arena__free(r->glibc[i]);
	}
	ring_buffer__free(r->rb);
	probes__free(r->probes);
	collector__free(r->collector);
	profile__free(r->profile);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++)
		alloc_objects__clear(&r->objs[i]);
	launch__free(r->launch);
	close_outputs(&r->outputs);
	targets__close(&r->targets);
	if (r->sigfd >= 0)
		close(r->sigfd);
}

/* The exit status: -p's 0, or the program's own; 3 when it leaked more than allowed. */
static int launched_status(struct run *r, const struct profile *profile)
{
	struct stack_values t;
	int status = exit_status_of(launch__wait(r->launch));

	profile__totals(profile, &t);
	if (r->opts.has_fail_on_leak && t.inuse_space > r->opts.fail_on_leak) {
		pr_warn("leaked %.0f bytes, more than --fail-on-leak %llu\n", t.inuse_space,
			(unsigned long long)r->opts.fail_on_leak);
		return EXIT_THRESHOLD;
	}
	return status;
}

static int run_profile(struct run *r, int argc, char **argv)
{
	struct report_info info = {};
	struct pprof_info pinfo = {};
	char fn_labels[FN_CNT][64];
	enum loop_end end = LOOP_END_SIGNAL;
	struct loop_hooks hooks = { r, r->launch ? launch_signal : stop_on_signal,
				    /* without a live view, new stacks are still resolved each second */
				    r->opts.interval_s ? r->opts.interval_s : 1.0, on_tick };
	uint64_t window_end_ns;
	double start;
	int err;

	if (probes__arm(r->probes))
		return EXIT_REFUSED;
	start = r->start_s = mono_ns() / 1e9;
	pinfo.time_nanos = wall_ns();
	if (r->launch) {
		fprintf(stderr, "memsnoop: attached; running %s\n", r->opts.command[0]);
		err = launch__release(r->launch);
	} else {
		fprintf(stderr, "memsnoop: attached to %zu process%s; Ctrl-C to stop\n", r->targets.cnt,
			r->targets.cnt == 1 ? "" : "es");
		err = 0;
	}
	if (!err)
		err = loop_run(r->rb, r->sigfd, &r->targets, r->opts.duration_s, &hooks, &end);
	info.duration_s = mono_ns() / 1e9 - start; /* the profiled window, not the detach after it */
	window_end_ns = mono_ns();
	sample_memory(r, info.duration_s); /* before the detach: a target may exit meanwhile */
	if (r->progress)
		live_progress__clear(stderr);
	/* detach first, then drain: nothing is in flight once the probes are gone */
	probes__detach(r->probes);
	ring_buffer__consume(r->rb);
	pr_info("stopped: %s\n", end == LOOP_END_SIGNAL ? "signal" :
				   end == LOOP_END_DURATION ? "duration reached" : "every target exited");

	fill_targets(r, &info);
	info.mem = &r->mem;
	pinfo.extra_comments = memory_comments(&r->mem, &pinfo.extra_comment_cnt);
	info.at_exit = r->launch && end == LOOP_END_TARGETS_EXITED;
	info.unfollowed_children = r->launch ? launch__unfollowed_children(r->launch) : 0;
	collector__snapshot(r->collector, window_end_ns);
	fill_report(r->probes, r->collector, &r->opts, &info);
	label_aliases(r->objs, r->targets.cnt, fn_labels, &info);
	pinfo.duration_nanos = info.duration_s * 1e9;
	pinfo.comment = command_line(argc, argv);
	pinfo.default_type = r->opts.value;
	/* a launched program owns stdout: the report goes to stderr */
	err = write_outputs(r->profile, &info, &pinfo, r->opts.icicle, &r->outputs, r->report) ?: err;
	free((char *)pinfo.comment);
	for (size_t i = 0; i < pinfo.extra_comment_cnt; i++)
		free(pinfo.extra_comments[i]);
	free((char **)pinfo.extra_comments);
	if (r->launch)
		return launched_status(r, r->profile);
	return err ? EXIT_REFUSED : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct run r = { .sigfd = -1, .report = stdout };
	int status = EXIT_REFUSED, err;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return run_diff(argc - 1, argv + 1);
	err = cli_parse(argc, argv, &r.opts);
	if (err)
		return err == CLI_EXIT_OK ? EXIT_OK : EXIT_USAGE;
	log_set_level(r.opts.verbosity >= 2 ? LOG_DEBUG : r.opts.verbosity ? LOG_INFO : LOG_WARN);

	/* every refusal happens here, before anything is attached */
	if (!preflight_check() && !prepare_targets(&r) &&
	    !open_outputs(r.opts.output_prefix, &r.outputs) && !open_session(&r))
		status = run_profile(&r, argc, argv);
	close_session(&r);
	return status;
}
