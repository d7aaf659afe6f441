// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memsnoop: wires the modules together. Every refusal happens before anything is attached. */
#include <errno.h>
#include <limits.h>
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
#include "creds.h"
#include "diff.h"
#include "table_loader.h"
#include "launch.h"
#include "cgroup.h"
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
#include "pusher.h"
#include "safefile.h"
#include "scope.h"
#include "server.h"
#include "target.h"

#define ALLOC_LABEL_SZ 160
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum exit_status {
	EXIT_OK = 0,
	EXIT_REFUSED = 1, /* could not run: no such process, not root, a corrupt profile ... */
	EXIT_USAGE = 2,
	EXIT_THRESHOLD = 3, /* diff: the growth exceeds --fail-above */
	EXIT_LOSS = 4,	    /* events were lost and --fail-on-loss is on */
};


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

/* Why nothing was found: a stripped executable is the one case the user can fix. */
static void say_no_allocator(pid_t pid, const char *comm)
{
	char exe[64];

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	if (alloc_elf_is_stripped(exe))
		pr_warn("PID %d (%s): no allocator found: its executable is stripped and has no .gnu_debugdata, nor a debug file in /usr/lib/debug/.build-id (build it with symbols, or install its debug package)\n",
			(int)pid, comm);
	else
		pr_warn("PID %d (%s): no allocator found (none of malloc, free, operator new, ... is defined in what it maps)\n",
			(int)pid, comm);
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
			say_no_allocator(t->pid, t->comm);
			return -ENOENT;
		}
	}
	return 0;
}

/* The files -o PREFIX writes, each PREFIX + suffix through one writer. */
struct output_ctx {
	const struct profile *profile;	   /* as people read it: grouped by --group-by */
	const struct profile *per_process; /* each process's stacks apart: pprof, lifetimes */
	const struct report_info *info;
	const struct pprof_info *pinfo;
	bool icicle; /* the SVG grows down */
};

static int write_folded(const struct output_ctx *c, FILE *f)
{
	return output_folded__write(c->profile, c->info->value, f);
}

static int write_pprof(const struct output_ctx *c, FILE *f)
{
	return output_pprof__write(c->per_process, c->pinfo, f);
}

static int write_lifetimes(const struct output_ctx *c, FILE *f)
{
	return output_lifetimes__write(c->per_process, f);
}

static int write_svg(const struct output_ctx *c, FILE *f)
{
	return output_svg__write(c->profile, &(struct svg_opts){ c->info->value, c->icicle, c->info },
				 f);
}

static int write_summary(const struct output_ctx *c, FILE *f)
{
	return output_summary__write(c->profile, c->info, f);
}

static const struct output_kind {
	const char *suffix;
	int (*write)(const struct output_ctx *c, FILE *f);
} output_kinds[] = {
	{ ".folded", write_folded },
	{ ".pb.gz", write_pprof },
	{ ".lifetimes.json", write_lifetimes },
	{ ".svg", write_svg },
	{ ".summary.json", write_summary },
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

/* The exact counters and every loss so far: what each tick and the final report show. */
static void read_figures(const struct probes *probes, const struct collector *collector,
			 const struct profile *profile, const struct cli_opts *opts,
			 struct report_info *info)
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
	info->losses.stack_table_full = profile__full_samples(profile);
	info->value = opts->value;
	info->top_n = opts->top_n;
	info->inuse_untracked = opts->alloc_only;
	info->lifetimes = opts->lifetimes;
	info->fail_on_loss = opts->fail_on_loss == CLI_ON;
}

/* -v: memsnoop's own cost, by itself: a launched command's rusage would include the target. */
static void report_own_usage(void)
{
	struct rusage ru = {};
	double cpu_s = self_cpu_s(&ru);

	pr_info("own usage: peak RSS %ld KiB, CPU %.2f s\n", ru.ru_maxrss, cpu_s);
}

static void fill_report(const struct probes *probes, const struct collector *collector,
			const struct profile *profile, const struct cli_opts *opts,
			struct report_info *info)
{
	struct collector_stats st;

	read_figures(probes, collector, profile, opts, info);
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
	if (opts->unwind_oracle)
		pr_info("unwind oracle: %llu kernel stacks compared with libdw's, %llu differ\n",
			(unsigned long long)st.oracle_compared, (unsigned long long)st.oracle_differ);
}

