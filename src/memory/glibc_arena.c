// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * main_arena is a struct malloc_state; its `next` links the arenas in a ring back to
 * main_arena; system_mem is what each holds from the kernel. mp_ (struct malloc_par) counts
 * the chunks mmap'd on their own. Both are static variables of malloc.c: their addresses come
 * from the symbol table of libc's debug file, the offsets of their fields from its DWARF, and
 * their values from the process's memory (process_vm_readv), so nothing runs in the target.
 */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "glibc_arena.h"
#include "targetfile.h"
#include "log.h"
#include "procmaps.h"

#define MAX_ARENAS 4096 /* a ring longer than this is not an arena list */

/* The fields read, by struct; offsets from DWARF, sizes checked to be 4 or 8. */
struct field {
	const char *name;
	uint32_t off, size;
};

enum { MS_NEXT, MS_SYSTEM_MEM, MS_CNT };
enum { MP_N_MMAPS, MP_MMAPPED_MEM, MP_CNT };

struct glibc_arena {
	pid_t pid;
	uint64_t base; /* where libc is loaded: another base is another image (an exec) */
	uint64_t main_arena, mp; /* runtime addresses */
	struct field ms[MS_CNT], par[MP_CNT];
};

static char *debuginfo_path;

/* libc is the target's file: read through the hardened door, its debug file looked up only in
 * the system's debug directory */
static const Dwfl_Callbacks callbacks = {
	.find_elf = target_file_find_elf,
	.find_debuginfo = target_file_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

/* The libc.so.6 mapping at file offset 0: where it is loaded, and its file opened (fd not
 * NULL). */
static int find_libc(pid_t pid, uint64_t *base, int *fd)
{
	struct procmaps maps = {};
	int err = procmaps__read(pid, &maps);

	if (err)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < maps.cnt && err; i++) {
		const char *slash = strrchr(maps.maps[i].path, '/');

		if (maps.maps[i].offset || !slash || strcmp(slash + 1, "libc.so.6"))
			continue;
		*base = maps.maps[i].start;
		if (fd)
			*fd = target_file_open_mapped(pid, &maps.maps[i]);
		err = fd && *fd < 0 ? *fd : 0;
	}
	procmaps__clear(&maps);
	return err;
}

/* The link-time address of a data symbol of the module, or 0. */
static GElf_Addr symbol_addr(Dwfl_Module *mod, const char *name)
{
	int n = dwfl_module_getsymtab(mod);

	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *s = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);

		if (s && GELF_ST_TYPE(sym.st_info) == STT_OBJECT && !strcmp(s, name))
			return addr;
	}
	return 0;
}

/* The struct a variable DIE is of, through typedefs and qualifiers. */
static bool struct_of(Dwarf_Die *var, Dwarf_Die *out)
{
	Dwarf_Attribute attr;
	Dwarf_Die *die = var;

	for (int i = 0; i < 8; i++) {
		if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, out))
			return false;
		if (dwarf_tag(out) == DW_TAG_structure_type)
			return true;
		die = out;
	}
	return false;
}

/* Fills each field's offset and size from the struct's members; false when one is missing. */
static bool layout(Dwarf_Die *type, struct field *fields, int cnt)
{
	Dwarf_Die member, mtype;
	Dwarf_Attribute attr;
	Dwarf_Word off;
	int found = 0;

	if (dwarf_child(type, &member))
		return false;
	do {
		const char *name = dwarf_diename(&member);

		for (int i = 0; name && i < cnt; i++) {
			if (strcmp(name, fields[i].name) ||
			    !dwarf_attr(&member, DW_AT_data_member_location, &attr) ||
			    dwarf_formudata(&attr, &off) || !dwarf_attr_integrate(&member, DW_AT_type, &attr) ||
			    !dwarf_formref_die(&attr, &mtype))
				continue;
			fields[i].off = off;
			fields[i].size = dwarf_aggregate_size(&mtype, &off) ? 0 : off;
			found += fields[i].size == 4 || fields[i].size == 8;
		}
	} while (!dwarf_siblingof(&member, &member));
	return found == cnt;
}

