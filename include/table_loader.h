/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Feeds the in-kernel unwinder: one unwind table per file identity (include/file_id.h), shared
 * by every process and container mapping the file. The walker asks for the files it meets
 * without a table (unwind_wanted); processes memsnoop reads bring theirs too. Tables are
 * compiled and loaded by the loader's thread (include/table_worker.h) and published here, on
 * the main thread, between ring buffer batches (table_loader__poll()).
 *
 * A table is referenced by the live processes known to map its file; once none is left it is
 * freed, after 30 s of grace (a build's compilers come and go every second: compiling cc1's
 * table again each time would cost more than keeping it) or at once when the budget needs
 * the room.
 * All row maps together stay within a kernel-memory budget: a table past it first evicts
 * unreferenced ones, else its file is left to stack copies, counted and said.
 */
#ifndef MEMSNOOP_KUNWIND_H
#define MEMSNOOP_KUNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "addrspace.h"
#include "attach.h"

struct table_loader_opts {
	struct unwind_map_fds fds;
	uint64_t budget_sz; /* kernel bytes for rows; 0: UNWIND_BUDGET_DEFAULT */
};

struct table_loader_stats {
	size_t files;		 /* tables loaded now */
	size_t files_loaded;	 /* tables loaded over the run */
	size_t files_no_cfi;	 /* files without CFI: frame pointers */
	size_t files_excluded;	 /* not loaded (unreadable, not understood): copies */
	size_t files_over_bounds; /* of those, CFI past the compiler's bounds (cfi_table.h) */
	size_t files_over_budget; /* past the budget: copies */
	size_t files_freed;	 /* tables freed, their last process gone */
	size_t rows;		 /* rows loaded now */
	uint64_t kernel_sz;	 /* kernel bytes of the row maps now */
	uint64_t kernel_peak_sz;
	uint64_t budget_sz;
	size_t rules;		 /* distinct rules in the shared array */
	uint64_t build_ns;	 /* compiling tables (the loader's thread) */
	uint64_t load_ns;	 /* filling their maps (the loader's thread) */
};

struct table_loader;

struct table_loader *table_loader__new(const struct table_loader_opts *opts);
void table_loader__free(struct table_loader *k);

/*
 * pid's executable files, as the model as says (take a snapshot first): referenced by pid,
 * their tables asked for. Replaces pid's older set (exec). 0 or a negative errno.
 */
int table_loader__load_process(struct table_loader *k, struct addrspaces *as, pid_t pid);

/* pid is gone: its references go (a table with none left is freed soon after). */
void table_loader__forget_process(struct table_loader *k, pid_t pid);

/*
 * Between ring buffer batches: the files the walker asked for are queued for the loader's
 * thread, finished tables are published to the kernel, idle ones freed.
 */
void table_loader__poll(struct table_loader *k, struct addrspaces *as);

/* Polls until every queued table is published, or timeout_ms: the first samples of a
 * process about to run (held at its entry) are then walked in the kernel. */
void table_loader__settle(struct table_loader *k, struct addrspaces *as, int timeout_ms);

void table_loader__stats(const struct table_loader *k, struct table_loader_stats *out);

/* What the kernel's walker says of the tables it met (its counters). */
struct table_loader_walks {
	uint64_t copies;   /* samples sent as stack copies */
	uint64_t vma_busy; /* ...of which with the mm locked */
	uint64_t pending;  /* stacks cut short at a file whose table was being compiled */
};

/* The tables' figures at the end of a run (-v), with the walker's. */
void table_loader__report(const struct table_loader *k, const struct table_loader_walks *w);

#endif /* MEMSNOOP_KUNWIND_H */
