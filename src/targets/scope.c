// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "array.h"
#include "cgroup.h"
#include "clock.h"
#include "hashmap.h"
#include "log.h"
#include "procmaps.h"
#include "scope.h"

#define SCOPE_WATCH_NS (50 * 1000000ULL) /* how long an exec'd process is watched for its libs */

/* Processes that exec'd, with the time of the exec: their new files are read soon after. */
struct pending {
	pid_t *pids;
	uint64_t *exec_ns;
	size_t cnt, cap;
};

struct scope {
	struct cgroup_target cgroups[CGROUP_TARGETS_MAX];
	struct cgroup_slot slots[CGROUP_TARGETS_MAX];
	const char *names[CGROUP_TARGETS_MAX];
	uint64_t removed_ns[CGROUP_TARGETS_MAX], back_ns[CGROUP_TARGETS_MAX]; /* the last */
	struct report_cgroup_changes changes[CGROUP_TARGETS_MAX];
	size_t cgroup_cnt;
	struct targets *targets;
	struct hashmap *seen;	    /* (device, inode) of every file read */
	struct hashmap *fresh;	    /* pids that exec'd and sent no sample since */
	struct alloc_objects files; /* the allocator files among them */
	size_t attached;	    /* files.objs[0, attached) are probed */
	struct pending exec_recent; /* read once more at the next tick: loaders map late */
	struct pending watching;    /* exec'd and mapping no allocator yet: read every ms */
	struct scope_hooks hooks;
	struct probes *probes;	    /* once attached */
};

static int pending_add(struct pending *p, pid_t pid, uint64_t ns)
{
	size_t ns_cap = p->cap;

	/* two arrays of one capacity: p->cap grows last, once both have room */
	if (grow_array((void **)&p->exec_ns, &ns_cap, p->cnt + 1, sizeof(*p->exec_ns)) ||
	    grow_array((void **)&p->pids, &p->cap, p->cnt + 1, sizeof(*p->pids)))
		return -ENOMEM;
	p->pids[p->cnt] = pid;
	p->exec_ns[p->cnt++] = ns;
	return 0;
}

static void pending_free(struct pending *p)
{
	free(p->pids);
	free(p->exec_ns);
}

/* The processes of every cgroup now (memsnoop itself left out), appended to *pids. */
static int list_pids(const struct scope *s, pid_t **pids, size_t *cnt)
{
	int err = 0;

	for (size_t i = 0; i < s->cgroup_cnt && !err; i++)
		err = cgroup_target__pids(&s->cgroups[i], pids, cnt);
	for (size_t i = 0; i < *cnt; i++)
		if ((*pids)[i] == getpid())
			(*pids)[i--] = (*pids)[--*cnt];
	return err;
}

/* The depth of a cgroup in the hierarchy: "/" 0, "/a" 1, "/a/b" 2. */
static uint32_t level_of(const char *name)
{
	uint32_t level = 0;

	for (const char *p = name; *p; p++)
		level += *p == '/' && p[1];
	return level;
}

struct scope *scope__open(const struct scope_opts *opts, struct targets *targets)
{
	struct scope *s = calloc(1, sizeof(*s));
	pid_t *pids = NULL;
	size_t cnt = 0;
	int err = 0;

