// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "version.h"
#include "gate.h"
#include "log.h"
#include "server.h"
#include "units.h"

enum { OPT_VALUE = 256, OPT_ALLOC_ONLY, OPT_UPROBE_MODE, OPT_UNWIND, OPT_STACK_BYTES,
       OPT_FAIL_ON_LEAK, OPT_FAIL_ON_LOSS, OPT_NO_FAIL_ON_LOSS, OPT_FOLLOW_FORKS, OPT_LIFETIMES,
       OPT_INTERVAL, OPT_ICICLE, OPT_USER, OPT_AS_ROOT, OPT_CGROUP, OPT_UNTIL_EMPTY, OPT_GROUP_BY,
       OPT_MAX_STACKS, OPT_STACK_MEMORY, OPT_LISTEN, OPT_LISTEN_ANY, OPT_PUSH, OPT_PUSH_INTERVAL,
       OPT_PUSH_FORMAT, OPT_PUSH_SERVICE, OPT_VERSION, OPT_BASH_COMPLETION, OPT_FAIL_ABOVE,
       OPT_COUNT_ONLY, OPT_WHERE };

/* Test-only: a ring buffer this small (bytes, a power of two >= the page size) forces
 * losses, so that the tests can check what is done with them. */
#define TEST_RINGBUF_ENV "MEMSNOOP_TEST_RINGBUF_BYTES"
/* Test-only: "1" has the kernel send a copy of every stack it walks, for user space to unwind
 * with libdw and compare (the reference unwinder as the in-kernel one's oracle). */
#define TEST_ORACLE_ENV "MEMSNOOP_TEST_UNWIND_ORACLE"
/* Bench-only (scripts/bench.py): "noop1" or "noop2", probes that do nothing and take one or
 * two traps a call (the floor every mode is measured against); "no-size-classes", the
 * default mode without its size classes (what they cost). */
#define BENCH_PROBES_ENV "MEMSNOOP_BENCH_PROBES"

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "until-empty", no_argument, NULL, OPT_UNTIL_EMPTY },
	{ "group-by", required_argument, NULL, OPT_GROUP_BY },
	{ "rate", required_argument, NULL, 'r' },
	{ "duration", required_argument, NULL, 'd' },
	{ "output", required_argument, NULL, 'o' },
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "alloc-only", no_argument, NULL, OPT_ALLOC_ONLY },
	{ "count-only", no_argument, NULL, OPT_COUNT_ONLY },
	{ "where", required_argument, NULL, OPT_WHERE },
	{ "uprobe-mode", required_argument, NULL, OPT_UPROBE_MODE },
	{ "unwind", required_argument, NULL, OPT_UNWIND },
	{ "stack-bytes", required_argument, NULL, OPT_STACK_BYTES },
	{ "fail-on-leak", required_argument, NULL, OPT_FAIL_ON_LEAK },
	{ "fail-on-loss", no_argument, NULL, OPT_FAIL_ON_LOSS },
	{ "no-fail-on-loss", no_argument, NULL, OPT_NO_FAIL_ON_LOSS },
	{ "follow-forks", no_argument, NULL, OPT_FOLLOW_FORKS },
	{ "lifetimes", no_argument, NULL, OPT_LIFETIMES },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "icicle", no_argument, NULL, OPT_ICICLE },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "listen-any", no_argument, NULL, OPT_LISTEN_ANY },
	{ "push", required_argument, NULL, OPT_PUSH },
	{ "push-interval", required_argument, NULL, OPT_PUSH_INTERVAL },
	{ "push-format", required_argument, NULL, OPT_PUSH_FORMAT },
	{ "push-service", required_argument, NULL, OPT_PUSH_SERVICE },
	{ "user", required_argument, NULL, OPT_USER },
	{ "as-root", no_argument, NULL, OPT_AS_ROOT },
	{ "max-stacks", required_argument, NULL, OPT_MAX_STACKS },
	{ "stack-memory", required_argument, NULL, OPT_STACK_MEMORY },
	{ "top", required_argument, NULL, 'n' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "bash-completion", no_argument, NULL, OPT_BASH_COMPLETION },
	{},
};

