// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "file_id.h"
#include "hashmap.h"
#include "log.h"
#include "table_loader.h"
#include "table_worker.h"

#define IDLE_GRACE_NS 30000000000ULL /* an unreferenced table lives on this long */
#define EVICT_PERIOD_NS 250000000ULL /* idle tables are looked for at most this often */

/* A file the kernel knows, by identity. */
struct table {
	uint32_t mod_id;
	enum unwind_file_state state;
	bool over_budget; /* excluded for want of room: asked again once room is made */
	uint32_t row_cnt;
	uint64_t sz;	  /* kernel bytes of its row map */
	uint32_t refs;	  /* live processes known to map it */
	uint64_t idle_ns; /* since when it has none (0: referenced) */
};

/* The files a process references. */
struct proc_refs {
	size_t cnt;
	struct file_id *ids;
};

struct table_loader {
	struct table_loader_opts opts;
	struct table_worker *worker;
	struct hashmap *tables; /* struct file_id -> struct table */
	struct hashmap *procs;	/* pid -> struct proc_refs */
	uint64_t last_evict_ns;
	struct table_loader_stats stats;
};

struct table_loader *table_loader__new(const struct table_loader_opts *opts)
{
	struct table_loader *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->opts = *opts;
	if (!k->opts.budget_sz)
		k->opts.budget_sz = UNWIND_BUDGET_DEFAULT;
	k->stats.budget_sz = k->opts.budget_sz;
	k->tables = hashmap__new(sizeof(struct table));
	k->procs = hashmap__new(sizeof(struct proc_refs));
	k->worker = table_worker__new(opts->fds.rules, k->opts.budget_sz);
	if (!k->tables || !k->procs || !k->worker) {
		table_loader__free(k);
		errno = ENOMEM;
		return NULL;
	}
	pr_info("unwind tables: kernel memory budget %llu MiB (%llu Mi rows of %zu bytes); a file "
		"past it is unwound from stack copies, counted\n",
		(unsigned long long)(k->opts.budget_sz >> 20),
		(unsigned long long)(k->opts.budget_sz / sizeof(struct unwind_krow) >> 20),
		sizeof(struct unwind_krow));
	return k;
}

static void free_refs(const void *key, void *value, void *ctx)
{
	(void)key, (void)ctx;
	free(((struct proc_refs *)value)->ids);
}

void table_loader__free(struct table_loader *k)
{
	if (!k)
		return;
	table_worker__free(k->worker);
	if (k->procs)
		hashmap__for_each(k->procs, free_refs, NULL);
	hashmap__free(k->procs);
	hashmap__free(k->tables);
	free(k);
}

/* The kernel's view of a file: its state, module and row count. */
static void publish_state(struct table_loader *k, const struct file_id *fid, const struct table *t)
{
	struct unwind_file f = { .mod_id = t->mod_id, .row_cnt = t->row_cnt, .state = t->state };

	if (bpf_map_update_elem(k->opts.fds.files, fid, &f, BPF_ANY))
		pr_debug("unwind table state not published: %s\n", strerror(errno));
}

/* Forgets a file wholly, its table freed: the walker asks for it again if it meets it. */
static void drop_table(struct table_loader *k, const struct file_id *fid)
{
	struct table t;

	if (!hashmap__delete(k->tables, fid, sizeof(*fid), &t))
		return;
	bpf_map_delete_elem(k->opts.fds.files, fid);
	if (t.state == UW_FILE_READY) {
		bpf_map_delete_elem(k->opts.fds.tables, fid);
		table_worker__release(k->worker, t.sz);
		k->stats.files--;
		k->stats.rows -= t.row_cnt;
		k->stats.kernel_sz -= t.sz;
		k->stats.files_freed++;
	}
}

