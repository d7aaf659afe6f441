/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Feeds the in-kernel unwinder: compiles each executable file a process maps into an unwind
 * table once (keyed by build ID, or device and inode without one), appends its rows to the
 * BPF row array shared by every process, and gives each process its table of executable
 * mappings (start, end, bias, table).
 */
#ifndef MEMSNOOP_KUNWIND_H
#define MEMSNOOP_KUNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "addrspace.h"
#include "attach.h"

struct table_loader_stats {
	size_t files;	      /* tables loaded */
	size_t files_no_cfi;  /* files without CFI: frame pointers */
	size_t files_excluded; /* not loaded (unreadable, no room, not understood): copies */
	size_t files_over_bounds; /* of those, CFI past the compiler's bounds (cfi_table.h) */
	size_t rows;	      /* rows loaded */
	size_t row_bytes;
	uint64_t build_ns;    /* compiling tables */
	uint64_t load_ns;     /* copying them into the kernel */
	size_t procs;	      /* process layouts loaded */
};

struct table_loader;

struct table_loader *table_loader__new(const struct unwind_map_fds *fds);
void table_loader__free(struct table_loader *k);

/*
 * Loads the tables of every file pid maps executable, as the model as says (take a snapshot
 * first), and pid's layout. Replaces an older layout (exec). 0 or a negative errno.
 */
int table_loader__load_process(struct table_loader *k, struct addrspaces *as, pid_t pid);

/* pid is gone: its layout leaves the kernel (the files' tables stay, shared). */
void table_loader__forget_process(struct table_loader *k, pid_t pid);

/* Loads pid's layout again if as has re-read it since (a library mapped): 0 or -errno. */
int table_loader__refresh(struct table_loader *k, struct addrspaces *as, pid_t pid);

void table_loader__stats(const struct table_loader *k, struct table_loader_stats *out);

#endif /* MEMSNOOP_KUNWIND_H */