/* What an option's argument can be, for the completion (the parser refuses anything else). */
static const struct cli_arg_values arg_values[] = {
	{ "pid", "@pids" },
	{ "output", "@files" },
	{ "cgroup", "@dirs" },
	{ "user", "@users" },
	{ "value", "inuse_space inuse_objects alloc_space alloc_objects" },
	{ "group-by", "exe cgroup pid none" },
	{ "unwind", "dwarf dwarf-copy fp" },
	{ "uprobe-mode", "auto session classic" },
	{ "push-format", "pyroscope parca" },
	{},
};

void cli_usage(FILE *f)
{
	fprintf(f,
		"Usage: memsnoop -p PID[,PID...] | --cgroup PATH [options]\n"
		"       memsnoop [options] -- COMMAND [ARGS...]\n"
		"Heap profiler: samples the allocations of running processes with eBPF uprobes.\n"
		"\n"
		"  -p, --pid PID[,PID...]  processes to profile (up to %d)\n"
		"      --cgroup PATH[,PATH] every process of a cgroup v2 subtree, those there now and\n"
		"                          those that start or move there later (PATH under the v2\n"
		"                          mount, or relative to it; repeatable; with -p too)\n"
		"      --until-empty       with --cgroup: stop once no process is left in it\n"
		"      --group-by KEY      how the report, folded file and flame graph keep several\n"
		"                          processes apart: exe (default with --cgroup: one root\n"
		"                          frame per program, per build ID when two share a name),\n"
		"                          cgroup, pid (default otherwise: the report's sites\n"
		"                          labelled with their PID, the folded file and flame graph\n"
		"                          a root frame per program) or none; pprof labels every\n"
		"                          sample with pid, comm and cgroup whatever KEY\n"
		"  -- COMMAND [ARGS...]    run COMMAND, profile it from its first allocation to its\n"
		"                          exit, and report what it leaked (on stderr)\n"
		"      --fail-on-leak N    with a COMMAND: exit 3 when it leaked more than N bytes\n"
		"                          (99.9%% confidence when sampled; 5: undecided at this\n"
		"                          rate); the COMMAND runs at -r 1 unless -r is given\n"
		"      --fail-on-loss      exit 4 when any event was lost (the figures are then\n"
		"                          incomplete); on by default with --fail-on-leak, and with\n"
		"                          a COMMAND at -r 1; --no-fail-on-loss turns it off\n"
		"      --follow-forks      with a COMMAND: profile the processes it forks too\n"
		"      --user USER         with a COMMAND: run it as USER (default under sudo: the\n"
		"                          user who ran sudo; otherwise memsnoop's own user)\n"
		"      --as-root           with a COMMAND: run it as root even under sudo\n"
		"  -r, --rate BYTES        mean bytes between samples (K/M/G suffixes; default 512K;\n"
		"                          1 = every allocation, exact counts)\n"
		"  -d, --duration SECONDS  stop after this long: 30, 10s, 5m, 1h (default: Ctrl-C or\n"
		"                          all targets exit); --interval and --push-interval too\n"
		"  -o, --output PREFIX     also write PREFIX.pb.gz (pprof), PREFIX.folded (flame graphs),\n"
		"                          PREFIX.svg (a flame graph to open in a browser),\n"
		"                          PREFIX.summary.json (the run's figures and memory readings)\n"
		"                          and PREFIX.lifetimes.json (lifetime histograms)\n"
		"      --icicle            PREFIX.svg with the root at the top (it can flip either way)\n"
		"      --interval SECONDS  live view: every SECONDS, the top sites and their change, exact\n"
		"                          rates, heap in use, process memory (default 5 on a terminal,\n"
		"                          else none; 0: none); redrawn on a terminal, appended otherwise\n"
		"                          and with a COMMAND (on stderr, beside its own output)\n"
		"      --listen ADDR:PORT  serve the live profile over HTTP: /debug/pprof/heap,\n"
		"                          /debug/pprof/allocs[?seconds=N], /metrics (Prometheus),\n"
		"                          /debug/memsnoop/where?pid=PID&addr=ADDR, /healthz; ADDR\n"
		"                          numeric (127.0.0.1, [::1]); loopback only\n"
		"      --listen-any        allow --listen on an address other than loopback (the\n"
		"                          profile shows the targets' code: no authentication)\n"
		"      --push URL          every --push-interval, send the profile to Grafana Pyroscope\n"
		"                          at URL (http://HOST:4040; push.v1 API): allocations as\n"
		"                          deltas since the last push, in-use as a snapshot\n"
		"      --push-interval SECONDS  with --push (default 60, at least 1)\n"
		"      --push-format FORMAT  pyroscope (default), or parca: URL/profiles/writeraw\n"
		"                          (WriteRaw through Parca's HTTP/JSON gateway)\n"
		"      --push-service NAME  the pushes' service_name (default: each --cgroup's last\n"
		"                          component, else the first target's name)\n"
		"      --lifetimes         print how long sampled blocks lived (and live ones' age)\n"
		"      --value TYPE        inuse_space (default), inuse_objects, alloc_space, alloc_objects\n"
		"      --alloc-only        profile allocations only: free is not probed (half the traps),\n"
		"                          no in-use figures; --value defaults to alloc_space\n"
		"      --count-only        count only: exact calls, bytes and size classes of each\n"
		"                          entry point; no samples, stacks or return probes (the\n"
		"                          cheapest mode)\n"
		"      --where ADDR        with a COMMAND: at its exit, print the live block holding\n"
		"                          ADDR (start or interior) and its stack; repeatable\n"
		"      --unwind MODE       dwarf (default): unwind in the kernel with tables compiled\n"
		"                          from each file's CFI, right without frame pointers;\n"
		"                          dwarf-copy: copy each sample's stack, unwind it with libdw\n"
		"                          (slower; the reference); fp: frame pointers\n"
		"      --stack-bytes N     stack copied per sample for dwarf-copy (default 16K, 1K to 64K)\n"
		"      --uprobe-mode MODE  auto (default), session (kernel 6.13+: unsampled calls skip\n"
		"                          the return probe) or classic (uprobe + uretprobe)\n"
		"  -n, --top N             sites in the report (default 10)\n"
		"      --stack-memory SIZE memory the table of unique stacks may take (default %lluM);\n"
		"                          samples of new stacks past it are counted in one\n"
		"                          [stack table full] site\n"
		"      --max-stacks N      unique stacks kept (default: no cap but --stack-memory)\n"
		"  -v, --verbose           more detail on stderr (repeat for debug)\n"
		"  -h, --help              this text\n"
		"      --version           the version\n"
		"      --bash-completion   print the bash completion script (make builds it)\n"
		"\n"
		"\n"
		"       memsnoop where [--listen ADDR:PORT] PID ADDR\n"
		"Asks a memsnoop running with --listen (default " WHERE_DEFAULT_LISTEN ") which live\n"
		"block of PID holds ADDR and where it was allocated (exact at -r 1; at other rates an\n"
		"unsampled block is \"not sampled\").\n"
		"\n"
		"       memsnoop diff BASE NEW [--value TYPE] [-n N] [--fail-above N]\n"
		"Compares two pprof heap profiles (memsnoop's -o PREFIX.pb.gz or Go's, gzipped or not):\n"
		"the stacks that grew and shrank most in TYPE (default inuse_space), and the total.\n"
		"  --fail-above N          exit 3 when the total grew by more than N (K/M/G suffixes),\n"
		"                          with 99.9%% confidence when sampled; 5: undecided\n"
		"\n"
		"Exit status: with -p or diff, 0 when the profile was written (also after Ctrl-C or the\n"
		"targets' exit) or the diff printed; with a COMMAND, its own exit status (128 + N when\n"
		"killed by signal N); 1 when memsnoop could not run (no such process, not root, a\n"
		"corrupt profile, ...); 2 for a bad command line; 3 when --fail-on-leak or diff's\n"
		"--fail-above is exceeded; 5 when a sampled gate is undecided at this rate; else 4\n"
		"when events were lost and --fail-on-loss is on.\n",
		CLI_MAX_PIDS, PROFILE_DEFAULT_STACK_MEMORY >> 20);
}

