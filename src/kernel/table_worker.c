// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <gelf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "cfi_table.h"
#include "clock.h"
#include "hashmap.h"
#include "log.h"
#include "table_worker.h"
#include "worker_thread.h"

#define MAX_SEGMENTS 16

struct table_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct table_job *todo, **todo_tail;
	struct table_job *done, **done_tail;
	bool running; /* a job in hand */
	bool stopping;
	uint64_t budget_sz, used_sz; /* under lock */
	/* the worker's alone: the rules interned so far (a rule -> its index) */
	int rules_fd;
	struct hashmap *rules;
	size_t rule_cnt;
};

struct segment {
	uint64_t offset, vaddr, filesz;
};

void table_job__free(struct table_job *job)
{
	if (!job)
		return;
	if (job->fd >= 0)
		close(job->fd);
	if (job->err == 0 && job->map_fd >= 0)
		close(job->map_fd);
	free(job->rows);
	free(job->path);
	free(job);
}

/* The executable segments, by file offset. */
static size_t read_segments(Elf *elf, struct segment *segs)
{
	size_t n, cnt = 0;

	if (elf_getphdrnum(elf, &n))
		return 0;
	for (size_t i = 0; i < n && cnt < MAX_SEGMENTS; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
			segs[cnt++] = (struct segment){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
	return cnt;
}

/* The index of a rule (a row without its pc) in the kernel's rules array. */
static int intern_rule(struct table_worker *w, const struct unwind_row *row, uint32_t *idx)
{
	struct unwind_row rule = *row;
	uint32_t *idp;
	bool created;

	rule.pc = 0;
	idp = hashmap__upsert(w->rules, &rule, sizeof(rule), &created);
	if (!idp)
		return -ENOMEM;
	if (created) {
		if (w->rule_cnt >= UNWIND_MAX_RULES ||
		    bpf_map_update_elem(w->rules_fd, &(__u32){ w->rule_cnt }, &rule, BPF_ANY)) {
			hashmap__delete(w->rules, &rule, sizeof(rule), NULL);
			return w->rule_cnt >= UNWIND_MAX_RULES ? -E2BIG : -errno;
		}
		*idp = w->rule_cnt;
		__atomic_store_n(&w->rule_cnt, w->rule_cnt + 1, __ATOMIC_RELAXED);
	}
	*idx = *idp;
	return 0;
}

/*
 * The compiler's rows (by virtual address) as the kernel's (by file offset, the walker's
 * view of a pc): per executable segment, the row ruling its start, then each row inside it.
 */
static int convert_rows(struct table_worker *w, const struct unwind_row *rows, size_t cnt,
			const struct segment *segs, size_t seg_cnt, struct table_job *job)
{
	static const struct unwind_row no_cfi = { .kind = UW_ROW_NO_CFI };
	struct unwind_krow *out = malloc((cnt + seg_cnt) * sizeof(*out));
	size_t n = 0, r = 0;
	int err = 0;

	if (!out)
		return -ENOMEM;
	for (size_t s = 0; !err && s < seg_cnt; s++) {
		const struct segment *g = &segs[s];
		const struct unwind_row *first = &no_cfi;

		if (g->offset + g->filesz > UINT32_MAX || (n && g->offset <= out[n - 1].off)) {
			err = -ENOTSUP; /* above 4 GiB, or segments out of order */
			break;
		}
		while (r < cnt && rows[r].pc <= g->vaddr)
			first = &rows[r++];
		out[n].off = g->offset;
		err = intern_rule(w, first, &out[n].rule);
		n++;
		for (; !err && r < cnt && rows[r].pc < g->vaddr + g->filesz; r++) {
			out[n].off = g->offset + (rows[r].pc - g->vaddr);
			err = intern_rule(w, &rows[r], &out[n].rule);
			n++;
		}
	}
	if (err) {
		free(out);
		return err;
	}
	job->rows = out;
	job->row_cnt = n;
	job->sz = (uint64_t)n * sizeof(*out);
	return 0;
}

static int compile(struct table_worker *w, struct table_job *job)
{
	struct segment segs[MAX_SEGMENTS];
	const struct unwind_row *rows;
	struct cfi_table *t = NULL;
	uint64_t t0 = mono_ns();
	size_t cnt, seg_cnt;
	Elf *elf;
	int err;

	/* read, never mapped: a target truncating its file cannot fault memsnoop */
	elf = elf_begin(job->fd, ELF_C_READ, NULL);
	if (!elf)
		return -EINVAL;
	seg_cnt = read_segments(elf, segs);
	t = cfi_table__build(elf);
	err = t ? 0 : -errno;
	if (t) {
		rows = cfi_table__rows(t, &cnt);
		err = cnt && seg_cnt ? convert_rows(w, rows, cnt, segs, seg_cnt, job) : -ENOENT;
	}
	cfi_table__free(t);
	elf_end(elf);
	close(job->fd);
	job->fd = -1;
	job->build_ns = mono_ns() - t0;
	return err;
}

/* Reserves the job's kernel memory: false past the budget. */
static bool reserve(struct table_worker *w, uint64_t sz)
{
	bool ok;

	pthread_mutex_lock(&w->lock);
	ok = w->used_sz + sz <= w->budget_sz;
	if (ok)
		w->used_sz += sz;
	pthread_mutex_unlock(&w->lock);
	return ok;
}

/* A row map of the table's own size, filled. */
static int load(struct table_worker *w, struct table_job *job)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	uint64_t t0 = mono_ns();
	__u32 *keys, n = job->row_cnt;
	int fd, err = 0;

	if (!reserve(w, job->sz))
		return -ENOSPC;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, sizeof(__u32), sizeof(struct unwind_krow),
			    job->row_cnt, &opts);
	keys = fd >= 0 ? malloc(n * sizeof(*keys)) : NULL;
	if (fd < 0 || !keys) {
		err = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < n; i++)
		keys[i] = i;
	if (bpf_map_update_batch(fd, keys, job->rows, &n, NULL))
		err = -errno;
out:
	free(keys);
	if (err) {
		if (fd >= 0)
			close(fd);
		table_worker__release(w, job->sz);
		return err;
	}
	free(job->rows);
	job->rows = NULL;
	job->map_fd = fd;
	job->load_ns = mono_ns() - t0;
	return 0;
}

