// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --cgroup PATH (with -p PIDs or not): every process of cgroup v2 subtrees, at attach and
 * started later (scope.c keeps the registry from the kernel's fork, exec and exit events).
 * Allocator files are probed once each, for every process mapping them; the BPF programs
 * keep the scope's processes. Probing a file an exec brings is a job, run after the batch.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include "attach.h"
#include "log.h"
#include "scope.h"
#include "session.h"

static int prepare(struct session *s)
{
	int err = targets__open(s->opts.pids, s->opts.pid_cnt, &s->targets);

	if (err)
		return err;
	s->scope = scope__open(&(struct scope_opts){ s->opts.cgroups, s->opts.cgroup_cnt,
						     s->opts.until_empty || s->opts.duration_s > 0 },
			       &s->targets);
	if (!s->scope)
		return -errno;
	s->exit_leaks = exit_leaks__new();
	if (!s->exit_leaks)
		return -ENOMEM;
	return scope__find_files(s->scope);
}

static void configure(const struct session *s, struct probes_opts *opts)
{
	size_t cnt = 0;

	opts->cgroup_slots = scope__cgroup_slots(s->scope, &cnt);
	opts->cgroup_paths = scope__cgroup_names(s->scope, &cnt);
	opts->cgroup_cnt = cnt;
}

/* The registry's changes, as the scope sees them. */
static void process_new(void *ctx, pid_t pid)
{
	session__watch_process(ctx, pid);
}

static void process_gone(void *ctx, pid_t pid)
{
	session__process_exited(ctx, pid);
}

static void read_exec_job(void *ctx, pid_t pid, uint64_t exec_ns)
{
	struct session *s = ctx;

	scope__read_exec(s->scope, pid, exec_ns);
}

static void exec_seen(void *ctx, pid_t pid, uint64_t exec_ns)
{
	struct session *s = ctx;

	jobs__post(s->jobs, read_exec_job, pid, exec_ns);
}

void scope_mode__follow(struct session *s)
{
	scope__set_hooks(s->scope, &(struct scope_hooks){ s, process_new, process_gone, exec_seen });
	s->outsiders = scope__count_outsiders(s->scope);
}

/* Every allocator file probed in every process, the -p ones kept too. */
static int attach(struct session *s)
{
	int err = scope__attach(s->scope, s->probes);

	for (size_t i = 0; !err && i < s->targets.cnt; i++) {
		const struct target *t = &s->targets.list[i];

		if (t->pidfd >= 0)
			err = probes__add_scope_pid(s->probes, t->pid);
		if (!err && session__watch_process(s, t->pid))
			pr_info("cannot read the mappings of PID %d\n", (int)t->pid);
	}
	scope_mode__follow(s);
	return err;
}

static int start(struct session *s)
{
	fprintf(stderr, "memsnoop: attached to %zu process%s and to what starts in the cgroup; Ctrl-C to stop\n",
		s->targets.cnt, s->targets.cnt == 1 ? "" : "es");
	return 0;
}

/* The profile's events, then the registry's (after the collector forgot an exec'd process's
 * old image, the scope reads its new one). */
void scope_mode__before_record(struct session *s, const struct event_header *hdr, size_t size)
{
	(void)size;
	if (hdr->type != EV_EXEC && hdr->type != EV_FREE)
		scope__before_sample(s->scope, hdr->tgid);
}

void scope_mode__on_record(struct session *s, const struct event_header *hdr, size_t size)
{
	scope__on_event(s->scope, hdr, size);
}

int scope_mode__poll(struct session *s)
{
	return scope__poll(s->scope);
}

void scope_mode__tick(struct session *s)
{
	scope__tick(s->scope);
}

static bool targets_gone(struct session *s)
{
	return s->opts.until_empty && scope__empty(s->scope);
}

const struct alloc_objects *scope_mode__files(const struct session *s, size_t *cnt)
{
	*cnt = 1;
	return scope__files(s->scope);
}

void scope_mode__describe(const struct session *s, struct report_info *info)
{
	info->scope.cgroups = scope__cgroup_names(s->scope, &info->scope.cgroup_cnt);
	info->scope.started = s->targets.started_cnt;
	info->scope.exited = s->targets.exited_cnt;
	info->scope.outsiders = s->outsiders;
	info->scope.changes = scope__cgroup_changes(s->scope, s->start_s);
	if (s->exit_leaks)
		info->exit_leaks = exit_leaks__sorted(s->exit_leaks, &info->exit_leak_cnt);
}

static void free_scope(struct session *s)
{
	scope__free(s->scope);
	s->scope = NULL;
	exit_leaks__free(s->exit_leaks);
	s->exit_leaks = NULL;
}

const struct target_mode target_mode_cgroup = {
	.name = "cgroup",
	.prepare = prepare,
	.configure = configure,
	.attach = attach,
	.start = start,
	.before_record = scope_mode__before_record,
	.on_record = scope_mode__on_record,
	.poll = scope_mode__poll,
	.tick = scope_mode__tick,
	.targets_gone = targets_gone,
	.files = scope_mode__files,
	.describe = scope_mode__describe,
	.free = free_scope,
};