	if (!s)
		return NULL;
	s->targets = targets;
	s->seen = hashmap__new(sizeof(char));
	s->fresh = hashmap__new(sizeof(char));
	if (!s->seen || !s->fresh)
		err = -ENOMEM;
	for (size_t i = 0; i < opts->cgroup_cnt && !err; i++) {
		err = cgroup_target__open(opts->cgroup_args[i], &s->cgroups[i]);
		if (err)
			break;
		s->slots[i] = (struct cgroup_slot){ .id = s->cgroups[i].id,
						     .level = level_of(s->cgroups[i].name) };
		s->names[i] = s->cgroups[i].name;
		s->cgroup_cnt++;
	}
	if (!err)
		err = list_pids(s, &pids, &cnt);
	if (!err && !cnt && !opts->may_start_empty) {
		pr_warn("--cgroup %s: no process in it (--until-empty or --duration waits for some)\n",
			opts->cgroup_args[0]);
		err = -ENOENT;
	}
	for (size_t i = 0; i < cnt && !err; i++)
		err = targets__add(targets, pids[i], false);
	free(pids);
	if (err) {
		scope__free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

void scope__free(struct scope *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->cgroup_cnt; i++)
		cgroup_target__close(&s->cgroups[i]);
	hashmap__free(s->seen);
	hashmap__free(s->fresh);
	alloc_objects__clear(&s->files);
	pending_free(&s->exec_recent);
	pending_free(&s->watching);
	free(s);
}

const struct cgroup_slot *scope__cgroup_slots(const struct scope *s, size_t *cnt)
{
	*cnt = s->cgroup_cnt;
	return s->slots;
}

const struct report_cgroup_changes *scope__cgroup_changes(struct scope *s, double start_s)
{
	for (size_t i = 0; i < s->cgroup_cnt; i++) {
		s->changes[i].last_removed_s = s->removed_ns[i] / 1e9 - start_s;
		s->changes[i].last_back_s = s->back_ns[i] / 1e9 - start_s;
	}
	return s->changes;
}

const char *const *scope__cgroup_names(const struct scope *s, size_t *cnt)
{
	*cnt = s->cgroup_cnt;
	return s->names;
}

const struct alloc_objects *scope__files(const struct scope *s)
{
	return &s->files;
}

void scope__set_hooks(struct scope *s, const struct scope_hooks *hooks)
{
	s->hooks = *hooks;
}

/* New allocator files of pid, read; a process gone meanwhile has nothing to add. */
static void scan_process(struct scope *s, pid_t pid)
{
	int err = alloc_objects__scan(pid, s->seen, &s->files);

	if (err < 0 && err != -ESRCH && err != -ENOENT)
		pr_warn("PID %d: cannot read its mappings: %s\n", (int)pid, strerror(-err));
}

int scope__find_files(struct scope *s)
{
	for (size_t i = 0; i < s->targets->cnt; i++)
		if (!s->targets->list[i].exited)
			scan_process(s, s->targets->list[i].pid);
	/* an empty cgroup: its programs will most likely map the libc memsnoop maps */
	if (!s->files.cnt)
		scan_process(s, getpid());
	if (!s->files.cnt) {
		pr_warn("no allocator found in the processes of the cgroup (none of malloc, free, operator new, ... is defined in what they map)\n");
		return -ENOENT;
	}
	return 0;
}

int scope__add_files(struct scope *s, const struct alloc_objects *objs)
{
	for (size_t i = 0; i < objs->cnt; i++) {
		const struct alloc_object *o = &objs->objs[i];
		uint64_t key[2] = { o->dev, o->ino };
		bool created;

		/* read already through a process's map: under another name, the same file */
		if (!hashmap__upsert(s->seen, key, sizeof(key), &created))
			return -ENOMEM;
		if (created && alloc_objects__add_file(&s->files, o->path, o->open_path))
			return -ENOMEM;
	}
	return 0;
}

int scope__attach(struct scope *s, struct probes *probes)
{
	s->probes = probes;
	for (; s->attached < s->files.cnt; s->attached++) {
		int err = probes__attach_file(probes, &s->files.objs[s->attached]);

		if (err)
			return err;
		pr_info("probed %s (%s, inode %llu) in every process that maps it\n",
			s->files.objs[s->attached].path,
			alloc_family_name(s->files.objs[s->attached].family),
			(unsigned long long)s->files.objs[s->attached].ino);
	}
	return 0;
}

static bool in_cgroups(const struct scope *s, const char *name)
{
	for (size_t i = 0; i < s->cgroup_cnt; i++)
		if (cgroup_target__holds(&s->cgroups[i], name))
			return true;
	return false;
}

/* Adds pid's mappings of probed files to per-file counts (once per file: seen[] is scratch);
 * true when it maps any. */
static bool count_mappings(const struct scope *s, pid_t pid, bool inside, size_t *in, size_t *out,
			   bool *seen)
{
	struct procmaps pm;
	bool any = false;

	if (procmaps__read(pid, &pm))
		return false;
	memset(seen, 0, s->files.cnt * sizeof(*seen));
	for (size_t m = 0; m < pm.cnt; m++) {
		for (size_t f = 0; f < s->files.cnt; f++) {
			const struct alloc_object *o = &s->files.objs[f];

			if (seen[f] || pm.maps[m].dev != o->dev || pm.maps[m].inode != o->ino)
				continue;
			seen[f] = any = true;
			(inside ? in : out)[f]++;
		}
	}
	procmaps__clear(&pm);
	return any;
}

size_t scope__count_outsiders(struct scope *s)
{
	size_t *in = calloc(s->files.cnt + 1, sizeof(*in)), *out = calloc(s->files.cnt + 1, sizeof(*out));
	bool *seen = calloc(s->files.cnt + 1, sizeof(*seen));
	DIR *d = in && out && seen ? opendir("/proc") : NULL;
	size_t outsiders = 0;
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char name[4096];
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		bool inside;

		pid = atoi(de->d_name);
		if (pid == getpid() || cgroup_of_pid(pid, name, sizeof(name)))
			continue;
		inside = in_cgroups(s, name) || targets__find(s->targets, pid);

		if (count_mappings(s, pid, inside, in, out, seen) && !inside)
			outsiders++;
	}
	if (d)
		closedir(d);
	for (size_t f = 0; d && f < s->files.cnt; f++)
		pr_info("probed %s: mapped by %zu process%s profiled and %zu outside the cgroup (they trap on each call, and are not counted)\n",
			s->files.objs[f].path, in[f], in[f] == 1 ? "" : "es", out[f]);
	free(in);
	free(out);
	free(seen);
	return outsiders;
}