/* Asks for fid's table: queued for the worker on first sight of the file. */
static void request(struct table_loader *k, struct addrspaces *as, const struct file_id *fid,
		    pid_t pid)
{
	const struct module *mod = addrspaces__module_by_file(as, fid);
	struct table_job *job;
	struct table *t;

	if (hashmap__find(k->tables, fid, sizeof(*fid)))
		return;
	/* a file of a process memsnoop has not read: read it now, while it lives */
	if (!mod && pid > 0 && !addrspaces__snapshot(as, pid))
		mod = addrspaces__module_by_file(as, fid);
	/* gone before it could be read: a later sample of the file asks again */
	if (!mod)
		return;
	if (mod->fd < 0) {
		/* not openable (not a regular file, replaced): left to copies, asked no more */
		t = hashmap__upsert(k->tables, fid, sizeof(*fid), NULL);
		if (t) {
			*t = (struct table){ .mod_id = mod->id, .state = UW_FILE_EXCLUDED,
					     .idle_ns = mono_ns() };
			publish_state(k, fid, t);
			k->stats.files_excluded++;
		}
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job)
		return;
	*job = (struct table_job){ .fid = *fid, .mod_id = mod->id, .fd = -1, .map_fd = -1 };
	t = hashmap__upsert(k->tables, fid, sizeof(*fid), NULL);
	if (!t || (job->fd = fcntl(mod->fd, F_DUPFD_CLOEXEC, 0)) < 0 ||
	    !(job->path = strdup(mod->path))) {
		if (t)
			hashmap__delete(k->tables, fid, sizeof(*fid), NULL);
		table_job__free(job);
		return;
	}
	*t = (struct table){ .mod_id = mod->id, .state = UW_FILE_PENDING, .idle_ns = mono_ns() };
	publish_state(k, fid, t);
	table_worker__queue(k->worker, job);
}

static void ref(struct table_loader *k, const struct file_id *fid)
{
	struct table *t = hashmap__find(k->tables, fid, sizeof(*fid));

	if (t) {
		t->refs++;
		t->idle_ns = 0;
	}
}

static void unref(struct table_loader *k, const struct file_id *fid)
{
	struct table *t = hashmap__find(k->tables, fid, sizeof(*fid));

	if (t && t->refs && !--t->refs)
		t->idle_ns = mono_ns();
}

