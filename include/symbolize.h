/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pc -> function, file:line and inlined frames, with libdw. One Dwfl per module, opened on
 * first use; debug info found through the standard libdwfl ways (.gnu_debuglink,
 * /usr/lib/debug/.build-id/).
 */
#ifndef MEMSNOOP_SYMBOLIZE_H
#define MEMSNOOP_SYMBOLIZE_H

#include <stdint.h>
#include "addrspace.h"
#include "profile.h"

#define SYM_MAX_FRAMES 16

struct symbolizer;

struct symbolizer_stats {
	uint64_t resolved;	  /* pcs resolved to a function */
	uint64_t unresolved;	  /* pcs left [unknown] */
	uint64_t modules_failed;  /* modules that could not be opened */
	uint64_t modules_opened;
	uint64_t open_ns;	  /* first lookups: opening modules, loading their debug info */
	uint64_t lookup_ns;	  /* every other lookup */
};

struct symbolizer *symbolizer__new(void);
void symbolizer__free(struct symbolizer *s);

/*
 * The frames at file_offset of mod, innermost (inlined) first, at least one: an unresolved
 * pc gives a single "[unknown]" frame. Strings stay valid until the next call.
 */
uint32_t symbolizer__resolve(struct symbolizer *s, const struct module *mod, uint64_t file_offset,
			     struct frame frames[SYM_MAX_FRAMES]);

/* The module's file is released: its debug information goes too (read again if it is met
 * again). */
void symbolizer__forget_module(struct symbolizer *s, const struct module *mod);
void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *out);

#endif /* MEMSNOOP_SYMBOLIZE_H */