/* The row names of each counter that several entry points count into ("free+delete"). */
static void label_counters(const struct alloc_objects *objs, size_t cnt,
			   char (*labels)[ALLOC_LABEL_SZ], struct report_info *info)
{
	for (unsigned counter = 0; counter < ALLOC_COUNTER_CNT; counter++) {
		if (!info->counters[counter].calls)
			continue;
		alloc_objects__counter_label(objs, cnt, counter, labels[counter], ALLOC_LABEL_SZ);
		if (labels[counter][0])
			info->counter_labels[counter] = labels[counter];
	}
}

/* What the probes of these objects cannot see, for the report: a line per family mapped. */
static size_t blind_spots(const struct alloc_objects *objs, size_t cnt, const char **out)
{
	bool mapped[FAMILY_CNT] = { false };
	size_t n = 0;

	for (size_t i = 0; i < cnt; i++)
		for (size_t o = 0; o < objs[i].cnt; o++)
			mapped[objs[i].objs[o].family] = true;
	for (int family = 0; family < FAMILY_CNT; family++)
		if (mapped[family] && alloc_family_blind_spot(family))
			out[n++] = alloc_family_blind_spot(family);
	return n;
}

static int write_outputs(const struct output_ctx *c, const char *prefix,
			 const struct safefile_owner *owner, FILE *report)
{
	int err = output_text__write(c->profile, c->info, report);

	fflush(report);
	if (report_losses_any(&c->info->losses))
		pr_warn("WARNING: data was lost or cut short during the run; see the end of the report\n");
	for (size_t i = 0; prefix && i < ARRAY_SIZE(output_kinds); i++)
		err = write_output(prefix, &output_kinds[i], owner, c) ?: err;
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
	struct safefile_owner owner;		 /* of the files written */
	struct creds run_as;			 /* of the launched command, when has_run_as */
	bool has_run_as;
	struct probes *probes;
	struct profile *profile;
	struct collector *collector;
	struct table_loader *tables; /* --unwind dwarf: the kernel's unwind tables */
	struct ring_buffer *rb;
	struct loop_batch batch; /* rb's callback: the collector's, in bounded batches */
	int sigfd;
	FILE *report;		     /* stdout, or stderr when a launched program owns stdout */
	double start_s;		     /* CLOCK_MONOTONIC at the start of the window */
	struct live_view *live;	     /* --interval, or NULL */
	bool progress;		     /* no live view, stderr a terminal: a progress line there */
	char cgroup_mount[4096];     /* the cgroup v2 hierarchy's, or "" */
	struct mem_series mem;	     /* the targets' memory, each tick and at the end */
	struct report_target *rtargets;
	struct scope *scope;	     /* --cgroup, or NULL */
	size_t outsiders;	     /* --cgroup: processes outside it mapping a probed file */
	struct glibc_arena *glibc[CLI_MAX_PIDS]; /* the first targets' glibc arenas, once found */
	bool glibc_tried[CLI_MAX_PIDS];	 /* looked for in the target's current image */
	struct server *server;	     /* --listen, or NULL */
	struct pusher *pusher;	     /* --push, or NULL */
	uint64_t push_ns;	     /* CLOCK_MONOTONIC of the last push (or the start) */
	int64_t push_wall_ns;	     /* the same on the wall clock */
	struct stack_values *push_base; /* every stack's values at the last push */
	size_t push_base_cnt;
};

/* Processes whose memory each tick reads: a cgroup's first ones (its own figures come
 * with each), every -p target. */
#define MEM_MAX_PROCESSES 16
/* The longest the end of a run waits for its last pushes. */
#define PUSH_FLUSH_MS 5000

/* The cgroup v2 directory of a target, into buf; NULL when it has none. */
static const char *cgroup_dir(const struct run *r, const struct target *t, char *buf, size_t sz)
{
	if (!r->cgroup_mount[0] || !t->cgroup)
		return NULL;
	snprintf(buf, sz, "%s%s", r->cgroup_mount, strcmp(t->cgroup, "/") ? t->cgroup : "");
	return buf;
}

static void report_kunwind(const struct run *r)
{
	struct table_loader_stats k;

	table_loader__stats(r->tables, &k);
	pr_info("unwind tables: %zu files (%zu without CFI, %zu not loaded, %zu past the CFI bounds), "
		"%zu rows, %zu KiB, compiled in %.1f ms, loaded in %.1f ms; %llu samples sent as stack "
		"copies (layout not known yet)\n", k.files, k.files_no_cfi, k.files_excluded,
		k.files_over_bounds, k.rows, k.row_bytes / 1024,
		k.build_ns / 1e6, k.load_ns / 1e6, (unsigned long long)probes__unwind_copies(r->probes));
}

