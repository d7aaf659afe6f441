// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "array.h"
#include "clock.h"
#include "log.h"
#include "targetfile.h"
#include "symbolize.h"

/* libstdc++'s demangler (C++ and legacy Rust names); linked with -lstdc++ */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* A function symbol of a module, for lookups by address. */
struct func_sym {
	GElf_Addr start, end; /* end 0: the size is unknown, up to the next symbol */
	const char *name;     /* libelf's string, alive as long as the Dwfl */
};

struct sym_module {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Elf *elf;
	GElf_Addr bias;
	bool failed;
	/* sorted by start, built on the first lookup without DWARF: libdw's own lookup scans
	 * every symbol (a millisecond a pc in cc1plus) */
	struct func_sym *syms;
	size_t sym_cnt;
	bool syms_built;
};

struct symbolizer {
	struct sym_module *mods; /* indexed by module id */
	size_t mod_cap;
	char *scratch[SYM_MAX_FRAMES]; /* demangled names returned by the last call */
	struct symbolizer_stats stats;
};

static char *debuginfo_path;

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = target_file_find_elf,
	.find_debuginfo = target_file_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

struct symbolizer *symbolizer__new(void)
{
	return calloc(1, sizeof(struct symbolizer));
}

static void free_scratch(struct symbolizer *s)
{
	for (int i = 0; i < SYM_MAX_FRAMES; i++) {
		free(s->scratch[i]);
		s->scratch[i] = NULL;
	}
}

static void module_clear(struct sym_module *sm)
{
	if (sm->dwfl)
		dwfl_end(sm->dwfl);
	free(sm->syms);
	memset(sm, 0, sizeof(*sm));
}

void symbolizer__forget_module(struct symbolizer *s, const struct module *mod)
{
	if (mod->id < s->mod_cap)
		module_clear(&s->mods[mod->id]);
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->mod_cap; i++)
		module_clear(&s->mods[i]);
	free_scratch(s);
	free(s->mods);
	free(s);
}

static int open_module(struct sym_module *sm, const struct module *mod)
{
	int fd;

	sm->dwfl = dwfl_begin(&offline_callbacks);
	if (!sm->dwfl)
		goto fail;
	/* the file held since a process mapped it, or reopened through one that maps it now */
	fd = module__open(mod);
	sm->mod = fd >= 0 ? target_file_report(sm->dwfl, mod->path, fd) : NULL;
	if (!sm->mod || dwfl_report_end(sm->dwfl, NULL, NULL))
		goto fail;
	sm->elf = dwfl_module_getelf(sm->mod, &sm->bias);
	if (!sm->elf)
		goto fail;
	return 0;
fail:
	pr_info("cannot read %s: %s\n", mod->path, dwfl_errmsg(-1));
	if (sm->dwfl)
		dwfl_end(sm->dwfl);
	sm->dwfl = NULL;
	sm->failed = true;
	return -ENOENT;
}

static struct sym_module *module_state(struct symbolizer *s, const struct module *mod, bool *fresh)
{
	struct sym_module *sm;

	if (mod->id >= s->mod_cap) {
		size_t old_cap = s->mod_cap;

		if (grow_array((void **)&s->mods, &s->mod_cap, mod->id + 1, sizeof(*s->mods)))
			return NULL;
		memset(s->mods + old_cap, 0, (s->mod_cap - old_cap) * sizeof(*s->mods));
	}
	sm = &s->mods[mod->id];
	if (!sm->dwfl && !sm->failed) {
		*fresh = true;
		if (open_module(sm, mod))
			s->stats.modules_failed++;
		else
			s->stats.modules_opened++;
	}
	return sm->failed ? NULL : sm;
}

static int cmp_func_sym(const void *a, const void *b)
{
	const struct func_sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The module's function symbols (libdw's .symtab, or .dynsym), sorted by address. */
static void build_symbols(struct sym_module *sm)
{
	int n = dwfl_module_getsymtab(sm->mod);

	sm->syms_built = true;
	if (n <= 0 || !(sm->syms = calloc(n, sizeof(*sm->syms))))
		return;
	for (int i = 0; i < n; i++) {
		GElf_Addr value;
		GElf_Sym sym;
		const char *name = dwfl_module_getsym_info(sm->mod, i, &sym, &value, NULL, NULL, NULL);

		if (!name || !*name || GELF_ST_TYPE(sym.st_info) != STT_FUNC || !value)
			continue;
		sm->syms[sm->sym_cnt++] = (struct func_sym){ value, sym.st_size ? value + sym.st_size : 0,
							     name };
	}
	qsort(sm->syms, sm->sym_cnt, sizeof(*sm->syms), cmp_func_sym);
}

/* The function symbol holding addr, or NULL: the last one starting at or before it, when it
 * is sized to hold it (or unsized). */
static const char *symbol_at(struct sym_module *sm, GElf_Addr addr)
{
	size_t lo = 0, hi;

	if (!sm->syms_built)
		build_symbols(sm);
	hi = sm->sym_cnt;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sm->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* of several symbols at one address (aliases), one sized to hold addr */
	for (size_t i = lo; i-- > 0 && sm->syms[i].start == sm->syms[lo - 1].start;)
		if (!sm->syms[i].end || addr < sm->syms[i].end)
			return sm->syms[i].name;
	return NULL;
}

