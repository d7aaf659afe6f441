// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -p PID[,PID...]: processes running already. Their allocator files are found in what they
 * map, probed for those processes only (other processes pay nothing), and followed through an
 * exec. A signal ends the run.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "allocators.h"
#include "attach.h"
#include "log.h"
#include "session.h"

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

static int prepare(struct session *s)
{
	return targets__open(s->opts.pids, s->opts.pid_cnt, &s->targets) ?:
	       find_allocators(&s->targets, s->objs);
}

static int attach(struct session *s)
{
	for (size_t i = 0; i < s->targets.cnt; i++) {
		pid_t pid = s->targets.list[i].pid;
		int err = probes__attach_pid(s->probes, pid, &s->objs[i]);

		if (err)
			return err;
		if ((err = session__watch_process(s, pid)))
			pr_warn("cannot read the mappings of PID %d: %s\n", (int)pid, strerror(-err));
	}
	return 0;
}

static int start(struct session *s)
{
	fprintf(stderr, "memsnoop: attached to %zu process%s; Ctrl-C to stop\n", s->targets.cnt,
		s->targets.cnt == 1 ? "" : "es");
	return 0;
}

/*
 * From its leader, the probes (bound to that task) still hold; from another thread, that
 * thread now leads the process and the probes went with the old leader: the new image is
 * probed again, or everything after the exec would be silently lost. (A launched program's
 * threads are not traced: ptrace sees no such exec, this event does.)
 */
void pids_mode__reattach_after_exec(struct session *s, pid_t pid, pid_t old_tid)
{
	for (size_t i = 0; i < s->targets.cnt && old_tid != pid; i++) {
		struct alloc_objects found;
		int err;

		if (s->targets.list[i].pid != pid)
			continue;
		/* whatever the new image maps already, and the files probed before (its libc is
		 * likely mapped again, maybe not yet), by their path now: the old image's
		 * /proc/PID/map_files entries went with it */
		err = alloc_objects__find(pid, &found);
		for (size_t o = 0; !err && o < s->objs[i].cnt; o++) {
			char open_path[PATH_MAX];

			snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", (int)pid,
				 s->objs[i].objs[o].path);
			err = alloc_objects__add_file(&found, s->objs[i].objs[o].path, open_path);
		}
		alloc_objects__clear(&s->objs[i]);
		s->objs[i] = found;
		if (err || (err = probes__attach_pid(s->probes, pid, &s->objs[i])))
			pr_warn("PID %d exec'd from thread %d: cannot probe its new image (%s), its allocations are not seen\n",
				(int)pid, (int)old_tid, strerror(-err));
		else
			pr_info("PID %d exec'd from thread %d: probes re-attached to its new leader\n",
				(int)pid, (int)old_tid);
	}
}

const struct target_mode target_mode_pids = {
	.name = "pids",
	.prepare = prepare,
	.attach = attach,
	.start = start,
	.on_exec = pids_mode__reattach_after_exec,
};