/* main_arena's and mp_'s structs, in malloc.c's compilation unit. */
static bool find_layouts(Dwfl_Module *mod, struct glibc_arena *g)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = NULL, var, type;
	int need = 2;

	while (need && (cu = dwfl_module_nextcu(mod, cu, &bias))) {
		const char *name = dwarf_diename(cu);

		if (!name || strcmp(strrchr(name, '/') ? strrchr(name, '/') + 1 : name, "malloc.c") ||
		    dwarf_child(cu, &var))
			continue;
		do {
			const char *vname = dwarf_diename(&var);

			if (dwarf_tag(&var) != DW_TAG_variable || !vname)
				continue;
			if (!strcmp(vname, "main_arena") && struct_of(&var, &type))
				need -= layout(&type, g->ms, MS_CNT);
			else if (!strcmp(vname, "mp_") && struct_of(&var, &type))
				need -= layout(&type, g->par, MP_CNT);
		} while (!dwarf_siblingof(&var, &var));
	}
	return !need;
}

struct glibc_arena *glibc_arena__open(pid_t pid)
{
	struct glibc_arena *g = calloc(1, sizeof(*g));
	Dwfl *dwfl = dwfl_begin(&callbacks);
	Dwfl_Module *mod = NULL;
	GElf_Addr start, arena, mp;
	uint64_t base;
	int err = -ENOENT, fd;

	if (!g || !dwfl) {
		err = -ENOMEM;
		goto out;
	}
	*g = (struct glibc_arena){ .pid = pid,
				   .ms = { { "next" }, { "system_mem" } },
				   .par = { { "n_mmaps" }, { "mmapped_mem" } } };
	if ((err = find_libc(pid, &base, &fd)))
		goto out;
	err = -ENOENT;
	mod = target_file_report(dwfl, "libc.so.6", fd);
	if (!mod || dwfl_report_end(dwfl, NULL, NULL))
		goto out;
	dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	arena = symbol_addr(mod, "main_arena");
	mp = symbol_addr(mod, "mp_");
	if (!arena || !mp || !find_layouts(mod, g))
		goto out; /* no debug information: libc6-dbg is not installed */
	/* libc's first segment is at virtual address 0: runtime = load base + link address */
	g->base = base;
	g->main_arena = base + (arena - start);
	g->mp = base + (mp - start);
	err = 0;
out:
	if (dwfl)
		dwfl_end(dwfl);
	if (err) {
		pr_debug("PID %d: no glibc arena figures: %s\n", (int)pid, strerror(-err));
		free(g);
		errno = -err;
		return NULL;
	}
	return g;
}

void glibc_arena__free(struct glibc_arena *g)
{
	free(g);
}

/* A field of the struct at addr in the process, as an unsigned integer. */
static int read_field(pid_t pid, uint64_t addr, const struct field *f, uint64_t *out)
{
	uint64_t v = 0; /* little-endian: a 4-byte field fills the low half */
	struct iovec local = { &v, f->size }, remote = { (void *)(addr + f->off), f->size };

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)f->size)
		return errno ? -errno : -EIO;
	*out = v;
	return 0;
}

int glibc_arena__read(struct glibc_arena *g, struct glibc_arena_stats *out)
{
	uint64_t arena = g->main_arena, mem, base;
	int err;

	memset(out, 0, sizeof(*out));
	err = find_libc(g->pid, &base, NULL);
	if (err)
		return err == -ENOENT ? -ESTALE : err;
	if (base != g->base)
		return -ESTALE;
	do {
		err = read_field(g->pid, arena, &g->ms[MS_SYSTEM_MEM], &mem) ?:
		      read_field(g->pid, arena, &g->ms[MS_NEXT], &arena);
		if (err)
			return err;
		out->system_mem += mem;
		out->arenas++;
	} while (arena && arena != g->main_arena && out->arenas < MAX_ARENAS);
	return read_field(g->pid, g->mp, &g->par[MP_N_MMAPS], &out->n_mmaps) ?:
	       read_field(g->pid, g->mp, &g->par[MP_MMAPPED_MEM], &out->mmapped_mem);
}
