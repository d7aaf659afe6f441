// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memsnoop: wires the modules together. Every refusal happens before anything is attached. */
#include <errno.h>
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
};

struct outputs {
	char *folded_path, *pprof_path;
	FILE *folded, *pprof;
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
	       open_output(prefix, ".pb.gz", &out->pprof_path, &out->pprof);
}

static void close_outputs(struct outputs *out)
{
	if (out->folded)
		fclose(out->folded);
	if (out->pprof)
		fclose(out->pprof);
	free(out->folded_path);
	free(out->pprof_path);
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
	info->losses.bad_events = st.bad_events;
	info->losses.truncated_stacks = st.truncated_stacks;
	info->losses.unresolved_pcs = st.sym.unresolved;
	info->value = opts->value;
	info->top_n = opts->top_n;
	info->inuse_untracked = opts->alloc_only;
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
			 const struct pprof_info *pinfo, struct outputs *out)
{
	int err = output_text__write(profile, info, stdout);

	fflush(stdout);
	if (report_losses_any(&info->losses))
		pr_warn("WARNING: data was lost during the run; see the end of the report\n");
	if (out->folded)
		err = finish_output(output_folded__write(profile, info->value, out->folded), out->folded,
				    out->folded_path) ?: err;
	if (out->pprof)
		err = finish_output(output_pprof__write(profile, pinfo, out->pprof), out->pprof,
				    out->pprof_path) ?: err;
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

int main(int argc, char **argv)
{
	struct alloc_objects objs[CLI_MAX_PIDS] = {};
	struct report_target rtargets[CLI_MAX_PIDS];
	struct targets targets = {};
	struct outputs outputs = {};
	struct report_info info = {};
	struct pprof_info pinfo = {};
	char fn_labels[FN_CNT][64];
	struct probes *probes = NULL;
	struct profile *profile = NULL;
	struct collector *collector = NULL;
	struct ring_buffer *rb = NULL;
	enum loop_end end = LOOP_END_SIGNAL;
	int status = EXIT_REFUSED, sigfd = -1, err;
	struct cli_opts opts;
	double start;

	if (argc > 1 && !strcmp(argv[1], "diff"))
		return run_diff(argc - 1, argv + 1);
	err = cli_parse(argc, argv, &opts);
	if (err)
		return err == CLI_EXIT_OK ? EXIT_OK : EXIT_USAGE;
	log_set_level(opts.verbosity >= 2 ? LOG_DEBUG : opts.verbosity ? LOG_INFO : LOG_WARN);

	if (preflight_check() || targets__open(opts.pids, opts.pid_cnt, &targets) ||
	    find_allocators(&targets, objs) || open_outputs(opts.output_prefix, &outputs))
		goto out;

	raise_fd_limit();
	sigfd = loop_take_signals();
	probes = probes__open(&(struct probes_opts){ .rate = opts.rate,
						     .self_pid = getpid(),
						     .track_inuse = !opts.alloc_only,
						     .mode = opts.uprobe_mode,
						     .unwind_dwarf = !opts.unwind_fp,
						     .stack_bytes = opts.stack_bytes });
	profile = profile__new(opts.rate);
	collector = collector__new(&(struct collector_opts){ .split_pids = targets.cnt > 1 }, profile);
	if (sigfd < 0 || !probes || !profile || !collector)
		goto out;
	rb = ring_buffer__new(probes__ringbuf_fd(probes), collector__handle_event, collector, NULL);
	if (!rb) {
		pr_warn("cannot open the ring buffer: %s\n", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < targets.cnt; i++) {
		if (probes__attach_pid(probes, targets.list[i].pid, &objs[i]))
			goto out;
		err = collector__watch_process(collector, targets.list[i].pid);
		if (err)
			pr_warn("cannot read the mappings of PID %d: %s\n", (int)targets.list[i].pid,
				strerror(-err));
	}
	probes__arm(probes);
	start = mono_ns() / 1e9;
	pinfo.time_nanos = wall_ns();
	fprintf(stderr, "memsnoop: attached to %zu process%s; Ctrl-C to stop\n", targets.cnt,
		targets.cnt == 1 ? "" : "es");

	err = loop_run(rb, sigfd, &targets, opts.duration_s, &end);
	info.duration_s = mono_ns() / 1e9 - start; /* the profiled window, not the detach after it */
	/* detach first, then drain: nothing is in flight once the probes are gone */
	probes__detach(probes);
	ring_buffer__consume(rb);
	pr_info("stopped: %s\n", end == LOOP_END_SIGNAL ? "signal" :
				 end == LOOP_END_DURATION ? "duration reached" : "every target exited");

	for (size_t i = 0; i < targets.cnt; i++)
		rtargets[i] = (struct report_target){ targets.list[i].pid, targets.list[i].comm,
						      targets.list[i].exited };
	info.targets = rtargets;
	info.target_cnt = targets.cnt;
	fill_report(probes, collector, &opts, &info);
	label_aliases(objs, targets.cnt, fn_labels, &info);
	pinfo.duration_nanos = info.duration_s * 1e9;
	pinfo.comment = command_line(argc, argv);
	pinfo.default_type = opts.value;
	status = write_outputs(profile, &info, &pinfo, &outputs) || err ? EXIT_REFUSED : EXIT_OK;
	free((char *)pinfo.comment);
out:
	ring_buffer__free(rb);
	probes__free(probes);
	collector__free(collector);
	profile__free(profile);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++)
		alloc_objects__clear(&objs[i]);
	close_outputs(&outputs);
	targets__close(&targets);
	if (sigfd >= 0)
		close(sigfd);
	return status;
}