/* getopt's ':' (missing argument) or '?' (unknown option), said once. Returns -EINVAL. */
static int refuse_option(int opt, char **argv)
{
	const char *what = opt == ':' ? "missing argument for" : "unknown option";

	if (optopt)
		pr_warn("%s '-%c' (see --help)\n", what, optopt);
	else
		pr_warn("%s '%s' (see --help)\n", what, argv[optind - 1]);
	return -EINVAL;
}

/* A whole number from 1 to max; what names it in the refusal. 0 or -EINVAL. */
static int parse_count(const char *arg, long max, const char *what, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *v < 1 || *v > max) {
		pr_warn("invalid %s '%s': expected a positive integer\n", what, arg);
		return -EINVAL;
	}
	return 0;
}

/*
 * arg as one of an enum's keywords, names[value] (NULL: a value with none): the value, or
 * -EINVAL after one line naming every keyword ("expected a, b or c").
 */
static int parse_keyword(const char *arg, const char *const *names, int cnt, const char *what)
{
	char expected[256] = "";
	int last = -1, seen = 0;
	size_t len = 0;

	for (int i = 0; i < cnt; i++) {
		if (names[i] && !strcmp(arg, names[i]))
			return i;
		if (names[i])
			last = i;
	}
	for (int i = 0; i < cnt && len < sizeof(expected); i++)
		if (names[i])
			len += snprintf(expected + len, sizeof(expected) - len, "%s%s",
					!seen++ ? "" : i == last ? " or " : ", ", names[i]);
	pr_warn("invalid %s '%s': expected %s\n", what, arg, expected);
	return -EINVAL;
}

