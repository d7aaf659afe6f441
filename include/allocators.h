/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The allocator entry points a process actually maps, found by symbol in each of its ELF
 * objects (never by file name), and what to do with each: probe it, or leave it to the entry
 * point it is an alias of or forwards to, so that every call is counted exactly once.
 */
#ifndef MEMSNOOP_ALLOCATORS_H
#define MEMSNOOP_ALLOCATORS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "alloc_names.h"

enum entry_role {
	ENTRY_PROBED,	 /* probed at offset + probe_offset */
	ENTRY_ALIAS,	 /* the same function as entries[alias_of]: one address, or a jump stub */
	ENTRY_FORWARDED, /* a C++ operator that calls an entry point: counted there */
	ENTRY_ELSEWHERE, /* a stub into an entry point of another object: counted there */
};

struct alloc_entry {
	enum alloc_row row;
	enum entry_role role;
	int alias_of;		 /* ENTRY_ALIAS: the index of the probed entry */
	bool forwards;		 /* ENTRY_PROBED that calls another entry point */
	uint64_t vaddr;		 /* the symbol's address */
	uint64_t offset;	 /* file offset of the probed code (a stub's target) */
	uint32_t probe_offset;	 /* where the probe goes, from offset */
	char symbol[48];
	char note[192];		 /* where the probe sits and why, or why there is none */
};

/* One ELF object of the process that defines at least one entry point. */
struct alloc_object {
	char *path;	 /* as the process maps it */
	char *open_path; /* the same file seen from here: /proc/PID/root/<path> */
	uint64_t dev, ino; /* the file's */
	enum alloc_family family;
	const char *symbols_from; /* ".dynsym", ".symtab", ".gnu_debugdata" or "debug file" */
	struct alloc_entry *entries;
	size_t entry_cnt;
	unsigned own_mask; /* bit k: it carries alloc_own_name(k), not probed */
};

#define ALLOC_OWN_NOTES_MAX 4

struct alloc_objects {
	struct alloc_object *objs;
	size_t cnt;
	/* "FILE carries its own allocator (NAME): ...", for the report's "not seen:" lines */
	char *own_notes[ALLOC_OWN_NOTES_MAX];
	size_t own_note_cnt;
};

/*
 * Finds every mapped object of pid that defines allocator entry points (libc, a static
 * executable, a preloaded allocator). Returns 0 (objs->cnt may be 0) or a negative errno.
 */
int alloc_objects__find(pid_t pid, struct alloc_objects *out);
void alloc_objects__clear(struct alloc_objects *objs);
/* src's own_notes added to dst's (once each). 0 or -ENOMEM. */
int alloc_objects__copy_notes(struct alloc_objects *dst, const struct alloc_objects *src);

struct hashmap;

/*
 * The allocator objects pid maps that are not in seen yet, appended to out; every file read
 * (allocator or not) is added to seen, a set of (device, inode), so that each file is read
 * once per run. Returns how many objects were appended, or a negative errno.
 */
int alloc_objects__scan(pid_t pid, struct hashmap *seen, struct alloc_objects *out);

/* Adds the file (path as the process names it, open_path as seen from here) when it defines
 * any entry point and is not there yet. Returns 0 or -ENOMEM. */
int alloc_objects__add_file(struct alloc_objects *objs, const char *path, const char *open_path);

/* Reads one ELF file's entry points into obj (path fields untouched). 0 (obj->entry_cnt may
 * be 0) or a negative errno. */
int alloc_object__read_elf(const char *path, struct alloc_object *obj);
void alloc_object__clear(struct alloc_object *obj);

/* True when the object's symbols say nothing at all: a stripped executable. */
bool alloc_elf_is_stripped(const char *path);

/* "aligned_alloc+memalign", "free+delete+delete[]": every row that counts into the
 * counter of a probed entry, for the report. Writes "" when none of objs probes it. */
void alloc_objects__counter_label(const struct alloc_objects *objs, size_t obj_sets,
				  unsigned counter, char *buf, size_t sz);

#endif /* MEMSNOOP_ALLOCATORS_H */