/* Reads pid's address space now, and gives the in-kernel unwinder its layout and tables. */
static int watch_process(struct run *r, pid_t pid)
{
	int err = collector__watch_process(r->collector, pid);

	if (!err && r->tables &&
	    (err = table_loader__load_process(r->tables, collector__addrspaces(r->collector), pid)))
		pr_warn("PID %d: cannot load its unwind tables (%s): frame pointers only\n", (int)pid,
			strerror(-err));
	return err;
}

/* The kernel met a pc outside pid's layout: the collector has read the new one since. */
static void stack_copied(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	table_loader__refresh(r->tables, collector__addrspaces(r->collector), pid);
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
	/* the kernel's table of processes is bounded: a program forking many keeps it small */
	if (r->tables)
		table_loader__forget_process(r->tables, pid);
}

/* A followed child before it runs, or a new program's allocators: probed while stopped. */
static void launch_probe(void *ctx, pid_t pid, const struct alloc_objects *objs)
{
	struct run *r = ctx;

	if (probes__attach_pid(r->probes, pid, objs))
		pr_warn("PID %d, started by the program, is not fully profiled\n", (int)pid);
	watch_process(r, pid);
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

/* --cgroup (with -p PIDs or not): the cgroups, their processes and allocator files. */
static int prepare_scope(struct run *r)
{
	int err = targets__open(r->opts.pids, r->opts.pid_cnt, &r->targets);

	if (err)
		return err;
	r->scope = scope__open(&(struct scope_opts){ r->opts.cgroups, r->opts.cgroup_cnt,
						     r->opts.until_empty || r->opts.duration_s > 0 },
			       &r->targets);
	if (!r->scope)
		return -errno;
	return scope__find_files(r->scope);
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

	/* --cgroup's links see every process: nothing is bound to a leader */
	for (size_t i = 0; !r->scope && i < r->targets.cnt && old_tid != pid; i++) {
		struct alloc_objects found;
		int err;

		if (r->targets.list[i].pid != pid)
			continue;
		/* whatever the new image maps already, and the files probed before (its libc is
		 * likely mapped again, maybe not yet), by their path now: the old image's
		 * /proc/PID/map_files entries went with it */
		err = alloc_objects__find(pid, &found);
		for (size_t o = 0; !err && o < r->objs[i].cnt; o++) {
			char open_path[PATH_MAX];

			snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", (int)pid,
				 r->objs[i].objs[o].path);
			err = alloc_objects__add_file(&found, r->objs[i].objs[o].path, open_path);
		}
		alloc_objects__clear(&r->objs[i]);
		r->objs[i] = found;
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

	if (r->opts.command)
		r->report = stderr; /* a launched program owns stdout */
	if (r->opts.cgroup_cnt)
		return prepare_scope(r);
	if (!r->opts.command)
		return targets__open(r->opts.pids, r->opts.pid_cnt, &r->targets) ?:
		       find_allocators(&r->targets, r->objs);
	r->launch = launch__start(r->opts.command, r->opts.follow_forks,
				  r->has_run_as ? &r->run_as : NULL,
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

/* Each live target's memory now, into the series. */
/* Target i's memory now: the kernel's view, and glibc's where its debug info allows. */
/* glibc's own figures of target i (the first CLI_MAX_PIDS targets: it costs its libc's debug
 * info), into pt. */
static void read_glibc(struct run *r, size_t i, struct mem_point *pt)
{
	struct glibc_arena_stats st;
	int err;

	/* looked for once per image, at a tick of its own: loading libc's debug info takes ~0.1 s */
	if (!r->glibc[i] && !r->glibc_tried[i]) {
		r->glibc[i] = glibc_arena__open(r->targets.list[i].pid);
		r->glibc_tried[i] = true;
	}
	err = r->glibc[i] ? glibc_arena__read(r->glibc[i], &st) : -ENOENT;
	if (!err)
		mem_point__set_glibc(pt, &st);
	if (err == -ESTALE) { /* a new image: its libc is looked for at the next reading */
		glibc_arena__free(r->glibc[i]);
		r->glibc[i] = NULL;
		r->glibc_tried[i] = false;
	}
}

static void read_target_memory(struct run *r, size_t i, double t_s)
{
	struct mem_point pt;
	char dir[4096];

	mem_read(r->targets.list[i].pid, cgroup_dir(r, &r->targets.list[i], dir, sizeof(dir)), t_s,
		 &pt);
	if (i < CLI_MAX_PIDS)
		read_glibc(r, i, &pt);
	if (mem_series__add(&r->mem, &pt))
		pr_warn("out of memory: memory readings dropped\n");
}

static void sample_memory(struct run *r, double t_s)
{
	for (size_t i = 0, n = 0; i < r->targets.cnt && n < MEM_MAX_PROCESSES; i++) {
		if (r->targets.list[i].exited)
			continue;
		n++;
		read_target_memory(r, i, t_s);
	}
}

static void fill_targets(struct run *r, struct report_info *info)
{
	struct report_target *tmp = realloc(r->rtargets, (r->targets.cnt + 1) * sizeof(*tmp));

	if (!tmp)
		return; /* the previous list stays: a report names fewer processes */
	r->rtargets = tmp;
	for (size_t i = 0; i < r->targets.cnt; i++) {
		const struct target *t = &r->targets.list[i];

		r->rtargets[i] = (struct report_target){ t->pid, t->comm, t->exited, t->cgroup };
	}
	info->targets = r->rtargets;
	info->target_cnt = r->targets.cnt;
	if (r->scope) {
		info->scope.cgroups = scope__cgroup_names(r->scope, &info->scope.cgroup_cnt);
		info->scope.started = r->targets.started_cnt;
		info->scope.exited = r->targets.exited_cnt;
		info->scope.outsiders = r->outsiders;
	}
}

/* The newest registry entry of pid, exited or not. */
static const struct target *target_of(const struct run *r, uint32_t pid)
{
	return targets__lookup(&r->targets, pid);
}

static const char *group_by_exe(void *ctx, uint32_t pid)
{
	const struct target *t = target_of(ctx, pid);

	return t ? t->comm : NULL;
}

static const char *group_by_cgroup(void *ctx, uint32_t pid)
{
	const struct target *t = target_of(ctx, pid);

	return t ? t->cgroup : NULL;
}

/* The profile as people read it: the per-process one, or a copy grouped by --group-by. Free
 * it with shown_profile__free(). */
static struct profile *shown_profile(struct run *r)
{
	struct profile *p;

	switch (r->opts.group_by) {
	case GROUP_BY_EXE:
		p = profile__regroup(r->profile, group_by_exe, r);
		break;
	case GROUP_BY_CGROUP:
		p = profile__regroup(r->profile, group_by_cgroup, r);
		break;
	case GROUP_BY_NONE:
		p = profile__regroup(r->profile, NULL, r);
		break;
	default:
		return r->profile;
	}
	if (!p)
		pr_warn("out of memory: the report keeps processes apart\n");
	return p ?: r->profile;
}

static void shown_profile__free(struct run *r, struct profile *p)
{
	if (p != r->profile)
		profile__free(p);
}

/* Seconds between ticks: the live view's, else each second (new stacks resolved). */
static double tick_period(const struct run *r)
{
	return r->opts.interval_s ? r->opts.interval_s : 1.0;
}

/* --listen: a request's view of the profile, up to date with the ring buffer. */
static int serve_snapshot(void *ctx, struct server_view *v)
{
	struct run *r = ctx;

	ring_buffer__consume(r->rb);
	if (collector__snapshot(r->collector, mono_ns()))
		return -ENOMEM;
	read_figures(r->probes, r->collector, r->profile, &r->opts, &v->info);
	fill_targets(r, &v->info);
	v->info.mem = &r->mem;
	v->info.duration_s = mono_ns() / 1e9 - r->start_s;
	v->profile = r->profile;
	v->pinfo = (struct pprof_info){ .time_nanos = wall_ns(),
					.losses = &v->info.losses,
					.targets = v->info.targets,
					.target_cnt = v->info.target_cnt };
	if (r->pusher) {
		struct pusher_stats st;

		pusher__stats(r->pusher, &st);
		v->self.pushing = true;
		v->self.pushes_sent = st.sent;
		v->self.pushes_dropped = st.dropped;
		v->self.push_retries = st.retries;
	}
	return 0;
}

/* A series of a --push: the processes of one --cgroup (NULL: every target), its labels and
 * its raw profiles. */
struct push_group {
	struct run *r;
	const char *cgroup;
	struct pusher_label labels[6];
	char pid[16], container[16];
	struct pusher_raw raws[2];
};

static bool in_push_group(void *ctx, uint32_t pid)
{
	const struct push_group *g = ctx;
	const struct target *t = targets__lookup(&g->r->targets, pid);
	size_t n = strlen(g->cgroup);

	return t && t->cgroup && !strncmp(t->cgroup, g->cgroup, n) &&
	       (!t->cgroup[n] || t->cgroup[n] == '/' || !strcmp(g->cgroup, "/"));
}

/* The group's labels: a cgroup's path and container, or a single process's pid, cgroup and
 * container (several -p processes: those are the samples' labels). Returns their count. */
static size_t push_labels(struct push_group *g)
{
	struct run *r = g->r;
	const struct target *t = r->targets.cnt ? &r->targets.list[0] : NULL;
	const char *cgroup = g->cgroup ?: r->targets.cnt == 1 && t ? t->cgroup : NULL;
	const char *base = g->cgroup ? strrchr(g->cgroup, '/') : NULL;
	size_t n = 0;

	g->labels[n++] = (struct pusher_label){ "__name__", "memory" };
	g->labels[n++] = (struct pusher_label){
		"service_name", r->opts.push_service ?: base && base[1] ? base + 1 : t ? t->comm : "memsnoop" };
	/* Pyroscope: already deltas, the server must not diff them again */
	if (r->opts.push_format == PUSH_PYROSCOPE)
		g->labels[n++] = (struct pusher_label){ "__delta__", "false" };
	if (!g->cgroup && t && r->targets.cnt == 1) {
		snprintf(g->pid, sizeof(g->pid), "%d", (int)t->pid);
		g->labels[n++] = (struct pusher_label){ "pid", g->pid };
	}
	if (cgroup)
		g->labels[n++] = (struct pusher_label){ "cgroup", cgroup };
	if (pusher_container_id(cgroup, g->container, sizeof(g->container)))
		g->labels[n++] = (struct pusher_label){ "container", g->container };
	return n;
}

/* One raw profile of a group into *raw (free its data): allocations a delta since the last
 * push, in-use as it is now. */
static int push_pprof(struct push_group *g, const struct server_view *v, enum pprof_types types,
		      struct pusher_raw *raw)
{
	struct run *r = g->r;
	struct pprof_info pinfo = v->pinfo;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -ENOMEM;
	pinfo.types = types;
	pinfo.default_type = types == PPROF_TYPES_ALLOC ? VALUE_ALLOC_SPACE : VALUE_INUSE_SPACE;
	pinfo.keep = g->cgroup ? in_push_group : NULL;
	pinfo.keep_ctx = g;
	if (types != PPROF_TYPES_INUSE) {
		pinfo.base = r->push_base;
		pinfo.base_cnt = r->push_base_cnt;
		pinfo.base_alloc_only = true;
		pinfo.time_nanos = r->push_wall_ns;
		pinfo.duration_nanos = mono_ns() - r->push_ns;
	}
	err = output_pprof__write(r->profile, &pinfo, f);
	err = fclose(f) ? -ENOMEM : err;
	*raw = (struct pusher_raw){ buf, len };
	return err;
}

/* --push: the profile since the last push, a series per --cgroup (or one), queued for the
 * pusher's thread: one pprof for Pyroscope, an allocation delta (duration_nanos set) and an
 * in-use snapshot for Parca. */
static void push_profile(struct run *r)
{
	bool parca = r->opts.push_format == PUSH_PARCA;
	size_t cnt = 1;
	const char *const *cgroups = r->scope ? scope__cgroup_names(r->scope, &cnt) : NULL;
	struct push_group *groups = calloc(cnt, sizeof(*groups));
	struct pusher_series *series = calloc(cnt, sizeof(*series));
	struct server_view v = {};
	uint64_t now = mono_ns();
	int err = groups && series ? serve_snapshot(r, &v) : -ENOMEM;

	for (size_t i = 0; !err && i < cnt; i++) {
		struct push_group *g = &groups[i];

		*g = (struct push_group){ .r = r, .cgroup = cgroups ? cgroups[i] : NULL };
		err = push_pprof(g, &v, parca ? PPROF_TYPES_ALLOC : PPROF_TYPES_ALL, &g->raws[0]);
		if (!err && parca)
			err = push_pprof(g, &v, PPROF_TYPES_INUSE, &g->raws[1]);
		series[i] = (struct pusher_series){ g->labels, push_labels(g), g->raws, parca ? 2 : 1 };
	}
	if (!err)
		err = pusher__push(r->pusher, series, cnt);
	for (size_t i = 0; groups && i < cnt; i++) {
		free((void *)groups[i].raws[0].data);
		free((void *)groups[i].raws[1].data);
	}
	free(groups);
	free(series);
	if (err) {
		pr_warn("--push: cannot prepare a push: %s\n", strerror(-err));
		return;
	}
	free(r->push_base);
	r->push_base = pprof_baseline(r->profile, &r->push_base_cnt);
	r->push_ns = now;
	r->push_wall_ns = wall_ns();
}

static void serve_requests(void *ctx)
{
	server__run(((struct run *)ctx)->server);
}

static int serve_timeout_ms(void *ctx)
{
	return server__timeout_ms(((struct run *)ctx)->server);
}

/* Every tick: the targets' memory read, new stacks symbolized (outside the ring buffer
 * callback); the live view. */
/* Targets that exited: their last events read, what was held for them goes (a file only they
 * mapped is closed once their samples are resolved, see collector__backlog). */
static void release_gone_targets(struct run *r)
{
	bool drained = false;
	pid_t pid;

	while (targets__take_gone(&r->targets, &pid)) {
		if (!drained)
			ring_buffer__consume(r->rb);
		drained = true;
		collector__release_process(r->collector, pid);
		if (r->tables)
			table_loader__forget_process(r->tables, pid);
	}
}

static void on_tick(void *ctx)
{
	struct run *r = ctx;
	struct report_info info = {};
	double t_s = mono_ns() / 1e9 - r->start_s;
	struct profile *shown;

	release_gone_targets(r);
	if (r->scope)
		scope__tick(r->scope);
	sample_memory(r, t_s);
	/* due within half a tick: pushes keep their period rather than slip a tick each */
	if (r->pusher && mono_ns() + tick_period(r) * 0.5e9 >= r->push_ns + r->opts.push_interval_s * 1e9)
		push_profile(r);
	/* nobody reads the profile before the end: symbolizing now (a millisecond per new pc in
	 * a binary without debug info) would only hold up the ring buffer's reader, unless the
	 * samples waiting for their stacks grow large */
	if (!r->live && !r->progress) {
		if (collector__backlog(r->collector))
			collector__resolve(r->collector);
		return;
	}
	collector__snapshot(r->collector, mono_ns());
	read_figures(r->probes, r->collector, r->profile, &r->opts, &info);
	fill_targets(r, &info);
	shown = shown_profile(r);
	/* a grouped copy keeps its stack ids from tick to tick: new stacks come last */
	if (r->live)
		live_view__write(r->live, shown,
				 &(struct live_tick){ .t_s = t_s, .info = &info, .mem = &r->mem },
				 r->report);
	else
		live_progress__write(shown, &(struct live_tick){ .t_s = t_s, .info = &info }, stderr);
	shown_profile__free(r, shown);
}

/* --listen: bound before attaching (a port taken is a refusal), served once the loop runs. */
static int open_server(struct run *r)
{
	if (!r->opts.listen)
		return 0;
	r->server = server__new(&(struct server_opts){ r->opts.listen, r->opts.listen_any, r,
						       serve_snapshot });
	return r->server ? 0 : -errno;
}

static int open_pusher(struct run *r)
{
	if (!r->opts.push_url)
		return 0;
	r->pusher = pusher__new(&(struct pusher_opts){ r->opts.push_url, r->opts.push_format });
	return r->pusher ? 0 : -errno;
}

/* --interval, or on a terminal its default: the live view on the report's stream. */
static int open_live_view(struct run *r)
{
	/* a launched program shares the terminal: no live view unless asked, never a redraw */
	bool tty = !r->launch && isatty(fileno(r->report));
	double interval = r->opts.has_interval ? r->opts.interval_s : tty ? CLI_TERMINAL_INTERVAL_S : 0;
	struct winsize ws;

	r->opts.interval_s = interval;
	if (cgroup_v2_mount(r->cgroup_mount, sizeof(r->cgroup_mount)))
		r->cgroup_mount[0] = '\0';
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

/* --cgroup: the registry's changes, as the scope sees them. */
static void scope_process_new(void *ctx, pid_t pid)
{
	watch_process(ctx, pid);
}

static void scope_process_gone(void *ctx, pid_t pid)
{
	struct run *r = ctx;

	collector__release_process(r->collector, pid);
	if (r->tables)
		table_loader__forget_process(r->tables, pid);
}

/* --cgroup: the profile's events, then the registry's (after the collector forgot an exec'd
 * process's old image, the scope reads its new one). */
static int scope_event(void *ctx, void *data, size_t size)
{
	const struct event_header *hdr = data;
	struct run *r = ctx;

	if (size >= sizeof(*hdr) && hdr->type != EV_EXEC && hdr->type != EV_FREE)
		scope__before_sample(r->scope, hdr->tgid);
	collector__handle_event(r->collector, data, size);
	if (size >= sizeof(*hdr))
		scope__on_event(r->scope, data, size);
	return 0;
}

static int scope_poll(void *ctx)
{
	struct run *r = ctx;

	return scope__poll(r->scope);
}

static bool scope_targets_gone(void *ctx)
{
	struct run *r = ctx;

	return r->opts.until_empty && scope__empty(r->scope);
}

/* --cgroup: every allocator file probed in every process, the -p ones kept too. */
static int attach_scope(struct run *r)
{
	int err = scope__attach(r->scope, r->probes);

	for (size_t i = 0; !err && i < r->targets.cnt; i++) {
		const struct target *t = &r->targets.list[i];

		if (t->pidfd >= 0)
			err = probes__add_scope_pid(r->probes, t->pid);
		if (!err && watch_process(r, t->pid))
			pr_info("cannot read the mappings of PID %d\n", (int)t->pid);
	}
	scope__set_hooks(r->scope, &(struct scope_hooks){ r, scope_process_new, scope_process_gone });
	r->outsiders = scope__count_outsiders(r->scope);
	return err;
}

static int open_session(struct run *r)
{
	bool several = r->targets.cnt > 1 || r->opts.follow_forks || r->scope;
	size_t cgroup_cnt = 0;
	const int *cgroup_fds = r->scope ? scope__cgroup_fds(r->scope, &cgroup_cnt) : NULL;

	raise_fd_limit();
	r->sigfd = loop_take_signals(r->launch != NULL);
	r->probes = probes__open(&(struct probes_opts){ .rate = r->opts.rate,
							.self_pid = getpid(),
							.track_inuse = !r->opts.alloc_only,
							.mode = r->opts.uprobe_mode,
							.unwind = r->opts.unwind,
							.unwind_oracle = r->opts.unwind_oracle,
							.stack_bytes = r->opts.stack_bytes,
							.cgroup_fds = cgroup_fds,
							.cgroup_cnt = cgroup_cnt,
							.ringbuf_sz = r->opts.ringbuf_sz });
	r->profile = profile__new(r->opts.rate);
	if (r->profile)
		profile__set_max_stacks(r->profile, r->opts.max_stacks);
	r->collector = r->profile ? collector__new(&(struct collector_opts){
				.split_pids = several,
				.stack_copied = r->opts.unwind == UNWIND_DWARF ? stack_copied : NULL,
				.on_exec = reattach_after_exec,
				.hook_ctx = r }, r->profile)
				  : NULL;
	if (r->sigfd < 0 || !r->probes || !r->profile || !r->collector || open_live_view(r))
		return -ENOMEM;
	if (r->opts.unwind == UNWIND_DWARF) {
		struct unwind_map_fds fds;

		probes__unwind_fds(r->probes, &fds);
		r->tables = table_loader__new(&fds);
		if (!r->tables)
			return -ENOMEM;
	}
	r->batch = r->scope ? (struct loop_batch){ .cb = scope_event, .ctx = r }
			    : (struct loop_batch){ .cb = collector__handle_event, .ctx = r->collector };
	r->rb = ring_buffer__new(probes__ringbuf_fd(r->probes), loop_batch_sample, &r->batch, NULL);
	if (!r->rb) {
		pr_warn("cannot open the ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	if (r->scope)
		return attach_scope(r);
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
	server__free(r->server);
	pusher__free(r->pusher, 0);
	free(r->push_base);
	live_view__free(r->live);
	mem_series__clear(&r->mem);
	free(r->rtargets);
	scope__free(r->scope);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++)
		glibc_arena__free(r->glibc[i]);
	ring_buffer__free(r->rb);
	probes__free(r->probes);
	table_loader__free(r->tables);
	collector__free(r->collector);
	profile__free(r->profile);
	for (size_t i = 0; i < CLI_MAX_PIDS; i++)
		alloc_objects__clear(&r->objs[i]);
	launch__free(r->launch);
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
	struct report_info info = {};
	struct pprof_info pinfo = {};
	static char labels[ALLOC_COUNTER_CNT][ALLOC_LABEL_SZ];
	const char *not_seen[FAMILY_CNT];
	enum loop_end end = LOOP_END_SIGNAL;
	struct loop_hooks hooks = { r, r->launch ? launch_signal : stop_on_signal,
				    /* without a live view, new stacks are still resolved each second */
				    tick_period(r), on_tick,
				    r->scope ? scope_targets_gone : NULL,
				    r->scope ? scope_poll : NULL,
				    /* --listen */
				    r->server ? serve_requests : NULL,
				    r->server ? server__fd(r->server) : -1, serve_timeout_ms };
	uint64_t window_end_ns;
	double start;
	struct profile *shown;
	int err;

	if (probes__arm(r->probes))
		return EXIT_REFUSED;
	start = r->start_s = mono_ns() / 1e9;
	pinfo.time_nanos = r->push_wall_ns = wall_ns();
	r->push_ns = mono_ns();
	if (r->launch) {
		fprintf(stderr, "memsnoop: attached; running %s\n", r->opts.command[0]);
		err = launch__release(r->launch);
	} else {
		fprintf(stderr, "memsnoop: attached to %zu process%s%s; Ctrl-C to stop\n",
			r->targets.cnt, r->targets.cnt == 1 ? "" : "es",
			r->scope ? " and to what starts in the cgroup" : "");
		err = 0;
	}
	if (!err)
		err = loop_run(r->rb, &r->batch, r->sigfd, &r->targets, r->opts.duration_s, &hooks, &end);
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
	/* drained: a sample the kernel no longer holds was freed, its event lost */
	collector__reconcile_live(r->collector, probes__holds_live, r->probes);
	collector__snapshot(r->collector, window_end_ns);
	if (r->pusher) { /* the last window, sent before the report (a few seconds at most) */
		push_profile(r);
		pusher__free(r->pusher, PUSH_FLUSH_MS);
		r->pusher = NULL;
	}
	fill_report(r->probes, r->collector, r->profile, &r->opts, &info);
	if (r->tables)
		report_kunwind(r);
	if (r->scope) {
		label_counters(scope__files(r->scope), 1, labels, &info);
		info.not_seen_cnt = blind_spots(scope__files(r->scope), 1, not_seen);
	} else {
		label_counters(r->objs, r->targets.cnt, labels, &info);
		info.not_seen_cnt = blind_spots(r->objs, r->targets.cnt, not_seen);
	}
	info.not_seen = not_seen;
	pinfo.targets = info.targets;
	pinfo.target_cnt = info.target_cnt;
	pinfo.duration_nanos = info.duration_s * 1e9;
	pinfo.comment = command_line(argc, argv);
	pinfo.default_type = r->opts.value;
	pinfo.losses = &info.losses;
	/* a launched program owns stdout: the report goes to stderr */
	shown = shown_profile(r);
	err = write_outputs(&(struct output_ctx){ shown, r->profile, &info, &pinfo, r->opts.icicle },
			    r->opts.output_prefix, &r->owner, r->report) ?: err;
	shown_profile__free(r, shown);
	free((char *)pinfo.comment);
	for (size_t i = 0; i < pinfo.extra_comment_cnt; i++)
		free(pinfo.extra_comments[i]);
	free((char **)pinfo.extra_comments);
	if (r->launch)
		return verdict(r, &info, exit_status_of(launch__wait(r->launch)));
	return err ? EXIT_REFUSED : verdict(r, &info, EXIT_OK);
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
	if (!preflight_check() && !choose_users(&r) && !prepare_targets(&r) &&
	    !check_outputs(r.opts.output_prefix) && !open_server(&r) && !open_pusher(&r) &&
	    !open_session(&r))
		status = run_profile(&r, argc, argv);
	close_session(&r);
	report_own_usage();
	return status;
}