#define PARSE_KEYWORD(arg, names, what) \
	parse_keyword(arg, names, sizeof(names) / sizeof((names)[0]), what)

static int parse_value_type(const char *arg, enum value_type *out)
{
	const char *names[VALUE_CNT];
	int v;

	for (int i = 0; i < VALUE_CNT; i++)
		names[i] = value_type_name(i);
	v = PARSE_KEYWORD(arg, names, "value type");
	if (v < 0)
		return v;
	*out = v;
	return 0;
}

static int parse_pids(const char *arg, struct cli_opts *opts)
{
	const char *s = arg;

	while (*s) {
		char *end;
		long v;

		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || v <= 0 || v > 0x3fffffff || (*end && *end != ',')) {
			pr_warn("invalid PID list '%s': expected positive process IDs separated by commas\n", arg);
			return -EINVAL;
		}
		/* a PID given twice is one target: probed twice, its frees would count twice */
		for (size_t i = 0; i < opts->pid_cnt && v; i++)
			if (opts->pids[i] == v)
				v = 0;
		if (v && opts->pid_cnt == CLI_MAX_PIDS) {
			pr_warn("too many PIDs: at most %d\n", CLI_MAX_PIDS);
			return -EINVAL;
		}
		if (v)
			opts->pids[opts->pid_cnt++] = v;
		s = *end ? end + 1 : end;
	}
	return 0;
}

/* --cgroup PATH[,PATH...], repeatable: the paths are checked at attach, not here. */
static int parse_cgroups(char *arg, struct cli_opts *opts)
{
	for (char *save, *path = strtok_r(arg, ",", &save); path; path = strtok_r(NULL, ",", &save)) {
		if (opts->cgroup_cnt == CGROUP_TARGETS_MAX) {
			pr_warn("too many cgroups: at most %d\n", CGROUP_TARGETS_MAX);
			return -EINVAL;
		}
		opts->cgroups[opts->cgroup_cnt++] = path;
	}
	return 0;
}

