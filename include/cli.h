/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The command line, parsed and checked; nothing here touches the system. */
#ifndef MEMSNOOP_CLI_H
#define MEMSNOOP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "attach.h"
#include "profile.h"
#include "pusher.h"
#include "where.h"

#define CLI_MAX_PIDS 64
#define CLI_DEFAULT_RATE (512 * 1024)
#define CLI_MAX_RATE (1ULL << 40)
#define CLI_DEFAULT_STACK_BYTES (16 * 1024)

/* A switch whose default depends on other options. */
enum cli_switch {
	CLI_DEFAULT,
	CLI_ON,
	CLI_OFF,
};

/* How the human outputs keep the stacks of several processes apart. */
enum group_by {
	GROUP_BY_DEFAULT, /* exe with --cgroup, else pid */
	GROUP_BY_PID,	  /* the report's sites labelled with their PID; pprof always is */
	GROUP_BY_EXE,	  /* one root frame per program: 200 workers read as one site */
	GROUP_BY_CGROUP,  /* one root frame per cgroup */
	GROUP_BY_NONE,	  /* merged */
};

struct cli_opts {
	pid_t pids[CLI_MAX_PIDS];
	size_t pid_cnt;
	const char *cgroups[CGROUP_TARGETS_MAX]; /* --cgroup paths, as given */
	size_t cgroup_cnt;
	bool until_empty;	   /* --cgroup: stop when no process is left */
	enum group_by group_by;	   /* resolved: never GROUP_BY_DEFAULT after parsing */
	uint64_t rate;		   /* mean sampling interval in bytes; 1 = every allocation */
	bool has_rate;		   /* -r given: a --fail-on-leak gate keeps it */
	double duration_s;	   /* 0 = until Ctrl-C or every target exits */
	const char *output_prefix; /* NULL = no files */
	enum value_type value;
	unsigned top_n;
	size_t max_stacks;	   /* unique stacks kept (0: no cap); past it: [stack table full] */
	uint64_t stack_memory;	   /* bytes the stack table may take; past it: the same */
	int verbosity;
	bool alloc_only;	   /* free not probed: half the traps, no in-use figures */
	enum uprobe_mode uprobe_mode;
	enum unwind_mode unwind;   /* DWARF in the kernel by default */
	uint32_t stack_bytes;	   /* stack copied per sample for DWARF unwinding */
	char **command;		   /* -- COMMAND [ARGS...]: launched and profiled, or NULL */
	bool follow_forks;	   /* also profile the processes it forks */
	const char *run_as_user;   /* --user: the command runs as this user */
	bool as_root;		   /* --as-root: the command keeps memsnoop's root under sudo */
	bool lifetimes;		   /* lifetime histograms in the text report */
	bool has_fail_on_leak;
	uint64_t fail_on_leak;	   /* exit 3 when more bytes than this are leaked */
	bool icicle;		   /* PREFIX.svg with the root at the top */
	bool has_interval;	   /* --interval given; else the live view's default applies */
	double interval_s;	   /* live view period; 0 = no live view */
	const char *listen;	   /* --listen ADDR:PORT, or NULL */
	bool listen_any;	   /* --listen-any: a non-loopback address is allowed */
	const char *push_url;	   /* --push URL, or NULL */
	double push_interval_s;	   /* --push-interval */
	enum push_format push_format; /* --push-format */
	bool has_push_format;
	const char *push_service;  /* --push-service: service_name, or NULL: the first target's */
	enum cli_switch fail_on_loss; /* exit 4 when events were lost; ON or OFF once parsed */
	uint32_t ringbuf_sz;	   /* test-only (environment): ring buffer bytes, 0 = by rate */
	bool unwind_oracle;	   /* test-only (environment): compare kernel and libdw stacks */
	bool count_only;	   /* exact counters and size classes only: no samples, no stacks */
	uint64_t where[WHERE_MAX_ADDRS]; /* --where ADDR: answered at a launched program's exit */
	size_t where_cnt;
	uint32_t probe_noop;	   /* bench-only (environment): the trap floor, 1 or 2 traps */
	bool no_size_classes;	   /* bench-only (environment): size classes not counted */
};

#define CLI_DEFAULT_PUSH_INTERVAL_S 60.0

/* The live view's period when --interval is not given and the report goes to a terminal. */
#define CLI_TERMINAL_INTERVAL_S 5.0

/* memsnoop diff BASE NEW [--value TYPE] [-n N] [--fail-above N] */
struct diff_cli_opts {
	const char *base_path, *new_path;
	const char *value; /* a sample type name */
	unsigned top_n;
	bool has_fail_above;
	uint64_t fail_above; /* in the value's unit */
};

enum cli_result {
	CLI_RUN = 0,
	CLI_EXIT_OK = 1, /* --help printed */
};

/* Returns CLI_RUN, CLI_EXIT_OK, or -EINVAL after saying what is wrong on stderr. */
int cli_parse(int argc, char **argv, struct cli_opts *opts);
void cli_usage(FILE *f);

/* An option's argument: words, or "@pids", "@files", "@dirs", "@users". */
struct cli_arg_values {
	const char *option; /* long name */
	const char *values;
};

struct option;
/* The option tables the parsers use: memsnoop's, or diff's; ended by a zero entry. */
const struct option *cli_long_opts(bool diff);
const struct cli_arg_values *cli_arg_values(void);
/* The bash completion, made from those tables. 0 or -EIO. */
int cli_completion_write(FILE *f);

/* argv[0] is "diff". Returns CLI_RUN, CLI_EXIT_OK, or -EINVAL after saying why on stderr. */
int cli_parse_diff(int argc, char **argv, struct diff_cli_opts *opts);

/* cli/diff_cmd.c: memsnoop diff ARGS... (argv[0] is "diff"): reads both profiles, prints the
 * comparison, gates on --fail-above; the exit status. */
int diff_command(int argc, char **argv);

#endif /* MEMSNOOP_CLI_H */