void scope__before_sample(struct scope *s, pid_t pid)
{
	/* its first sample: its loader has mapped its libraries, which the exec's reading of
	 * its map came too early to see */
	if (hashmap__delete(s->fresh, &pid, sizeof(pid), NULL) && s->hooks.process_new)
		s->hooks.process_new(s->hooks.ctx, pid);
}

/* True when pid maps an allocator file found already (probed, or about to be). */
static bool maps_allocator(const struct scope *s, pid_t pid)
{
	struct procmaps pm;
	bool found = false;

	if (procmaps__read(pid, &pm))
		return true; /* gone: nothing to wait for */
	for (size_t m = 0; m < pm.cnt && !found; m++)
		for (size_t f = 0; f < s->files.cnt && !found; f++)
			found = pm.maps[m].dev == s->files.objs[f].dev &&
				pm.maps[m].inode == s->files.objs[f].ino;
	procmaps__clear(&pm);
	return found;
}

/* What a process that exec'd maps now: new allocator files probed (said with the delay since
 * its exec), and, the first time, its address space read. */
static void read_exec(struct scope *s, pid_t pid, uint64_t exec_ns, bool first)
{
	size_t before = s->files.cnt;

	pr_debug("PID %d exec'd %.2f ms ago: reading its map\n", (int)pid, (mono_ns() - exec_ns) / 1e6);
	scan_process(s, pid);
	if (s->files.cnt > before && s->probes && !scope__attach(s, s->probes))
		pr_info("PID %d exec'd a program with a new allocator file: probed %.1f ms after its exec\n",
			(int)pid, (mono_ns() - exec_ns) / 1e6);
	if (first && s->hooks.process_new)
		s->hooks.process_new(s->hooks.ctx, pid);
}

void scope__read_exec(struct scope *s, pid_t pid, uint64_t exec_ns)
{
	read_exec(s, pid, exec_ns, true);
}

int scope__poll(struct scope *s)
{
	uint64_t now = mono_ns();
	size_t kept = 0;

	/* a program with allocator files of its own (a container's libc) maps them within
	 * milliseconds of its exec: read until it does, so that they are probed before its own
	 * code runs much, rather than at the next tick */
	for (size_t i = 0; i < s->watching.cnt; i++) {
		pid_t pid = s->watching.pids[i];
		uint64_t exec_ns = s->watching.exec_ns[i];

		read_exec(s, pid, exec_ns, false);
		if (now - exec_ns > SCOPE_WATCH_NS || maps_allocator(s, pid)) {
			if (s->hooks.process_new)
				s->hooks.process_new(s->hooks.ctx, pid);
			continue;
		}
		s->watching.pids[kept] = pid;
		s->watching.exec_ns[kept++] = exec_ns;
	}
	s->watching.cnt = kept;
	return kept ? 1 : -1;
}

/* The name the kernel gave with the event: right even when the process is gone already. */
static void name_target(struct scope *s, pid_t pid, const struct task_event *ev)
{
	struct target *t = targets__find(s->targets, pid);

	if (t && ev->comm[0]) {
		memcpy(t->comm, ev->comm, sizeof(t->comm) - 1);
		t->comm[sizeof(t->comm) - 1] = '\0';
	}
}

/* Its exit event read, or found gone without one: once per process, whichever comes first
 * (an exit event read after the process was found gone, or of a process never registered,
 * retires nothing: its blocks would be counted as leaked twice). */
static void process_exited(struct scope *s, pid_t pid, uint64_t exit_ns)
{
	if (!targets__find(s->targets, pid))
		return;
	hashmap__delete(s->fresh, &pid, sizeof(pid), NULL);
	targets__exited(s->targets, pid, exit_ns);
	if (s->hooks.process_gone)
		s->hooks.process_gone(s->hooks.ctx, pid);
}

/* An event of a process that has exited already (its exit read first, from another CPU, or
 * found gone at a tick while the ring buffer was behind): registering it again would count a
 * phantom process that started after it ended. */
static bool gone_before(const struct scope *s, pid_t pid, uint64_t ts_ns)
{
	const struct target *prev = targets__lookup(s->targets, pid);

	return prev && prev->exited && prev->exit_ns >= ts_ns;
}

