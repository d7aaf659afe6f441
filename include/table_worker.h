/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The table loader's thread: compiles a file's CFI (the CFI compiler, src/unwind/cfi_table.c),
 * turns its rows into the kernel's encoding (file offsets, rules interned in the shared rules
 * array) and fills a row map of the file's own size, so that none of this runs on the main
 * thread. Kernel memory is reserved against a budget before a map is made; a table past it
 * comes back with its rows, for the main thread to make room (or not) and hand back.
 * The main thread takes finished jobs with table_worker__take() and publishes them.
 */
#ifndef MEMSNOOP_TABLE_WORKER_H
#define MEMSNOOP_TABLE_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include "file_id.h"
#include "unwind_abi.h"

struct table_job {
	struct table_job *next;
	struct file_id fid;
	uint32_t mod_id;
	int fd;	    /* the file, owned by the job until compiled (-1 after) */
	char *path; /* for messages */
	/* results */
	int err;	   /* 0; -ENOENT: no CFI; -ENOSPC: past the budget (rows kept); -errno */
	int map_fd;	   /* the filled row map, when err is 0 */
	struct unwind_krow *rows; /* kept while no map holds them */
	uint32_t row_cnt;
	uint64_t sz;	   /* kernel bytes of the row map */
	uint64_t build_ns; /* compiling */
	uint64_t load_ns;  /* filling the map */
};

struct table_worker;

/* rules_fd: the kernel's rules array; budget_sz: kernel bytes all row maps may take. */
struct table_worker *table_worker__new(int rules_fd, uint64_t budget_sz);
/* Stops the thread (the job in hand finishes first) and frees every job. */
void table_worker__free(struct table_worker *w);

/* Queues a job (the worker owns it until taken back): compile, or load kept rows again. */
void table_worker__queue(struct table_worker *w, struct table_job *job);
/* The finished jobs, oldest first (NULL: none); the caller frees them (table_job__free). */
struct table_job *table_worker__take(struct table_worker *w);
/* Waits up to timeout_ms for a job to finish; true when none is queued or running. */
bool table_worker__wait(struct table_worker *w, int timeout_ms);

/* Returns sz bytes of reserved kernel memory (a row map freed). */
void table_worker__release(struct table_worker *w, uint64_t sz);
uint64_t table_worker__used(struct table_worker *w);
size_t table_worker__rule_cnt(struct table_worker *w);

void table_job__free(struct table_job *job);

#endif /* MEMSNOOP_TABLE_WORKER_H */
