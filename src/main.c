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
#include "creds.h"
#include "diff.h"
#include "launch.h"
#include "clock.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "pprof_read.h"
#include "preflight.h"
#include "profile.h"
#include "safefile.h"
#include "target.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum exit_status {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* could not run: no such process, not root, a corrupt profile ... */
	EXIT_USAGE = 2,
	EXIT_THRESHOLD = 3, /* diff: the growth exceeds --fail-above */
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

/* The files -o PREFIX writes, each PREFIX + suffix through one writer. */
struct output_ctx {
	const struct profile *profile;
	const struct report_info *info;
	const struct pprof_info *pinfo;
};

static int write_folded(const struct output_ctx *c, FILE *f)
{
	return output_folded__write(c->profile, c->info->value, f);
}

static int write_pprof(const struct output_ctx *c, FILE *f)
{
	return output_pprof__write(c->profile, c->pinfo, f);
}

static int write_lifetimes(const struct output_ctx *c, FILE *f)
{
	return output_lifetimes__write(c->profile, f);
}

static const struct output_kind {
	const char *suffix;
	int (*write)(const struct output_ctx *c, FILE *f);
} output_kinds[] = {
	{ ".folded", write_folded },
	{ ".pb.gz", write_pprof },
	{ ".lifetimes.json", write_lifetimes },
};

static char *output_path(const char *prefix, const struct output_kind *k)
{
	char *path;

	return asprintf(&path, "%s%s", prefix, k->suffix) < 0 ? NULL : path;
}

/* Refused before attaching: a prefix naming a directory, or a directory memsnoop cannot write
 * in (every output goes beside the prefix). Nothing is created until there is a profile. */
static int check_outputs(const char *prefix)
{
	return prefix ? safefile__check(prefix) : 0;
}

/* One output written whole under a temporary name, then renamed into place. */
static int write_output(const char *prefix, const struct output_kind *k,
			const struct safefile_owner *owner, const struct output_ctx *c)
{
	char *path = output_path(prefix, k);
	struct safefile *sf = path ? safefile__open(path, owner) : NULL;
	int err;

	free(path);
	if (!sf)
		return -errno;
	err = k->write(c, safefile__file(sf));
	if (err) {
		pr_warn("cannot write %s: %s\n", safefile__path(sf), strerror(-err));
		safefile__abort(sf);
		return err;
	}
	pr_info("wrote %s\n", safefile__path(sf));
	return safefile__commit(sf);
}

static void fill_report(const struct probes *probes, const struct collector *collector,
			const struct profile *profile, const struct cli_opts *opts,
			struct report_info *info)
{
	struct collector_stats st;

