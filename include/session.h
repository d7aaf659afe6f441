/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A profiling run, from its refusals to its report. The session owns the run's parts (the
 * probes, the ring buffer, the collector and its profile, the outputs) and drives one target
 * mode through a small table of operations: -p, a launched command and --cgroup differ only
 * in how they find their processes, probe them and follow their changes.
 *
 * The order of a run:
 *   session__prepare   every refusal: kernel, users, the mode's targets, outputs, sockets
 *   session__open      probes loaded and attached through the mode, ring buffer, collector
 *   session__run       armed; the loop until a signal, -d or the targets' end; the report
 *   session__close     everything released (also after a failed prepare or open)
 *
 * Record, then interpret: the ring buffer's callback only decodes and records (and reads a
 * process's map while it surely lives). Anything slow an event asks for (probing a new
 * allocator file, loading unwind tables, re-attaching after an exec) is posted as a job and
 * run after the batch, within a time budget, so that the ring buffer keeps draining and a stop
 * is answered whatever a target maps.
 *
 * This header is shared by session/ and the target modes in targets/: they are the session's
 * own modules. Nothing else reaches into struct session.
 */
#ifndef MEMSNOOP_SESSION_H
#define MEMSNOOP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/types.h>
#include "allocators.h"
#include "attach.h"
#include "cli.h"
#include "creds.h"
#include "exit_status.h"
#include "jobs.h"
#include "loop.h"
#include "memview.h"
#include "output.h"
#include "safefile.h"
#include "target.h"

struct session;

/*
 * A target mode. Every operation but prepare, attach and start may be NULL. Operations
 * run on the main thread, never inside the ring buffer's callback except on_record.
 */
struct target_mode {
	const char *name;
	bool takes_sigchld; /* its targets are memsnoop's children */
	/* finds the targets and their allocators; every refusal said in one line */
	int (*prepare)(struct session *s);
	/* what the kernel side needs to know of the mode before it is loaded (--cgroup's cgroups) */
	void (*configure)(const struct session *s, struct probes_opts *opts);
	/* the probes loaded: attaches them and reads the targets' maps */
	int (*attach)(struct session *s);
	/* the window opens: a held program is let go; the line memsnoop prints to say so */
	int (*start)(struct session *s);
	/* a signal memsnoop took: true ends the run (NULL: SIGINT and SIGTERM do) */
	bool (*on_signal)(struct session *s, const struct signalfd_siginfo *si);
	/* in the ring buffer callback, around the collector: before and after it recorded */
	void (*before_record)(struct session *s, const struct event_header *hdr, size_t size);
	void (*on_record)(struct session *s, const struct event_header *hdr, size_t size);
	/* a job: pid exec'd (from thread old_tid), its old image forgotten */
	void (*on_exec)(struct session *s, pid_t pid, pid_t old_tid);
	/* between waits: within how many ms to run again, or -1 */
	int (*poll)(struct session *s);
	void (*tick)(struct session *s);
	/* whether the run's targets are all gone (NULL: every registered target has exited) */
	bool (*targets_gone)(struct session *s);
	/* the allocator files probed, *cnt sets of them: the report's labels and blind spots
	 * (NULL: objs, one set per target) */
	const struct alloc_objects *(*files)(const struct session *s, size_t *cnt);
	/* what the report says of the run's scope */
	void (*describe)(const struct session *s, struct report_info *info);
	/* the run is over, the report written: the exit status it implies (a launched
	 * program's), or -1 */
	int (*finish)(struct session *s);
	void (*free)(struct session *s);
};

extern const struct target_mode target_mode_pids;
extern const struct target_mode target_mode_launch;
extern const struct target_mode target_mode_launch_following;
extern const struct target_mode target_mode_cgroup;

struct session {
	struct cli_opts opts;
	const struct target_mode *mode;
	struct targets targets;
	struct alloc_objects objs[CLI_MAX_PIDS]; /* per -p or launched target */
	struct launch *launch;			 /* the launched command's mode */
	struct scope *scope;			 /* --cgroup's and --follow-forks' */
	struct exit_leaks *exit_leaks;		 /* --cgroup: what exited processes left */
	size_t outsiders;			 /* --cgroup: processes outside mapping a probed file */
	struct safefile_owner owner;		 /* of the files written */
	struct creds run_as;			 /* of the launched command, when has_run_as */
	bool has_run_as;
	struct probes *probes;
	struct profile *profile;
	struct collector *collector;
	struct table_loader *tables; /* --unwind dwarf: the kernel's unwind tables */
	struct jobs *jobs;	     /* slow work events asked for, run after each batch */
	struct ring_buffer *rb;
	struct loop_batch batch;
	int sigfd;
	FILE *report;		 /* stdout, or stderr when a launched program owns stdout */
	double start_s;		 /* CLOCK_MONOTONIC at the start of the window */
	struct live_view *live;	 /* --interval, or NULL */
	bool progress;		 /* no live view, stderr a terminal: a progress line there */
	char cgroup_mount[4096]; /* the cgroup v2 hierarchy's, or "" */
	struct mem_series mem;	 /* the targets' memory, each tick and at the end */
	struct report_target *rtargets;
	struct glibc_arena *glibc[CLI_MAX_PIDS]; /* the first targets' glibc arenas, once found */
	bool glibc_tried[CLI_MAX_PIDS];		 /* looked for in the target's current image */
	struct server *server;			 /* --listen, or NULL */
	struct pusher *pusher;			 /* --push, or NULL */
	uint64_t push_ns;			 /* CLOCK_MONOTONIC of the last push (or the start) */
	int64_t push_wall_ns;			 /* the same on the wall clock */
	struct stack_values *push_base;		 /* every stack's values at the last push */
	size_t push_base_cnt;
	enum loop_end end; /* why the loop ended */
};