static int parse_option(int opt, const char *arg, struct cli_opts *opts)
{
	int k;

	switch (opt) {
	case 'p':
		return parse_pids(arg, opts);
	case OPT_CGROUP:
		return parse_cgroups((char *)arg, opts);
	case OPT_UNTIL_EMPTY:
		opts->until_empty = true;
		return 0;
	case OPT_GROUP_BY: {
		static const char *const keys[] = { [GROUP_BY_PID] = "pid", [GROUP_BY_EXE] = "exe",
						    [GROUP_BY_CGROUP] = "cgroup",
						    [GROUP_BY_NONE] = "none" };

		if ((k = PARSE_KEYWORD(arg, keys, "--group-by")) < 0)
			return k;
		opts->group_by = k;
		return 0;
	}
	case 'r':
		if (parse_size(arg, &opts->rate) || opts->rate < 1 || opts->rate > CLI_MAX_RATE) {
			pr_warn("invalid rate '%s': expected bytes from 1 to 1024G, such as 512K\n", arg);
			return -EINVAL;
		}
		opts->has_rate = true;
		return 0;
	case 'd':
		if (parse_duration(arg, &opts->duration_s) || opts->duration_s <= 0) {
			pr_warn("invalid duration '%s': expected a positive time such as 30, 10s, 5m or 1h\n",
				arg);
			return -EINVAL;
		}
		return 0;
	case OPT_LISTEN: {
		struct sockaddr_storage addr;
		bool loopback;

		if (server_parse_addr(arg, &addr, &loopback)) {
			pr_warn("invalid --listen '%s': expected a numeric ADDR:PORT such as 127.0.0.1:6060 or [::1]:6060\n",
				arg);
			return -EINVAL;
		}
		opts->listen = arg;
		return 0;
	}
	case OPT_PUSH:
		if (strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8)) {
			pr_warn("invalid --push '%s': expected an http:// or https:// URL\n", arg);
			return -EINVAL;
		}
		opts->push_url = arg;
		return 0;
	case OPT_PUSH_SERVICE:
		opts->push_service = arg;
		return 0;
	case OPT_PUSH_FORMAT: {
		static const char *const formats[] = { [PUSH_PYROSCOPE] = "pyroscope",
						       [PUSH_PARCA] = "parca" };

		if ((k = PARSE_KEYWORD(arg, formats, "--push-format")) < 0)
			return k;
		opts->push_format = k;
		opts->has_push_format = true;
		return 0;
	}
	case OPT_PUSH_INTERVAL:
		if (parse_duration(arg, &opts->push_interval_s) || opts->push_interval_s < 1) {
			pr_warn("invalid --push-interval '%s': expected seconds, at least 1\n", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_LISTEN_ANY:
		opts->listen_any = true;
		return 0;
	case OPT_INTERVAL:
		if (parse_duration(arg, &opts->interval_s) ||
		    (opts->interval_s > 0 && opts->interval_s < 0.1)) {
			pr_warn("invalid interval '%s': expected seconds, at least 0.1 (0: no live view)\n", arg);
			return -EINVAL;
		}
		opts->has_interval = true;
		return 0;
	case 'o':
		if (!*arg) {
			pr_warn("invalid output prefix: empty\n");
			return -EINVAL;
		}
		opts->output_prefix = arg;
		return 0;
	case OPT_VALUE:
		return parse_value_type(arg, &opts->value);
	case 'n': {
		long v;

		if (parse_count(arg, 100000, "top count", &v))
			return -EINVAL;
		opts->top_n = v;
		return 0;
	}
	case 'v':
		opts->verbosity++;
		return 0;
	case OPT_ALLOC_ONLY:
		opts->alloc_only = true;
		return 0;
	case OPT_COUNT_ONLY:
		opts->count_only = true;
		return 0;
	case OPT_WHERE:
		if (opts->where_cnt == WHERE_MAX_ADDRS) {
			pr_warn("too many --where: at most %d\n", WHERE_MAX_ADDRS);
			return -EINVAL;
		}
		if (parse_address(arg, &opts->where[opts->where_cnt])) {
			pr_warn("invalid --where address '%s': expected a number such as 0x55d0c0a012a8\n",
				arg);
			return -EINVAL;
		}
		opts->where_cnt++;
		return 0;
	case OPT_UNWIND: {
		static const char *const modes[] = { [UNWIND_DWARF] = "dwarf",
						     [UNWIND_DWARF_COPY] = "dwarf-copy",
						     [UNWIND_FP] = "fp" };

		if ((k = PARSE_KEYWORD(arg, modes, "unwind mode")) < 0)
			return k;
		opts->unwind = k;
		return 0;
	}
	case OPT_STACK_BYTES: {
		uint64_t v;

		if (parse_size(arg, &v) || v < STACK_CHUNK_SZ || v > MAX_STACK_BYTES) {
			pr_warn("invalid stack size '%s': expected 1K to 64K\n", arg);
			return -EINVAL;
		}
		/* copies are made in whole chunks */
		opts->stack_bytes = (v + STACK_CHUNK_SZ - 1) / STACK_CHUNK_SZ * STACK_CHUNK_SZ;
		return 0;
	}
	case OPT_FAIL_ON_LEAK:
		if (parse_size(arg, &opts->fail_on_leak)) {
			pr_warn("invalid --fail-on-leak '%s': expected bytes, K/M/G suffixes allowed\n", arg);
			return -EINVAL;
		}
		opts->has_fail_on_leak = true;
		return 0;
	case OPT_FAIL_ON_LOSS:
	case OPT_NO_FAIL_ON_LOSS:
		opts->fail_on_loss = opt == OPT_FAIL_ON_LOSS ? CLI_ON : CLI_OFF;
		return 0;
	case OPT_FOLLOW_FORKS:
		opts->follow_forks = true;
		return 0;
	case OPT_LIFETIMES:
		opts->lifetimes = true;
		return 0;
	case OPT_ICICLE:
		opts->icicle = true;
		return 0;
	case OPT_USER:
		opts->run_as_user = arg;
		return 0;
	case OPT_AS_ROOT:
		opts->as_root = true;
		return 0;
	case OPT_MAX_STACKS: {
		long v;

		if (parse_count(arg, 100000000, "--max-stacks", &v))
			return -EINVAL;
		opts->max_stacks = v;
		return 0;
	}
	case OPT_STACK_MEMORY:
		if (parse_size(arg, &opts->stack_memory) || opts->stack_memory < (1 << 20) ||
		    opts->stack_memory > (64ULL << 30)) {
			pr_warn("--stack-memory %s: expected a size from 1M to 64G\n", arg);
			return -EINVAL;
		}
		return 0;
	case OPT_UPROBE_MODE: {
		static const char *const modes[] = { [UPROBE_MODE_AUTO] = "auto",
						     [UPROBE_MODE_SESSION] = "session",
						     [UPROBE_MODE_CLASSIC] = "classic" };

		if ((k = PARSE_KEYWORD(arg, modes, "uprobe mode")) < 0)
			return k;
		opts->uprobe_mode = k;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int parse_test_ringbuf(struct cli_opts *opts)
{
	const char *v = getenv(TEST_RINGBUF_ENV);
	uint64_t sz;

	if (!v)
		return 0;
	if (parse_size(v, &sz) || sz < 4096 || sz > (1U << 30) || (sz & (sz - 1))) {
		pr_warn("invalid %s '%s': expected a power of two from 4K to 1G\n", TEST_RINGBUF_ENV, v);
		return -EINVAL;
	}
	opts->ringbuf_sz = sz;
	return 0;
}

static int parse_bench_probes(struct cli_opts *opts)
{
	const char *v = getenv(BENCH_PROBES_ENV);

	if (!v)
		return 0;
	if (!strcmp(v, "noop1") || !strcmp(v, "noop2"))
		opts->probe_noop = v[4] - '0';
	else if (!strcmp(v, "no-size-classes"))
		opts->no_size_classes = true;
	else {
		pr_warn("invalid %s '%s': expected noop1, noop2 or no-size-classes\n",
			BENCH_PROBES_ENV, v);
		return -EINVAL;
	}
	return 0;
}

/* --count-only keeps counters only: what needs samples, stacks or blocks is refused. */
static int check_count_only(struct cli_opts *opts, bool value_given)
{
	const char *what = opts->has_rate	  ? "-r (it takes no samples)" :
			   value_given		  ? "--value (it has no sites)" :
			   opts->lifetimes	  ? "--lifetimes (it keeps no blocks)" :
			   opts->has_fail_on_leak ? "--fail-on-leak (it keeps no blocks)" :
			   opts->where_cnt	  ? "--where (it keeps no blocks)" : NULL;

	if (!opts->count_only)
		return 0;
	if (what) {
		pr_warn("--count-only counts calls, bytes and size classes only: %s does not apply\n",
			what);
		return -EINVAL;
	}
	opts->unwind = UNWIND_FP; /* no stacks: no unwind tables to compile and load */
	return 0;
}

int cli_parse(int argc, char **argv, struct cli_opts *opts)
{
	int opt, err;

	memset(opts, 0, sizeof(*opts));
	opts->rate = CLI_DEFAULT_RATE;
	opts->value = VALUE_CNT; /* the mode's default, below */
	opts->top_n = 10;
	opts->stack_bytes = CLI_DEFAULT_STACK_BYTES;
	opts->max_stacks = PROFILE_DEFAULT_MAX_STACKS;
	opts->stack_memory = PROFILE_DEFAULT_STACK_MEMORY;

	optind = 1;
	opterr = 0;
	/* "+": options end at the first non-option, so that a COMMAND's own flags stay its own */
	while ((opt = getopt_long(argc, argv, "+:p:r:d:o:n:vh", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			cli_usage(stdout);
			return CLI_EXIT_OK;
		}
		if (opt == OPT_VERSION) {
			printf("memsnoop %s\n", MEMSNOOP_VERSION);
			return CLI_EXIT_OK;
		}
		if (opt == OPT_BASH_COMPLETION)
			return cli_completion_write(stdout) ? -EIO : CLI_EXIT_OK;
		if (opt == '?' || opt == ':')
			return refuse_option(opt, argv);
		err = parse_option(opt, optarg, opts);
		if (err)
			return err;
	}
	if (optind < argc && !strcmp(argv[optind - 1], "--"))
		opts->command = &argv[optind];
	else if (optind < argc) {
		pr_warn("unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (opts->command && (opts->pid_cnt || opts->cgroup_cnt)) {
		pr_warn("give -p PID or --cgroup PATH, or -- COMMAND, not both\n");
		return -EINVAL;
	}
	if (!opts->command && !opts->pid_cnt && !opts->cgroup_cnt) {
		pr_warn("no target: give -p PID, --cgroup PATH or -- COMMAND (see --help)\n");
		return -EINVAL;
	}
	if (opts->until_empty && !opts->cgroup_cnt) {
		pr_warn("--until-empty applies to --cgroup\n");
		return -EINVAL;
	}
	if (opts->group_by == GROUP_BY_DEFAULT)
		opts->group_by = opts->cgroup_cnt ? GROUP_BY_EXE : GROUP_BY_PID;
	if (!opts->command &&
	    (opts->has_fail_on_leak || opts->follow_forks || opts->run_as_user || opts->as_root)) {
		pr_warn("--%s applies to a launched -- COMMAND\n",
			opts->follow_forks ? "follow-forks" :
			opts->run_as_user  ? "user" :
			opts->as_root	   ? "as-root" : "fail-on-leak");
		return -EINVAL;
	}
	if ((opts->push_interval_s || opts->has_push_format || opts->push_service) && !opts->push_url) {
		pr_warn("--push-%s applies to --push URL\n",
			opts->push_interval_s ? "interval" : opts->push_service ? "service" : "format");
		return -EINVAL;
	}
	if (!opts->push_interval_s)
		opts->push_interval_s = CLI_DEFAULT_PUSH_INTERVAL_S;
	if (opts->listen_any && !opts->listen) {
		pr_warn("--listen-any applies to --listen ADDR:PORT\n");
		return -EINVAL;
	}
	if (opts->run_as_user && opts->as_root) {
		pr_warn("give --user USER or --as-root, not both\n");
		return -EINVAL;
	}
	if (check_count_only(opts, opts->value != VALUE_CNT))
		return -EINVAL;
	if (opts->where_cnt && !opts->command) {
		pr_warn("--where applies to a launched -- COMMAND (with --listen, ask: memsnoop where PID ADDR)\n");
		return -EINVAL;
	}
	if (opts->value == VALUE_CNT)
		opts->value = opts->alloc_only ? VALUE_ALLOC_SPACE : VALUE_INUSE_SPACE;
	/*
	 * A leak gate on a launched command counts every allocation unless told otherwise: such a
	 * command is a test-sized run, -r 1 costs it ~2 us per malloc+free pair, and at 512K a
	 * bound under a few MiB cannot be decided at all (see gate.h).
	 */
	if (opts->has_fail_on_leak && !opts->has_rate)
		opts->rate = 1;
	if (opts->has_fail_on_leak && gate__bound_too_small(opts->fail_on_leak, opts->rate))
		pr_warn("--fail-on-leak %llu is below %.1f standard errors at -r %llu: no run can pass it; use -r %llu or -r 1\n",
			(unsigned long long)opts->fail_on_leak, GATE_Z,
			(unsigned long long)opts->rate,
			(unsigned long long)gate__rate_for(opts->fail_on_leak));
	/* a leak gate, or an exact leak report, must not pass on incomplete data */
	if (opts->fail_on_loss == CLI_DEFAULT)
		opts->fail_on_loss = opts->has_fail_on_leak || (opts->command && opts->rate == 1)
					     ? CLI_ON : CLI_OFF;
	if (parse_test_ringbuf(opts) || parse_bench_probes(opts))
		return -EINVAL;
	opts->unwind_oracle = getenv(TEST_ORACLE_ENV) && !strcmp(getenv(TEST_ORACLE_ENV), "1");
	if (opts->alloc_only && !value_type_is_alloc(opts->value)) {
		pr_warn("--value %s needs frees, which --alloc-only does not probe\n",
			value_type_name(opts->value));
		return -EINVAL;
	}
	return CLI_RUN;
}

static const struct option diff_long_opts[] = {
	{ "value", required_argument, NULL, OPT_VALUE },
	{ "top", required_argument, NULL, 'n' },
	{ "fail-above", required_argument, NULL, OPT_FAIL_ABOVE },
	{ "help", no_argument, NULL, 'h' },
	{},
};

int cli_parse_diff(int argc, char **argv, struct diff_cli_opts *opts)
{
	int opt;

	memset(opts, 0, sizeof(*opts));
	opts->value = "inuse_space";
	opts->top_n = 10;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:h", diff_long_opts, NULL)) != -1) {
		long v;

		switch (opt) {
		case 'h':
			cli_usage(stdout);
			return CLI_EXIT_OK;
		case OPT_VALUE: {
			enum value_type type;

			if (parse_value_type(optarg, &type))
				return -EINVAL;
			opts->value = optarg;
			break;
		}
		case 'n':
			if (parse_count(optarg, 100000, "top count", &v))
				return -EINVAL;
			opts->top_n = v;
			break;
		case OPT_FAIL_ABOVE:
			if (parse_size(optarg, &opts->fail_above)) {
				pr_warn("invalid --fail-above '%s': expected a number, K/M/G suffixes allowed\n",
					optarg);
				return -EINVAL;
			}
			opts->has_fail_above = true;
			break;
		default:
			return refuse_option(opt, argv);
		}
	}
	if (argc - optind != 2) {
		pr_warn("diff needs two profiles: memsnoop diff BASE NEW (see --help)\n");
		return -EINVAL;
	}
	opts->base_path = argv[optind];
	opts->new_path = argv[optind + 1];
	return CLI_RUN;
}

const struct option *cli_long_opts(bool diff)
{
	return diff ? diff_long_opts : long_opts;
}

const struct cli_arg_values *cli_arg_values(void)
{
	return arg_values;
}
