// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memsnoop: wires the modules together. Every refusal happens before anything is attached. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "allocators.h"
#include "attach.h"
#include "cli.h"
#include "collect.h"
#include "diff.h"
#include "kunwind.h"
#include "launch.h"
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "pprof_read.h"
#include "preflight.h"
#include "profile.h"
#include "target.h"

enum exit_status {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* could not run: no such process, not root, a corrupt profile ... */
	EXIT_USAGE = 2,
	EXIT_THRESHOLD = 3, /* diff: the growth exceeds --fail-above */
	EXIT_LOSS = 4,	    /* events were lost and --fail-on-loss is on */
};

struct outputs {
	char *folded_path, *pprof_path, *lifetimes_path;
	FILE *folded, *pprof, *lifetimes;
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
	       open_output(prefix, ".lifetimes.json", &out->lifetimes_path, &out->lifetimes);
}

static void close_outputs(struct outputs *out)
{
	if (out->folded)
		fclose(out->folded);
	if (out->pprof)
		fclose(out->pprof);
	if (out->lifetimes)
		fclose(out->lifetimes);
	free(out->folded_path);
	free(out->pprof_path);
	free(out->lifetimes_path);
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

static void fill_report(const struct probes *probes, const struct collector *collector,
			const struct cli_opts *opts, struct report_info *info)
{
	struct collector_stats st;

	collector__stats(collector, &st);
	probes__read_counters(probes, info->counters);
	probes__read_drops(probes, info->losses.drops);
	info->losses.unknown_frees = st.unknown_frees;
	info->losses.lost_frees = st.lost_frees;
	info->losses.alloc_events = st.alloc_events;
	info->losses.free_events = st.free_events;
	info->losses.bad_events = st.bad_events;
	info->losses.truncated_stacks = st.truncated_stacks;
	info->losses.unresolved_pcs = st.sym.unresolved;
	info->value = opts->value;
	info->top_n = opts->top_n;
	info->inuse_untracked = opts->alloc_only;
	info->lifetimes = opts->lifetimes;
	info->fail_on_loss = opts->fail_on_loss == CLI_ON;
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
	if (opts->unwind_oracle)
		pr_info("unwind oracle: %llu kernel stacks compared with libdw's, %llu differ\n",
			(unsigned long long)st.oracle_compared, (unsigned long long)st.oracle_differ);
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
			 const struct pprof_info *pinfo, struct outputs *out, FILE *report)
{
	int err = output_text__write(profile, info, report);

	fflush(report);
	if (report_losses_any(&info->losses))
		pr_warn("WARNING: data was lost or cut short during the run; see the end of the report\n");
	if (out->folded)
		err = finish_output(output_folded__write(profile, info->value, out->folded), out->folded,
				    out->folded_path) ?: err;
	if (out->pprof)
		err = finish_output(output_pprof__write(profile, pinfo, out->pprof), out->pprof,
				    out->pprof_path) ?: err;
	if (out->lifetimes)
		err = finish_output(output_lifetimes__write(profile, out->lifetimes),
				    out->lifetimes, out->lifetimes_path) ?: err;
	return err;
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

	if (err) {
		pr_warn("%s: %s\n", path, why);
		return err;
	}
	/* a comparison of incomplete data must say so */
	for (size_t i = 0; i < (*out)->n_comment; i++) {
		int64_t s = (*out)->comment[i];
		const char *c = s >= 0 && (size_t)s < (*out)->n_string_table ? (*out)->string_table[s] : "";

		if (!strncmp(c, PPROF_INCOMPLETE, strlen(PPROF_INCOMPLETE)))
			pr_warn("WARNING: %s: %s\n", path, c);
	}
	return 0;
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
	struct kunwind *kunwind; /* --unwind dwarf: the kernel's unwind tables */
	struct ring_buffer *rb;
	int sigfd;
};

static void report_kunwind(const struct run *r)
{
	struct kunwind_stats k;

	kunwind__stats(r->kunwind, &k);
	pr_info("unwind tables: %zu files (%zu without CFI, %zu not loaded), %zu rows, %zu KiB, "
		"compiled in %.1f ms, loaded in %.1f ms; %llu samples sent as stack copies (layout "
		"not known yet)\n", k.files, k.files_no_cfi, k.files_excluded, k.rows, k.row_bytes / 1024,
		k.build_ns / 1e6, k.load_ns / 1e6, (unsigned long long)probes__unwind_copies(r->probes));
}

/* Reads pid's address space now, and gives the in-kernel unwinder its layout and tables. */
static int watch_process(struct run *r, pid_t pid)
{
	int err = collector__watch_process(r->collector, pid);

	if (!err && r->kunwind &&
	    (err = kunwind__load_process(r->kunwind, collector__addrspaces(r->collector), pid)))
		pr_warn("PID %d: cannot load its unwind tables (%s): frame pointers only\n", (int)pid,
			strerror(-err));
	return err;
}

/* The kernel met a pc outside pid's layout: the collector has read the new one since. */
static void stack_copied(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	kunwind__refresh(r->kunwind, collector__addrspaces(r->collector), pid);
}

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
	watch_process(r, pid);
}

