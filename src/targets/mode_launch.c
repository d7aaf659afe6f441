// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -- COMMAND: memsnoop forks the program, holds it before exec while its allocators are
 * probed, and lets it go when the window opens (launch.c's ptrace machine). Its stops are
 * moments it is held: its map is read and the kernel gets its unwind tables before it runs
 * on. The run ends with the program, and memsnoop exits with the program's status.
 *
 * With --follow-forks the processes it forks are kept by the kernel (scope.c's registry, as
 * --cgroup's): its allocator files are probed in every process that maps them, and a child,
 * forked from any thread, joins the scope at the fork before it runs. ptrace holds only the
 * program itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "attach.h"
#include "clock.h"
#include "collect.h"
#include "launch.h"
#include "log.h"
#include "scope.h"
#include "session.h"
#include "table_loader.h"

/* The program exec'd (the exec event, drained here, retired the old image's blocks), or is at
 * its entry point with its libraries mapped: its map is read and the kernel's unwinder learns
 * it while it is held, before the program's own code runs (its constructors' samples came as
 * copies). */
static void held_at_new_image(void *ctx, pid_t pid)
{
	struct session *s = ctx;

	session__drain(s);
	session__watch_held_process(s, pid);
}

/* The program is exiting, its memory map still there: resolve every sample now. */
static void launch_exit_stop(void *ctx, pid_t pid)
{
	struct session *s = ctx;

	/* its memory at exit, the last chance to read it */
	if (pid == s->targets.list[0].pid)
		session__read_target_memory(s, 0, mono_ns() / 1e9 - s->start_s);
	collector__watch_process(s->collector, pid);
	session__drain(s);
	/* the kernel's table of processes is bounded: a program forking many keeps it small */
	if (s->tables)
		table_loader__forget_process(s->tables, pid);
}

/* A followed child before it runs, or a new program's allocators: probed while stopped. */
static void launch_probe(void *ctx, pid_t pid, const struct alloc_objects *objs)
{
	struct session *s = ctx;

	if (s->scope) {
		if (scope__add_files(s->scope, objs) || scope__attach(s->scope, s->probes))
			pr_warn("PID %d, started by the program, is not fully profiled\n", (int)pid);
	} else if (probes__attach_pid(s->probes, pid, objs))
		pr_warn("PID %d, started by the program, is not fully profiled\n", (int)pid);
	session__watch_held_process(s, pid);
}

static int prepare(struct session *s)
{
	const char *name;
	pid_t pid;

	s->report = stderr; /* a launched program owns stdout */
	s->launch = launch__start(s->opts.command, s->opts.follow_forks,
				  s->has_run_as ? &s->run_as : NULL,
				  &(struct launch_hooks){ .ctx = s, .exec = held_at_new_image,
							  .exit_stop = launch_exit_stop,
							  .entry = s->opts.unwind == UNWIND_DWARF ? held_at_new_image : NULL,
							  .probe = launch_probe });
	if (!s->launch)
		return -errno;
	pid = launch__pid(s->launch);
	if (targets__open(&pid, 1, &s->targets))
		return -ESRCH;
	/* not exec'd yet: its name is the command's */
	name = strrchr(s->opts.command[0], '/');
	snprintf(s->targets.list[0].comm, sizeof(s->targets.list[0].comm), "%s",
		 name ? name + 1 : s->opts.command[0]);
	for (size_t i = 0; i < launch__objects(s->launch)->cnt; i++) {
		const struct alloc_object *o = &launch__objects(s->launch)->objs[i];

		if (alloc_objects__add_file(&s->objs[0], o->path, o->open_path))
			return -ENOMEM;
	}
	return alloc_objects__copy_notes(&s->objs[0], launch__objects(s->launch));
}

/* Probed before exec; its map is read at its exec, once it is itself. */
static int attach(struct session *s)
{
	return probes__attach_pid(s->probes, s->targets.list[0].pid, &s->objs[0]);
}

static int start(struct session *s)
{
	fprintf(stderr, "memsnoop: attached; running %s\n", s->opts.command[0]);
	return launch__release(s->launch);
}

/* Its stops are handled as they come; a SIGINT or SIGTERM sent to memsnoop is passed on to
 * it (one from the terminal reached it already). The run ends with the program. */
static bool on_signal(struct session *s, const struct signalfd_siginfo *si)
{
	if (si->ssi_signo == SIGCHLD)
		launch__on_sigchld(s->launch);
	else if (si->ssi_code == SI_USER || si->ssi_code == SI_QUEUE)
		launch__signal(s->launch, si->ssi_signo);
	return false;
}

static void describe(const struct session *s, struct report_info *info)
{
	info->at_exit = s->end == LOOP_END_TARGETS_EXITED;
	info->unfollowed_children = launch__unfollowed_children(s->launch);
}

static int finish(struct session *s)
{
	return exit_status_of(launch__wait(s->launch));
}

static void free_launch(struct session *s)
{
	launch__free(s->launch);
	s->launch = NULL;
	scope__free(s->scope);
	s->scope = NULL;
}

/* --follow-forks: a scope without cgroups, the program its first process. */
static int prepare_following(struct session *s)
{
	int err = prepare(s);

	if (err)
		return err;
	s->scope = scope__open(&(struct scope_opts){ .may_start_empty = true }, &s->targets);
	if (!s->scope)
		return -errno;
	return scope__add_files(s->scope, &s->objs[0]);
}

static void configure_following(const struct session *s, struct probes_opts *opts)
{
	(void)s;
	opts->follow_forks = true;
}

static int attach_following(struct session *s)
{
	int err = scope__attach(s->scope, s->probes);

	if (!err)
		err = probes__add_scope_pid(s->probes, s->targets.list[0].pid);
	scope_mode__follow(s);
	return err;
}

/* The run ends with the program: what it forked may outlive it (a daemon). */
static bool program_gone(struct session *s)
{
	return s->targets.list[0].exited;
}

static void describe_following(const struct session *s, struct report_info *info)
{
	describe(s, info);
	scope_mode__describe(s, info);
	info->scope.forks = true;
	info->unfollowed_children = probes__unfollowed_forks(s->probes);
}

const struct target_mode target_mode_launch = {
	.name = "launch",
	.takes_sigchld = true,
	.prepare = prepare,
	.attach = attach,
	.start = start,
	.on_signal = on_signal,
	.on_exec = pids_mode__reattach_after_exec,
	.describe = describe,
	.finish = finish,
	.free = free_launch,
};

const struct target_mode target_mode_launch_following = {
	.name = "launch --follow-forks",
	.takes_sigchld = true,
	.prepare = prepare_following,
	.configure = configure_following,
	.attach = attach_following,
	.start = start,
	.on_signal = on_signal,
	.before_record = scope_mode__before_record,
	.on_record = scope_mode__on_record,
	.poll = scope_mode__poll,
	.tick = scope_mode__tick,
	.targets_gone = program_gone,
	.files = scope_mode__files,
	.describe = describe_following,
	.finish = finish,
	.free = free_launch,
};