/* The address libdw knows for a file offset: through the PT_LOAD segment that holds it. */
static int offset_to_addr(const struct sym_module *sm, uint64_t off, Dwarf_Addr *addr)
{
	size_t phnum;

	if (elf_getphdrnum(sm->elf, &phnum))
		return -EINVAL;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(sm->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			*addr = off - ph.p_offset + ph.p_vaddr + sm->bias;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *demangled(struct symbolizer *s, int slot, const char *name)
{
	int status = -1;
	char *d;

	if (!name || strncmp(name, "_Z", 2))
		return name;
	d = __cxa_demangle(name, NULL, NULL, &status);
	if (status || !d) {
		free(d);
		return name;
	}
	s->scratch[slot] = d;
	return d;
}

/* A subprogram's or inlined instance's names: demangled, and as the binary has it. */
static void die_function_names(struct symbolizer *s, int slot, Dwarf_Die *die, struct frame *f)
{
	Dwarf_Attribute attr;
	const char *linkage;
	int line = 0;

	linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!linkage)
		linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	f->system_name = linkage;
	f->func = linkage ? demangled(s, slot, linkage)
			  : dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	if (!f->func)
		f->func = "[unknown]";
	f->start_line = dwarf_decl_line(die, &line) == 0 && line > 0 ? line : 0;
}

static void call_site(Dwarf_Die *cudie, Dwarf_Die *inlined, const char **file, uint32_t *line)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word idx = 0, l = 0;
	size_t nfiles;

	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &idx) == 0 &&
	    dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && idx < nfiles)
		*file = dwarf_filesrc(files, idx, NULL, NULL);
	if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &l) == 0)
		*line = l;
}

/* Frames from the DWARF scopes at addr: each inlined instance, then its subprogram. */
static uint32_t dwarf_frames(struct symbolizer *s, struct sym_module *sm, Dwarf_Addr addr,
			     const char *file, uint32_t line, struct frame *frames)
{
	Dwarf_Die *cudie, *scopes = NULL, innermost;
	Dwarf_Addr cubias;
	uint32_t n = 0;
	int nscopes;

	cudie = dwfl_module_addrdie(sm->mod, addr, &cubias);
	if (!cudie)
		return 0;
	nscopes = dwarf_getscopes(cudie, addr - cubias, &scopes);
	if (nscopes <= 0)
		return 0;
	/*
	 * Past an inlined instance, dwarf_getscopes() goes on with the scopes of the inlined
	 * function's abstract definition; the concrete callers come from the innermost DIE's
	 * own nesting (as eu-addr2line -i does).
	 */
	innermost = scopes[0];
	free(scopes);
	scopes = NULL;
	nscopes = dwarf_getscopes_die(&innermost, &scopes);
	for (int i = 0; i < nscopes && n < SYM_MAX_FRAMES; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
			continue;
		die_function_names(s, n, &scopes[i], &frames[n]);
		frames[n].file = file;
		frames[n].line = line;
		n++;
		if (tag == DW_TAG_subprogram)
			break;
		/* the caller's frame is at this inlined instance's call site */
		call_site(cudie, &scopes[i], &file, &line);
	}
	free(scopes);
	return n;
}


static uint32_t resolve(struct symbolizer *s, const struct module *mod, uint64_t file_offset,
			struct frame frames[SYM_MAX_FRAMES], bool *fresh);

/*
 * Timed: a module's first lookup (opening it, finding and decompressing its debug info) is
 * counted apart from the steady state.
 */
uint32_t symbolizer__resolve(struct symbolizer *s, const struct module *mod, uint64_t file_offset,
			     struct frame frames[SYM_MAX_FRAMES])
{
	uint64_t start = mono_ns();
	bool fresh = false;
	uint32_t n = resolve(s, mod, file_offset, frames, &fresh);

	if (fresh)
		s->stats.open_ns += mono_ns() - start;
	else
		s->stats.lookup_ns += mono_ns() - start;
	return n;
}

static uint32_t resolve(struct symbolizer *s, const struct module *mod, uint64_t file_offset,
			struct frame frames[SYM_MAX_FRAMES], bool *fresh)
{
	struct sym_module *sm;
	const char *file = NULL, *name;
	Dwarf_Addr addr;
	Dwfl_Line *dl;
	uint32_t n = 0;
	int line = 0;

	free_scratch(s);
	sm = mod ? module_state(s, mod, fresh) : NULL;
	if (!sm || offset_to_addr(sm, file_offset, &addr))
		goto unknown;

	dl = dwfl_module_getsrc(sm->mod, addr);
	if (dl)
		file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);
	n = dwarf_frames(s, sm, addr, file, line > 0 ? line : 0, frames);
	if (n) {
		s->stats.resolved++;
		return n;
	}
	/* no DWARF: the ELF symbol table still names the function */
	name = symbol_at(sm, addr);
	if (name) {
		frames[0].func = demangled(s, 0, name);
		frames[0].system_name = name;
		frames[0].start_line = 0;
		frames[0].file = file;
		frames[0].line = line > 0 ? line : 0;
		s->stats.resolved++;
		return 1;
	}
unknown:
	frames[0] = (struct frame){ .func = "[unknown]" };
	s->stats.unresolved++;
	return 1;
}

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *out)
{
	*out = s->stats;
}