/* The kernel profiles a cgroup made again already; its directory is opened again here, so
 * that its processes are listed (and a removed one holds none). */
static void cgroup_changed(struct scope *s, const struct cgroup_event *ev)
{
	struct cgroup_target *cg = &s->cgroups[ev->index];

	if (ev->index >= s->cgroup_cnt)
		return;
	if (!ev->id) {
		s->changes[ev->index].removed++;
		s->removed_ns[ev->index] = ev->hdr.ts_ns;
		pr_info("cgroup %s removed: what is made again at its path is profiled\n", cg->name);
		return;
	}
	s->changes[ev->index].back++;
	s->back_ns[ev->index] = ev->hdr.ts_ns;
	if (cgroup_target__reopen(cg))
		pr_warn("cgroup %s made again, but cannot be opened: its processes are profiled, not listed\n",
			cg->name);
	else
		pr_info("cgroup %s made again (id %llu): profiled from its first process\n", cg->name,
			(unsigned long long)ev->id);
}

void scope__on_event(struct scope *s, const struct event_header *hdr, size_t size)
{
	const void *data = hdr;

	pid_t pid = hdr->tgid;

	switch (hdr->type) {
	case EV_PROC_FORK:
		/* the parent tells of its fork once the child runs: on another CPU the child may
		 * have exec'd and exited already, its events read before this one */
		if (gone_before(s, pid, hdr->ts_ns))
			return;
		if (size < sizeof(struct task_event) || targets__add(s->targets, pid, true))
			return;
		name_target(s, pid, data);
		if (s->hooks.process_new)
			s->hooks.process_new(s->hooks.ctx, pid);
		return;
	case EV_EXEC:
		if (gone_before(s, pid, hdr->ts_ns))
			return;
		/* at once, while it surely lives: its allocator files, and its map */
		if (!targets__find(s->targets, pid) && targets__add(s->targets, pid, true))
			return;
		if (size >= sizeof(struct task_event))
			name_target(s, pid, data);
		/* probing a new file is slow: the session runs it after the batch when it can */
		if (s->hooks.exec_seen)
			s->hooks.exec_seen(s->hooks.ctx, pid, hdr->ts_ns);
		else
			read_exec(s, pid, hdr->ts_ns, true);
		hashmap__upsert(s->fresh, &pid, sizeof(pid), NULL);
		pending_add(&s->exec_recent, pid, hdr->ts_ns);
		if (!maps_allocator(s, pid))
			pending_add(&s->watching, pid, hdr->ts_ns);
		return;
	case EV_PROC_EXIT:
		process_exited(s, pid, hdr->ts_ns);
		return;
	case EV_CGROUP:
		if (size >= sizeof(struct cgroup_event))
			cgroup_changed(s, data);
		return;
	}
}

/* Processes moved into a cgroup since the last look. */
static void find_moved_in(struct scope *s)
{
	pid_t *pids = NULL;
	size_t cnt = 0;

	if (list_pids(s, &pids, &cnt)) {
		free(pids);
		return;
	}
	for (size_t i = 0; i < cnt; i++) {
		if (targets__find(s->targets, pids[i]) || targets__add(s->targets, pids[i], true))
			continue;
		scan_process(s, pids[i]);
		if (s->hooks.process_new)
			s->hooks.process_new(s->hooks.ctx, pids[i]);
	}
	free(pids);
	if (s->probes)
		scope__attach(s, s->probes);
}

/* Processes believed alive that are gone: their exit event was never read (lost with a full
 * ring buffer): without this, --until-empty would wait for them forever. */
static void reap_gone(struct scope *s)
{
	for (size_t i = 0; i < s->targets->cnt; i++) {
		struct target *t = &s->targets->list[i];

		if (t->exited || t->pidfd >= 0 || !kill(t->pid, 0) || errno != ESRCH)
			continue;
		process_exited(s, t->pid, mono_ns());
	}
}

void scope__tick(struct scope *s)
{
	reap_gone(s);
	/* a loader maps late, dlopen later still: what exec'd is read once more */
	for (size_t i = 0; i < s->exec_recent.cnt; i++)
		read_exec(s, s->exec_recent.pids[i], s->exec_recent.exec_ns[i], false);
	s->exec_recent.cnt = 0;
	find_moved_in(s);
}

bool scope__empty(const struct scope *s)
{
	pid_t *pids = NULL;
	size_t cnt = 0;
	bool empty;

	/* a cgroup empty at attach is waited on until something ran in it */
	if (!s->targets->cnt || targets__alive_cnt(s->targets))
		return false;
	empty = !list_pids(s, &pids, &cnt) && !cnt;
	free(pids);
	return empty;
}