	collector__stats(collector, &st);
	probes__read_counters(probes, info->counters);
	probes__read_drops(probes, info->losses.drops);
	info->losses.unknown_frees = st.unknown_frees;
	info->losses.bad_events = st.bad_events;
	info->losses.truncated_stacks = st.truncated_stacks;
	info->losses.unresolved_pcs = st.sym.unresolved;
	info->losses.stack_table_full = profile__full_samples(profile);
	info->value = opts->value;
	info->top_n = opts->top_n;
	info->inuse_untracked = opts->alloc_only;
	info->lifetimes = opts->lifetimes;
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

static int write_outputs(const struct output_ctx *c, const char *prefix,
			 const struct safefile_owner *owner, FILE *report)
{
	int err = output_text__write(c->profile, c->info, report);

	fflush(report);
	if (report_losses_any(&c->info->losses))
		pr_warn("WARNING: data was lost during the run; see the end of the report\n");
	for (size_t i = 0; prefix && i < ARRAY_SIZE(output_kinds); i++)
		err = write_output(prefix, &output_kinds[i], owner, c) ?: err;
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
	struct safefile_owner owner;		 /* of the files written */
	struct creds run_as;			 /* of the launched command, when has_run_as */
	bool has_run_as;
	struct probes *probes;
	struct profile *profile;
	struct collector *collector;
	struct ring_buffer *rb;
	struct loop_batch batch; /* rb's callback: the collector's, in bounded batches */
	int sigfd;
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

/* The program is exiting, its memory map still there: resolve every sample now. */
static void launch_exit_stop(void *ctx, pid_t pid)
{
	struct run *r = ctx;

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

/*
 * Under sudo, the files memsnoop writes belong to the user who invoked it, and the command it
 * launches runs as that user (or --user's), unless --as-root.
 */
static int choose_users(struct run *r)
{
	struct creds sudo;
	int err = creds__from_sudo(getenv("SUDO_UID"), getenv("SUDO_GID"), getenv("SUDO_USER"),
				   &sudo);

	r->owner = (struct safefile_owner){ (uid_t)-1, (gid_t)-1 };
	if (err == -EINVAL) {
		pr_warn("invalid SUDO_UID or SUDO_GID in the environment: expected numeric ids\n");
		return err;
	}
	if (!err && !geteuid())
		r->owner = (struct safefile_owner){ sudo.uid, sudo.gid };
	if (r->opts.run_as_user) {
		err = creds__from_user(r->opts.run_as_user, &r->run_as);
		if (err)
			pr_warn("--user %s: no such user\n", r->opts.run_as_user);
		r->has_run_as = !err;
		return err;
	}
	r->has_run_as = !err && !geteuid() && !r->opts.as_root;
	if (r->has_run_as)
		r->run_as = sudo;
	return 0;
}

/*
 * A target exec'd. From its leader, the probes (bound to that task) still hold; from another
 * thread, that thread now leads the process and the probes went with the old leader: the new
 * image is probed again, or everything after the exec would be silently lost. (A launched
 * program's threads are not traced: ptrace sees no such exec, this event does.)
 */
static void reattach_after_exec(void *ctx, pid_t pid, pid_t old_tid)
{
	struct run *r = ctx;

	for (size_t i = 0; i < r->targets.cnt && old_tid != pid; i++) {
		struct alloc_objects found;
		int err;

		if (r->targets.list[i].pid != pid)
			continue;
		/* the image probed before (its libc is likely mapped again, maybe not yet) and
		 * whatever the new one maps already */
		err = alloc_objects__find(pid, &found);
		for (size_t o = 0; !err && o < found.cnt; o++)
			err = alloc_objects__add_file(&r->objs[i], found.objs[o].path,
						      found.objs[o].open_path);
		alloc_objects__clear(&found);
		if (err || (err = probes__attach_pid(r->probes, pid, &r->objs[i])))
			pr_warn("PID %d exec'd from thread %d: cannot probe its new image (%s), its allocations are not seen\n",
				(int)pid, (int)old_tid, strerror(-err));
		else
			pr_info("PID %d exec'd from thread %d: probes re-attached to its new leader\n",
				(int)pid, (int)old_tid);
	}
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
				  r->has_run_as ? &r->run_as : NULL,
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
	if (r->profile)
		profile__set_max_stacks(r->profile, r->opts.max_stacks);
	r->collector = r->profile ? collector__new(&(struct collector_opts){
						   .split_pids = several,
						   .on_exec = reattach_after_exec,
						   .ctx = r },
						   r->profile)
				  : NULL;
	if (r->sigfd < 0 || !r->probes || !r->profile || !r->collector)
		return -ENOMEM;
	r->batch = (struct loop_batch){ .cb = collector__handle_event, .ctx = r->collector };
	r->rb = ring_buffer__new(probes__ringbuf_fd(r->probes), loop_batch_sample, &r->batch, NULL);
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
	ring_buffer__free(r->rb);
	probes__free(r->probes);
	collector__free(r->collector);
	profile__free(r->profile);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++)
		alloc_objects__clear(&r->objs[i]);
	launch__free(r->launch);
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
		err = loop_run(r->rb, &r->batch, r->sigfd, &r->targets, r->opts.duration_s, &hooks, &end);
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
	collector__record_live_ages(r->collector, window_end_ns);
	fill_report(r->probes, r->collector, r->profile, &r->opts, &info);
	label_aliases(r->objs, r->targets.cnt, fn_labels, &info);
	pinfo.duration_nanos = info.duration_s * 1e9;
	pinfo.comment = command_line(argc, argv);
	pinfo.default_type = r->opts.value;
	/* a launched program owns stdout: the report goes to stderr */
	err = write_outputs(&(struct output_ctx){ r->profile, &info, &pinfo }, r->opts.output_prefix,
			    &r->owner, r->launch ? stderr : stdout) ?: err;
	free((char *)pinfo.comment);
	if (r->launch)
		return launched_status(r, r->profile);
	return err ? EXIT_REFUSED : EXIT_OK;
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
	if (!preflight_check() && !choose_users(&r) && !prepare_targets(&r) &&
	    !check_outputs(r.opts.output_prefix) && !open_session(&r))
		status = run_profile(&r, argc, argv);
	close_session(&r);
	return status;
}
