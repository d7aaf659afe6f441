// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "clock.h"
#include "jobs.h"

struct job {
	job_fn fn;
	pid_t pid;
	uint64_t arg;
};

/* A FIFO in one array: jobs [head, cnt) wait; it is compacted whenever it empties. */
struct jobs {
	void *ctx;
	struct job *q;
	size_t head, cnt, cap;
	uint64_t dropped;
};

struct jobs *jobs__new(void *ctx)
{
	struct jobs *j = calloc(1, sizeof(*j));

	if (j)
		j->ctx = ctx;
	return j;
}

void jobs__free(struct jobs *j)
{
	if (!j)
		return;
	free(j->q);
	free(j);
}

/* A burst of events about one process (its exec, then its first samples) asks once. */
static bool queued(const struct jobs *j, job_fn fn, pid_t pid, uint64_t arg)
{
	for (size_t i = j->head; i < j->cnt; i++)
		if (j->q[i].fn == fn && j->q[i].pid == pid && j->q[i].arg == arg)
			return true;
	return false;
}

int jobs__post(struct jobs *j, job_fn fn, pid_t pid, uint64_t arg)
{
	if (queued(j, fn, pid, arg))
		return 0;
	if (grow_array((void **)&j->q, &j->cap, j->cnt + 1, sizeof(*j->q))) {
		j->dropped++;
		return -ENOMEM;
	}
	j->q[j->cnt++] = (struct job){ fn, pid, arg };
	return 0;
}

size_t jobs__run(struct jobs *j, uint64_t budget_ns)
{
	uint64_t until = budget_ns ? mono_ns() + budget_ns : 0;

	while (j->head < j->cnt) {
		/* copied out: the job may post more, which may move the array */
		struct job job = j->q[j->head++];

		job.fn(j->ctx, job.pid, job.arg);
		if (until && mono_ns() >= until)
			break;
	}
	if (j->head == j->cnt)
		j->head = j->cnt = 0;
	return j->cnt - j->head;
}

size_t jobs__pending(const struct jobs *j)
{
	return j->cnt - j->head;
}

uint64_t jobs__dropped(const struct jobs *j)
{
	return j->dropped;
}