/* Every refusal, before anything is attached: 0 or a negative errno (said). */
int session__prepare(struct session *s);
/* Probes, ring buffer, collector; the mode attaches. 0 or a negative errno (said). */
int session__open(struct session *s);
/* The run and its report; the exit status. */
int session__run(struct session *s, int argc, char **argv);
void session__close(struct session *s);

/* session/watch.c: reads pid's address space now, and gives the in-kernel unwinder its layout
 * and tables (a job: they may take long). 0 or a negative errno. */
int session__watch_process(struct session *s, pid_t pid);
/* The same, the tables loaded at once: pid is held (a launched program's stops) and must not
 * run its own code before the kernel can walk it. */
int session__watch_held_process(struct session *s, pid_t pid);
/* The unwind tables queued so far, compiled and in the kernel (bounded in time). */
void session__settle_tables(struct session *s);
/* pid has exited and its events are handled: its state goes. */
void session__release_process(struct session *s, pid_t pid);
/* The same, and with s->exit_leaks its unfreed blocks leave "in use" for its program's leak
 * at exit. */
void session__process_exited(struct session *s, pid_t pid);
/* Drains the ring buffer whole, then runs the jobs that asked for (unbounded: a stop of a
 * launched program waits for it). */
void session__drain(struct session *s);
/* After each batch (a loop hook): the jobs queued, within a budget. */
void session__run_jobs(void *ctx);
/* The collector, the jobs and the ring buffer whose callback records through the mode. */
int session__open_recording(struct session *s);

/* session/readings.c: every live target's memory now, into the series (the first ones). */
void session__sample_memory(struct session *s, double t_s);
void session__read_target_memory(struct session *s, size_t i, double t_s);

/* session/figures.c: the exact counters and every loss so far; the processes, the scope. */
void session__read_figures(const struct session *s, struct report_info *info);
void session__fill_targets(struct session *s, struct report_info *info);
/* The end of the run's figures (with -v's lines on the way), the labels and blind spots. */
void session__fill_report(struct session *s, struct report_info *info);
/* -v: memsnoop's own cost, by itself. */
void session__report_own_usage(void);

/* session/views.c: the profile as people read it (grouped by --group-by); free it with
 * session__free_view(). */
struct profile *session__shown_profile(struct session *s);
void session__free_view(struct session *s, struct profile *p);
/* The folded file and the flame graph: under --group-by pid, a root frame per program (its
 * build ID too when two share a name); else shown itself. Free with session__free_view(). */
struct profile *session__drawn_profile(struct session *s, struct profile *shown);

/* session/tick.c */
double session__tick_period(const struct session *s);
int session__open_live_view(struct session *s);
void session__on_tick(void *ctx);

/* session/serving.c: --listen and --push */
int session__open_server(struct session *s);
int session__open_pusher(struct session *s);
void session__push_profile(struct session *s);
/* --where ADDR...: the launched program's blocks live at its exit, on the report. */
void session__answer_where_at_exit(struct session *s, uint64_t end_ns);
void session__serve_requests(void *ctx);
int session__serve_timeout_ms(void *ctx);

/* session/outputs.c: -o PREFIX refused before attaching when it cannot be written. */
int session__check_outputs(const char *prefix);
struct output_ctx {
	const struct profile *profile;	   /* as people read it: grouped by --group-by */
	const struct profile *per_process; /* each process's stacks apart: pprof, lifetimes */
	const struct profile *drawn;	   /* folded, SVG: processes apart as root frames */
	const struct report_info *info;
	const struct pprof_info *pinfo;
	bool icicle;		   /* the SVG grows down */
	struct out_files *written; /* the files committed, said at the end */
};
/* The report on report, every -o file; 0 or the last error. */
int session__write_outputs(const struct output_ctx *c, const char *prefix,
			   const struct safefile_owner *owner, FILE *report);
/* "memory t=1.0s pid=42 rss=..." comments of the readings, *cnt of them; free each. */
char **session__memory_comments(const struct mem_series *mem, size_t *cnt);
char *session__command_line(int argc, char **argv);

/* targets/mode_pids.c: a -p or launched target exec'd from thread old_tid (a job): its new
 * image probed again when the probes went with the old leader. */
void pids_mode__reattach_after_exec(struct session *s, pid_t pid, pid_t old_tid);

/* targets/mode_cgroup.c: the operations of a mode whose scope the kernel keeps (--cgroup, a
 * launched command with --follow-forks), on s->scope. scope_mode__follow, once attached:
 * the registry's changes reach the session, the outsiders are counted. */
void scope_mode__follow(struct session *s);
void scope_mode__before_record(struct session *s, const struct event_header *hdr, size_t size);
void scope_mode__on_record(struct session *s, const struct event_header *hdr, size_t size);
int scope_mode__poll(struct session *s);
void scope_mode__tick(struct session *s);
const struct alloc_objects *scope_mode__files(const struct session *s, size_t *cnt);
void scope_mode__describe(const struct session *s, struct report_info *info);

/* session/users.c: whose files memsnoop writes, whose rights a launched command has. */
int session__choose_users(struct session *s);

#endif /* MEMSNOOP_SESSION_H */
