// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A process's state as the run follows it: its address space read while it surely lives
 * (in the ring buffer callback when an event says so: reading a map is recording), its
 * unwind tables loaded into the kernel (a job: compiling a file's CFI takes milliseconds to
 * seconds), released once it has exited and its events are drained.
 */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "collect.h"
#include "log.h"
#include "session.h"
#include "table_loader.h"

/* Budget of the jobs after one batch: a stop is still answered within half a second. */
#define JOBS_BUDGET_NS (50 * 1000 * 1000ULL)

static void load_tables(struct session *s, pid_t pid)
{
	int err;

	if (!s->tables)
		return;
	err = table_loader__load_process(s->tables, collector__addrspaces(s->collector), pid);
	if (err)
		pr_warn("PID %d: cannot load its unwind tables (%s): its stacks come as copies, unwound in user space\n", (int)pid,
			strerror(-err));
}

static void load_tables_job(void *ctx, pid_t pid, uint64_t arg)
{
	struct session *s = ctx;

	(void)arg;
	/* gone meanwhile: its release came first, nothing is left to load for */
	if (targets__find(&s->targets, pid))
		load_tables(s, pid);
}

int session__watch_process(struct session *s, pid_t pid)
{
	int err = collector__watch_process(s->collector, pid);

	if (!err && s->tables)
		jobs__post(s->jobs, load_tables_job, pid, 0);
	return err;
}

int session__watch_held_process(struct session *s, pid_t pid)
{
	int err = collector__watch_process(s->collector, pid);

	if (!err) {
		load_tables(s, pid);
		session__settle_tables(s);
	}
	return err;
}

void session__release_process(struct session *s, pid_t pid)
{
	collector__release_process(s->collector, pid);
	if (s->tables)
		table_loader__forget_process(s->tables, pid);
}

void session__process_exited(struct session *s, pid_t pid)
{
	const struct target *t = targets__lookup(&s->targets, pid);
	struct exit_leak leak;

	if (s->exit_leaks) {
		collector__retire_process(s->collector, pid, &leak);
		if (exit_leaks__add(s->exit_leaks, t && t->comm[0] ? t->comm : "[unknown]", &leak))
			pr_warn("out of memory: the leak at exit of PID %d is not counted\n", (int)pid);
	}
	session__release_process(s, pid);
}

/* The tables queued so far published, before a held process runs (a bound: compiling is
 * bounded in time per file, but a loaded machine can stretch it). */
void session__settle_tables(struct session *s)
{
	if (s->tables)
		table_loader__settle(s->tables, collector__addrspaces(s->collector), 30000);
}

static void exec_job(void *ctx, pid_t pid, uint64_t old_tid)
{
	struct session *s = ctx;

	s->mode->on_exec(s, pid, (pid_t)old_tid);
}

static void exec_seen(void *ctx, pid_t pid, pid_t old_tid)
{
	struct session *s = ctx;

	if (s->mode->on_exec)
		jobs__post(s->jobs, exec_job, pid, (uint64_t)old_tid);
}

/* The ring buffer's callback: the mode's bookkeeping around the collector's recording. */
static int record(void *ctx, void *data, size_t size)
{
	const struct event_header *hdr = data;
	struct session *s = ctx;
	bool whole = size >= sizeof(*hdr);

	if (whole && s->mode->before_record)
		s->mode->before_record(s, hdr, size);
	collector__handle_event(s->collector, data, size);
	if (whole && s->mode->on_record)
		s->mode->on_record(s, hdr, size);
	return 0;
}

void session__run_jobs(void *ctx)
{
	struct session *s = ctx;

	jobs__run(s->jobs, JOBS_BUDGET_NS);
	/* the tables the kernel's walker asked for, compiled meanwhile by the loader's worker */
	if (s->tables)
		table_loader__poll(s->tables, collector__addrspaces(s->collector));
}

void session__drain(struct session *s)
{
	ring_buffer__consume(s->rb);
	jobs__run(s->jobs, 0);
}

int session__open_recording(struct session *s)
{
	bool several = s->targets.cnt > 1 || s->scope;

	s->collector = collector__new(&(struct collector_opts){
					      .split_pids = several,
					      .on_exec = exec_seen,
					      .hook_ctx = s },
				      s->profile);
	s->jobs = jobs__new(s);
	if (!s->collector || !s->jobs)
		return -ENOMEM;
	s->batch = (struct loop_batch){ .cb = record, .ctx = s };
	s->rb = ring_buffer__new(probes__ringbuf_fd(s->probes), loop_batch_sample, &s->batch, NULL);
	if (!s->rb) {
		pr_warn("cannot open the ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}