static void run(struct table_worker *w, struct table_job *job)
{
	int err = job->rows ? 0 : compile(w, job);

	job->err = err ? err : load(w, job);
}

static void *worker(void *arg)
{
	struct table_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct table_job *job;

		while (!w->todo && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stopping)
			break;
		job = w->todo;
		w->todo = job->next;
		if (!w->todo)
			w->todo_tail = &w->todo;
		w->running = true;
		pthread_mutex_unlock(&w->lock);
		run(w, job);
		pthread_mutex_lock(&w->lock);
		job->next = NULL;
		*w->done_tail = job;
		w->done_tail = &job->next;
		w->running = false;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct table_worker *table_worker__new(int rules_fd, uint64_t budget_sz)
{
	struct table_worker *w = calloc(1, sizeof(*w));
	int err;

	if (!w)
		return NULL;
	w->rules_fd = rules_fd;
	w->budget_sz = budget_sz;
	w->todo_tail = &w->todo;
	w->done_tail = &w->done;
	w->rules = hashmap__new(sizeof(uint32_t));
	if (!w->rules) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	elf_version(EV_CURRENT);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	err = worker_thread_start(&w->thread, worker, w);
	if (err) {
		hashmap__free(w->rules);
		free(w);
		errno = err;
		return NULL;
	}
	return w;
}

static void free_jobs(struct table_job *job)
{
	while (job) {
		struct table_job *next = job->next;

		table_job__free(job);
		job = next;
	}
}

void table_worker__free(struct table_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	free_jobs(w->todo);
	free_jobs(w->done);
	hashmap__free(w->rules);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

void table_worker__queue(struct table_worker *w, struct table_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	*w->todo_tail = job;
	w->todo_tail = &job->next;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

struct table_job *table_worker__take(struct table_worker *w)
{
	struct table_job *jobs;

	pthread_mutex_lock(&w->lock);
	jobs = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->lock);
	return jobs;
}

bool table_worker__wait(struct table_worker *w, int timeout_ms)
{
	struct timespec until = worker_deadline_ms(timeout_ms);
	bool idle;

	pthread_mutex_lock(&w->lock);
	if ((w->todo || w->running) && !w->done)
		pthread_cond_timedwait(&w->cond, &w->lock, &until);
	idle = !w->todo && !w->running;
	pthread_mutex_unlock(&w->lock);
	return idle;
}

void table_worker__release(struct table_worker *w, uint64_t sz)
{
	pthread_mutex_lock(&w->lock);
	w->used_sz -= sz < w->used_sz ? sz : w->used_sz;
	pthread_mutex_unlock(&w->lock);
}

uint64_t table_worker__used(struct table_worker *w)
{
	uint64_t sz;

	pthread_mutex_lock(&w->lock);
	sz = w->used_sz;
	pthread_mutex_unlock(&w->lock);
	return sz;
}

size_t table_worker__rule_cnt(struct table_worker *w)
{
	return __atomic_load_n(&w->rule_cnt, __ATOMIC_RELAXED);
}