/* pid references fid (once). */
static int add_ref(struct table_loader *k, pid_t pid, const struct file_id *fid)
{
	struct proc_refs *p = hashmap__upsert(k->procs, &pid, sizeof(pid), NULL);
	struct file_id *tmp;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < p->cnt; i++)
		if (!memcmp(&p->ids[i], fid, sizeof(*fid)))
			return 0;
	tmp = realloc(p->ids, (p->cnt + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	p->ids = tmp;
	p->ids[p->cnt++] = *fid;
	ref(k, fid);
	return 0;
}

void table_loader__forget_process(struct table_loader *k, pid_t pid)
{
	struct proc_refs p;

	if (!hashmap__delete(k->procs, &pid, sizeof(pid), &p))
		return;
	for (size_t i = 0; i < p.cnt; i++)
		unref(k, &p.ids[i]);
	free(p.ids);
}

struct load_ctx {
	struct table_loader *k;
	struct addrspaces *as;
	pid_t pid;
};

static int add_mapping(const struct mapping *m, const struct module *mod, void *data)
{
	struct load_ctx *c = data;
	struct file_id fid = file_id_of(mod->dev, mod->inode);

	if (!m->exec)
		return 0;
	request(c->k, c->as, &fid, c->pid);
	return add_ref(c->k, c->pid, &fid);
}

int table_loader__load_process(struct table_loader *k, struct addrspaces *as, pid_t pid)
{
	struct load_ctx c = { k, as, pid };

	/* an exec: the old image's files are no longer this process's */
	table_loader__forget_process(k, pid);
	return addrspaces__for_each_file_mapping(as, pid, add_mapping, &c);
}

struct idle_ctx {
	uint64_t now;
	bool any_age;		   /* under budget pressure: idle for any time */
	bool found;
	struct file_id fid;	   /* the longest idle table */
	uint64_t idle_ns;
	struct file_id over[64];   /* files over the budget, to be asked for again */
	size_t over_cnt;
};

static void find_idle(const void *key, void *value, void *ctx)
{
	const struct table *t = value;
	struct idle_ctx *c = ctx;

	if (t->over_budget && c->over_cnt < 64)
		c->over[c->over_cnt++] = *(const struct file_id *)key;
	/* a file without a table holds no budget, only an entry of the kernel's bounded map */
	if (t->state == UW_FILE_PENDING || (c->any_age && t->state != UW_FILE_READY) || t->refs ||
	    (c->found && t->idle_ns >= c->idle_ns) ||
	    (!c->any_age && t->idle_ns + IDLE_GRACE_NS > c->now))
		return;
	c->found = true;
	c->fid = *(const struct file_id *)key;
	c->idle_ns = t->idle_ns;
}

/*
 * Frees unreferenced tables, the longest idle first: every one past its grace (need 0), or
 * as many as make need bytes fit. Files left out for want of room are asked for again once
 * room is made. Returns whether need fits now.
 */
static bool evict_idle(struct table_loader *k, uint64_t need)
{
	struct idle_ctx c = { .now = mono_ns(), .any_age = need > 0 };
	bool freed = false;

	while (!need || table_worker__used(k->worker) + need > k->opts.budget_sz) {
		c.found = false;
		c.over_cnt = 0;
		/* hashmap__for_each cannot delete: find one, then drop it */
		hashmap__for_each(k->tables, find_idle, &c);
		if (!c.found)
			break;
		drop_table(k, &c.fid);
		freed = true;
	}
	for (size_t i = 0; freed && i < c.over_cnt; i++)
		drop_table(k, &c.over[i]);
	return !need || table_worker__used(k->worker) + need <= k->opts.budget_sz;
}

static void count_loaded(struct table_loader *k, const struct table_job *job)
{
	k->stats.files++;
	k->stats.files_loaded++;
	k->stats.rows += job->row_cnt;
	k->stats.kernel_sz += job->sz;
	if (k->stats.kernel_sz > k->stats.kernel_peak_sz)
		k->stats.kernel_peak_sz = k->stats.kernel_sz;
	pr_info("unwind table of %s: %u rows, %llu KiB, compiled in %.1f ms, loaded in %.1f ms\n",
		job->path, job->row_cnt, (unsigned long long)(job->sz >> 10), job->build_ns / 1e6,
		job->load_ns / 1e6);
}

/* A finished job into the kernel; true when it was handed back to the worker instead. */
static bool publish(struct table_loader *k, struct table_job *job)
{
	struct table *t = hashmap__find(k->tables, &job->fid, sizeof(job->fid));

	k->stats.build_ns += job->build_ns;
	k->stats.load_ns += job->load_ns;
	if (!t) /* cannot happen: a pending table is never dropped */
		return false;
	if (job->err == -ENOSPC && evict_idle(k, job->sz)) {
		table_worker__queue(k->worker, job);
		return true;
	}
	if (!job->err &&
	    bpf_map_update_elem(k->opts.fds.tables, &job->fid, &job->map_fd, BPF_ANY)) {
		job->err = -errno;
		table_worker__release(k->worker, job->sz);
	}
	switch (job->err) {
	case 0:
		t->state = UW_FILE_READY;
		t->row_cnt = job->row_cnt;
		t->sz = job->sz;
		count_loaded(k, job);
		break;
	case -ENOENT:
		t->state = UW_FILE_NO_CFI;
		k->stats.files_no_cfi++;
		pr_info("%s: no CFI: its frames are walked by frame pointer\n", job->path);
		break;
	case -ENOSPC:
		t->state = UW_FILE_EXCLUDED;
		t->over_budget = true;
		k->stats.files_over_budget++;
		pr_warn("%s: its unwind table (%u rows, %llu KiB) is past the kernel budget of %llu MiB "
			"(%llu KiB in use): its samples are sent as stack copies\n", job->path,
			job->row_cnt, (unsigned long long)(job->sz >> 10),
			(unsigned long long)(k->opts.budget_sz >> 20),
			(unsigned long long)(table_worker__used(k->worker) >> 10));
		break;
	default:
		/* a frame-pointer walk through code built without them would make frames up */
		t->state = UW_FILE_EXCLUDED;
		k->stats.files_excluded++;
		if (job->err == -EFBIG) { /* the compiler's bounds (cfi_table.h): a hostile file */
			k->stats.files_over_bounds++;
			pr_warn("%s: CFI past memsnoop's bounds (cfi_table.h): its samples are sent as stack copies\n",
				job->path);
		} else {
			pr_warn("%s: unwind table not loaded (%s): its samples are sent as stack copies\n",
				job->path, strerror(-job->err));
		}
	}
	publish_state(k, &job->fid, t);
	if (!t->refs)
		t->idle_ns = mono_ns();
	return false;
}

/* The files the walker met without a table: asked for, referenced by the process it met
 * them in. */
static void take_wanted(struct table_loader *k, struct addrspaces *as)
{
	struct file_id keys[UNWIND_MAX_WANTED], *prev = NULL;
	size_t n = 0;

	while (n < UNWIND_MAX_WANTED && !bpf_map_get_next_key(k->opts.fds.wanted, prev, &keys[n]))
		prev = &keys[n++];
	for (size_t i = 0; i < n; i++) {
		struct unwind_want want;

		if (bpf_map_lookup_and_delete_elem(k->opts.fds.wanted, &keys[i], &want))
			continue;
		request(k, as, &keys[i], want.tgid);
		add_ref(k, want.tgid, &keys[i]);
	}
}

void table_loader__poll(struct table_loader *k, struct addrspaces *as)
{
	struct table_job *job = table_worker__take(k->worker);
	uint64_t now = mono_ns();

	while (job) {
		struct table_job *next = job->next;

		if (!publish(k, job))
			table_job__free(job);
		job = next;
	}
	take_wanted(k, as);
	if (now >= k->last_evict_ns + EVICT_PERIOD_NS) {
		k->last_evict_ns = now;
		evict_idle(k, 0);
	}
}

void table_loader__settle(struct table_loader *k, struct addrspaces *as, int timeout_ms)
{
	uint64_t until = mono_ns() + timeout_ms * 1000000ULL;
	bool idle;

	do {
		idle = table_worker__wait(k->worker, 50);
		table_loader__poll(k, as);
	} while (!idle && mono_ns() < until);
}

void table_loader__stats(const struct table_loader *k, struct table_loader_stats *out)
{
	*out = k->stats;
	out->rules = table_worker__rule_cnt(k->worker);
}

void table_loader__report(const struct table_loader *k, const struct table_loader_walks *w)
{
	struct table_loader_stats s;

	table_loader__stats(k, &s);
	pr_info("unwind tables: %zu files loaded (%zu freed with their last process, %zu without "
		"CFI, %zu not loaded, %zu past the CFI bounds, %zu past the budget), %zu rules, %zu rows now, %llu KiB of "
		"kernel memory (peak %llu KiB, budget %llu MiB), compiled in %.1f ms, loaded in %.1f "
		"ms; %llu samples sent as stack copies (%llu with the mm busy), %llu stacks cut short "
		"at a table being compiled\n", s.files_loaded,
		s.files_freed, s.files_no_cfi, s.files_excluded, s.files_over_bounds, s.files_over_budget, s.rules, s.rows,
		(unsigned long long)(s.kernel_sz >> 10), (unsigned long long)(s.kernel_peak_sz >> 10),
		(unsigned long long)(s.budget_sz >> 20), s.build_ns / 1e6, s.load_ns / 1e6,
		(unsigned long long)w->copies, (unsigned long long)w->vma_busy,
		(unsigned long long)w->pending);
}