/* The program is at its entry point, its libraries mapped: the kernel's unwinder learns
 * them before the program's own code runs (their constructors' samples came as copies). */
static void launch_entry(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	ring_buffer__consume(r->rb);
	watch_process(r, pid);
}

/* The program is exiting, its memory map still there: resolve every sample now. */
static void launch_exit_stop(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	collector__watch_process(r->collector, pid);
	ring_buffer__consume(r->rb);
	/* the kernel's table of processes is bounded: a program forking many keeps it small */
	if (r->kunwind)
		kunwind__forget_process(r->kunwind, pid);
}

/* A followed child before it runs, or a new program's allocators: probed while stopped. */
static void launch_probe(void *ctx, pid_t pid, const struct alloc_objects *objs)
{
	struct run *r = ctx;

	if (probes__attach_pid(r->probes, pid, objs))
		pr_warn("PID %d, started by the program, is not fully profiled\n", (int)pid);
	watch_process(r, pid);
}

/* The targets and their allocators, checked before anything is loaded. */
static int prepare_targets(struct run *r)
{
	const char *name;
	pid_t pid;

	if (!r->opts.command)
		return targets__open(r->opts.pids, r->opts.pid_cnt, &r->targets) ?:
		       find_allocators(&r->targets, r->objs);
	r->launch = launch__start(r->opts.command, r->opts.follow_forks,
				  &(struct launch_hooks){ .ctx = r, .exec = launch_exec,
							  .exit_stop = launch_exit_stop,
							  .entry = r->opts.unwind == UNWIND_DWARF ? launch_entry : NULL,
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

static int open_session(struct run *r)
{
	bool several = r->targets.cnt > 1 || r->opts.follow_forks;

	raise_fd_limit();
	r->sigfd = loop_take_signals(r->launch != NULL);
	r->probes = probes__open(&(struct probes_opts){ .rate = r->opts.rate,
							.self_pid = getpid(),
							.track_inuse = !r->opts.alloc_only,
							.mode = r->opts.uprobe_mode,
							.unwind = r->opts.unwind,
							.unwind_oracle = r->opts.unwind_oracle,
							.stack_bytes = r->opts.stack_bytes,
							.ringbuf_sz = r->opts.ringbuf_sz });
	r->profile = profile__new(r->opts.rate);
	r->collector = r->profile ? collector__new(&(struct collector_opts){
				.split_pids = several,
				.stack_copied = r->opts.unwind == UNWIND_DWARF ? stack_copied : NULL,
				.hook_ctx = r }, r->profile)
				  : NULL;
	if (r->sigfd < 0 || !r->probes || !r->profile || !r->collector)
		return -ENOMEM;
	if (r->opts.unwind == UNWIND_DWARF) {
		struct unwind_map_fds fds;

		probes__unwind_fds(r->probes, &fds);
		r->kunwind = kunwind__new(&fds);
		if (!r->kunwind)
			return -ENOMEM;
	}
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
		if (!r->launch && (err = watch_process(r, pid)))
			pr_warn("cannot read the mappings of PID %d: %s\n", (int)pid, strerror(-err));
	}
	return 0;
}

static void close_session(struct run *r)
{
	ring_buffer__free(r->rb);
	probes__free(r->probes);
	kunwind__free(r->kunwind);
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

/* memsnoop's own verdict, before the program's: 3 for a leak over the bound (a lower bound
 * even when events were lost: they never become leaks), then 4 for lost events. */
static int verdict(const struct run *r, const struct report_info *info, int status)
{
	struct stack_values t;
	char buf[96];

	profile__totals(r->profile, &t);
	if (r->opts.has_fail_on_leak && t.inuse_space > r->opts.fail_on_leak) {
		pr_warn("leaked %.0f bytes, more than --fail-on-leak %llu\n", t.inuse_space,
			(unsigned long long)r->opts.fail_on_leak);
		return EXIT_THRESHOLD;
	}
	if (info->fail_on_loss && report_losses_events(&info->losses)) {
		pr_warn("%s: failing (--fail-on-loss)\n",
			report_losses_summary(&info->losses, buf, sizeof(buf)));
		return EXIT_LOSS;
	}
	return status;
}

static int run_profile(struct run *r, int argc, char **argv)
{
	struct report_target rtargets[CLI_MAX_PIDS];
	struct report_info info = {};
	struct pprof_info pinfo = {};
	char fn_labels[FN_CNT][64];
	enum loop_end end = LOOP_END_SIGNAL;
	struct loop_hooks hooks = { r, r->launch ? launch_signal : stop_on_signal };
	uint64_t window_end_ns;
	double start;
	int err;

	if (probes__arm(r->probes))
		return EXIT_REFUSED;
	start = mono_ns() / 1e9;
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
	/* detach first, then drain: nothing is in flight once the probes are gone */
	probes__detach(r->probes);
	ring_buffer__consume(r->rb);
	pr_info("stopped: %s\n", end == LOOP_END_SIGNAL ? "signal" :
				   end == LOOP_END_DURATION ? "duration reached" : "every target exited");

	for (size_t i = 0; i < r->targets.cnt; i++)
		rtargets[i] = (struct report_target){ r->targets.list[i].pid, r->targets.list[i].comm,
						      r->targets.list[i].exited };
	info.targets = rtargets;
	info.target_cnt = r->targets.cnt;
	info.at_exit = r->launch && end == LOOP_END_TARGETS_EXITED;
	info.unfollowed_children = r->launch ? launch__unfollowed_children(r->launch) : 0;
	/* drained: a sample the kernel no longer holds was freed, its event lost */
	collector__reconcile_live(r->collector, probes__holds_live, r->probes);
	collector__record_live_ages(r->collector, window_end_ns);
	fill_report(r->probes, r->collector, &r->opts, &info);
	if (r->kunwind)
		report_kunwind(r);
	label_aliases(r->objs, r->targets.cnt, fn_labels, &info);
	pinfo.duration_nanos = info.duration_s * 1e9;
	pinfo.comment = command_line(argc, argv);
	pinfo.default_type = r->opts.value;
	pinfo.losses = &info.losses;
	/* a launched program owns stdout: the report goes to stderr */
	err = write_outputs(r->profile, &info, &pinfo, &r->outputs, r->launch ? stderr : stdout) ?: err;
	free((char *)pinfo.comment);
	if (r->launch)
		return verdict(r, &info, exit_status_of(launch__wait(r->launch)));
	return err ? EXIT_REFUSED : verdict(r, &info, EXIT_OK);
}

int main(int argc, char **argv)
{
	struct run r = { .sigfd = -1 };
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
