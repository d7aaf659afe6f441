// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Finding allocator entry points, and deciding which of them to probe.
 *
 * Every defined function symbol of an object that the allocator table names is an entry.
 * Counting each of the program's calls exactly once takes three rules, all read from the code
 * with a disassembler at attach time:
 *
 * - One address, one probe. tcmalloc's malloc is tc_malloc, mimalloc's free is operator
 *   delete, glibc's memalign is aligned_alloc: the first row in table order is probed, the
 *   others are aliases that count into it (the report labels it "free+delete").
 * - A stub (a function whose first instruction jumps) is its target. A jump to another entry
 *   point, directly or through the PLT (jemalloc's operator delete is `jmp free@plt`), makes
 *   it an alias of that entry, or leaves it to the object that defines it; a jump to internal
 *   code (musl's malloc) moves the probe there.
 * - A function that calls another entry point forwards to it. A C++ operator that does
 *   (libstdc++'s operator new calls malloc) is not probed at all: its callee counts it, so a
 *   glibc + libstdc++ program pays no extra trap per new. Any other forwarder (glibc's realloc
 *   calling malloc, a debugging shim calling __libc_malloc) is probed with COOKIE_FORWARDS:
 *   the BPF program then knows the inner call for what it is.
 *
 * A stripped executable still has its allocator found through .gnu_debugdata (MiniDebugInfo,
 * xz-compressed symbols) or a separate debug file found by build ID.
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alloc_names.h"
#include "allocators.h"
#include "array.h"
#include "codescan.h"
#include "hashmap.h"
#include "log.h"
#include "targetfile.h"
#include "placement.h"
#include "procmaps.h"

#define PLACEMENT_MAX_FUNC_SZ (64 * 1024)
#define STUB_TARGET_SCAN_SZ 64		       /* a stub's target has no known size */
#define MINIDEBUGINFO_MAX_SZ (64 << 20)	       /* decompressed .gnu_debugdata */
#define LABEL_MAX_NAMES 3

/* The object being read: its ELF (code, PLT) and where its symbols came from. */
struct elf_file {
	Elf *elf;
	Elf *sym_elf; /* .gnu_debugdata or a debug file, when the symbols are there */
	void *sym_buf;
	int sym_fd;
	bool defines_malloc;
	int family_votes[FAMILY_CNT];
	unsigned own_mask; /* allocators it carries, see alloc_own_marker() */
};

struct scan_state {
	struct elf_file *ef;
	struct alloc_object *obj;
	uint64_t *sizes; /* parallel to obj->entries: each symbol's size, 0 when unknown */
	size_t cap;
};

static int find_entry_by_symbol(const struct alloc_object *obj, const char *symbol)
{
	for (size_t i = 0; i < obj->entry_cnt; i++)
		if (!strcmp(obj->entries[i].symbol, symbol))
			return i;
	return -1;
}

static int find_entry_by_vaddr(const struct alloc_object *obj, uint64_t vaddr)
{
	for (size_t i = 0; i < obj->entry_cnt; i++)
		if (obj->entries[i].vaddr == vaddr)
			return i;
	return -1;
}

static int add_entry(struct scan_state *s, int row, const char *name, const GElf_Sym *sym)
{
	struct alloc_object *obj = s->obj;
	struct alloc_entry *e;
	size_t sizes_cap;

	if (strlen(name) >= sizeof(e->symbol) || find_entry_by_symbol(obj, name) >= 0)
		return 0;
	/* two arrays of one capacity: s->cap grows last, once both have room */
	sizes_cap = s->cap;
	if (grow_array((void **)&s->sizes, &sizes_cap, obj->entry_cnt + 1, sizeof(*s->sizes)) ||
	    grow_array((void **)&obj->entries, &s->cap, obj->entry_cnt + 1, sizeof(*obj->entries)))
		return -ENOMEM;
	e = &obj->entries[obj->entry_cnt];
	memset(e, 0, sizeof(*e));
	e->row = row;
	e->role = ENTRY_PROBED;
	e->alias_of = -1;
	e->vaddr = sym->st_value;
	snprintf(e->symbol, sizeof(e->symbol), "%s", name);
	s->sizes[obj->entry_cnt++] = sym->st_size;
	return 0;
}

/* Collects the entries of one symbol table, and the symbols that tell the family. */
static int scan_symtab(struct scan_state *s, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t cnt = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	int err = 0;

	for (size_t i = 0; data && i < cnt && !err; i++) {
		const char *name;
		GElf_Sym sym;
		int row, family, own;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		family = alloc_family_marker(name);
		if (family >= 0)
			s->ef->family_votes[family]++;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		own = alloc_own_marker(name);
		if (own >= 0)
			s->ef->own_mask |= 1u << own;
		if ((row = alloc_row_by_symbol(name)) < 0)
			continue;
		if (row == ROW_MALLOC)
			s->ef->defines_malloc = true;
		err = add_entry(s, row, name, &sym);
	}
	return err;
}

/* .dynsym first (what the dynamic linker binds to), then .symtab (static executables). */
static int scan_symbols(struct scan_state *s, Elf *elf)
{
	int err = 0;

	for (int pass = 0; pass < 2 && !err; pass++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(elf, scn)) && !err) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) && sh.sh_type == (pass ? SHT_SYMTAB : SHT_DYNSYM))
				err = scan_symtab(s, elf, scn, &sh);
		}
	}
	return err;
}

static Elf_Scn *section_named(Elf *elf, const char *want)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (gelf_getshdr(scn, &sh) && (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, want))
			return scn;
	}
	return NULL;
}

/* MiniDebugInfo: an xz-compressed ELF holding the symbol table a stripped file lacks. */
static Elf *open_minidebuginfo(struct elf_file *ef)
{
	Elf_Scn *scn = section_named(ef->elf, ".gnu_debugdata");
	Elf_Data *data = scn ? elf_rawdata(scn, NULL) : NULL;
	uint64_t memlimit = MINIDEBUGINFO_MAX_SZ * 2ULL;
	size_t in_pos = 0, out_pos = 0;
	uint8_t *out;

	if (!data || !data->d_size)
		return NULL;
	out = malloc(MINIDEBUGINFO_MAX_SZ);
	if (!out)
		return NULL;
	if (lzma_stream_buffer_decode(&memlimit, 0, NULL, data->d_buf, &in_pos, data->d_size, out,
				      &out_pos, MINIDEBUGINFO_MAX_SZ) != LZMA_OK) {
		pr_debug(".gnu_debugdata does not decompress (or is over %d MiB)\n",
			 MINIDEBUGINFO_MAX_SZ >> 20);
		free(out);
		return NULL;
	}
	ef->sym_buf = out;
	return elf_memory((char *)out, out_pos);
}

/* The separate debug file of the standard build-ID directory. */
static Elf *open_debug_file(struct elf_file *ef)
{
	char path[PATH_MAX];
	const uint8_t *id;
	ssize_t len;
	int fd;

	len = dwelf_elf_gnu_build_id(ef->elf, (const void **)&id);
	if (len <= 0 || target_debug_path_of_build_id(id, len, path, sizeof(path)))
		return NULL;
	fd = target_file_open(path, true, 0, 0);
	if (fd < 0)
		return NULL;
	ef->sym_fd = fd;
	return elf_begin(fd, ELF_C_READ, NULL);
}

/* A stripped file's symbols, from where a distribution keeps them. */
static int scan_detached_symbols(struct scan_state *s)
{
	static const char *const from[] = { ".gnu_debugdata", "debug file" };
	struct elf_file *ef = s->ef;

	for (int i = 0; i < 2 && !s->obj->entry_cnt; i++) {
		int err;

		ef->sym_elf = i == 0 ? open_minidebuginfo(ef) : open_debug_file(ef);
		if (!ef->sym_elf)
			continue;
		err = scan_symbols(s, ef->sym_elf);
		if (err)
			return err;
		if (s->obj->entry_cnt) {
			s->obj->symbols_from = from[i];
			return 0;
		}
		elf_end(ef->sym_elf);
		ef->sym_elf = NULL;
	}
	return 0;
}

/* The section of the object's own file that holds vaddr, and its data. */
static Elf_Scn *section_of(Elf *elf, uint64_t vaddr, GElf_Shdr *sh, Elf_Data **data)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, sh) || sh->sh_type != SHT_PROGBITS ||
		    !(sh->sh_flags & SHF_EXECINSTR) || vaddr < sh->sh_addr ||
		    vaddr >= sh->sh_addr + sh->sh_size)
			continue;
		*data = elf_getdata(scn, NULL);
		return *data && (*data)->d_buf ? scn : NULL;
	}
	return NULL;
}

/* The code at vaddr, at most len bytes and never past its section. NULL when unreadable. */
static const uint8_t *code_at(Elf *elf, uint64_t vaddr, size_t *len)
{
	Elf_Data *data;
	GElf_Shdr sh;
	size_t off;

	if (!section_of(elf, vaddr, &sh, &data))
		return NULL;
	off = vaddr - sh.sh_addr;
	if (off >= data->d_size)
		return NULL;
	if (*len > data->d_size - off)
		*len = data->d_size - off;
	return (const uint8_t *)data->d_buf + off;
}

/* The file offset of a virtual address, through the executable PT_LOAD segment holding it. */
static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *offset)
{
	size_t phnum;

	if (elf_getphdrnum(elf, &phnum))
		return -EINVAL;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

/* The symbol a relocation of slot names (a PLT entry's GOT slot), or NULL. */
static const char *slot_symbol(Elf *elf, uint64_t slot)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Scn *symscn;
		Elf_Data *data, *syms;
		GElf_Shdr sh, symsh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)) || !(symscn = elf_getscn(elf, sh.sh_link)) ||
		    !gelf_getshdr(symscn, &symsh) || !(syms = elf_getdata(symscn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela rela;
			GElf_Sym sym;

			if (!gelf_getrela(data, i, &rela) || rela.r_offset != slot)
				continue;
			if (!gelf_getsym(syms, GELF_R_SYM(rela.r_info), &sym))
				return NULL;
			return elf_strptr(elf, symsh.sh_link, sym.st_name);
		}
	}
	return NULL;
}

/* The function a PLT entry at vaddr calls, by name; NULL when vaddr is no PLT entry. */
static const char *plt_target(Elf *elf, uint64_t vaddr)
{
	size_t len = 16, shstrndx;
	const uint8_t *code = code_at(elf, vaddr, &len);
	const char *name;
	Elf_Data *data;
	GElf_Shdr sh;
	uint64_t slot;

	if (!code || elf_getshdrstrndx(elf, &shstrndx) || !section_of(elf, vaddr, &sh, &data))
		return NULL;
	name = elf_strptr(elf, shstrndx, sh.sh_name);
	if (!name || strncmp(name, ".plt", 4))
		return NULL;
	slot = codescan_plt_slot(code, len, vaddr);
	return slot ? slot_symbol(elf, slot) : NULL;
}

/* Places the probe of a probed entry whose code starts at vaddr (code_sz bytes long, 0:
 * unknown), after decoding it; sets offset too. */
static void place_probe(Elf *elf, struct alloc_entry *e, uint64_t vaddr, uint64_t code_sz)
{
	struct placement p = { 0 };
	size_t len = code_sz ? code_sz : STUB_TARGET_SCAN_SZ;
	const uint8_t *code;

	if (len > PLACEMENT_MAX_FUNC_SZ)
		len = PLACEMENT_MAX_FUNC_SZ;
	code = code_at(elf, vaddr, &len);
	e->probe_offset = 0;
	if (vaddr_to_offset(elf, vaddr, &e->offset)) {
		snprintf(e->note, sizeof(e->note), "not in an executable segment");
		e->role = ENTRY_ELSEWHERE;
		return;
	}
	if (!code) {
		snprintf(e->note, sizeof(e->note), "entry: code not readable");
		return;
	}
	placement_choose(code, len, alloc_row_arg_cnt(e->row), &p);
	/* without the function's size a later jump back into its prologue cannot be ruled out */
	if (!code_sz && p.offset) {
		p.offset = 0;
		snprintf(p.why, sizeof(p.why), "entry (the size of the code is unknown)");
	}
	e->probe_offset = p.offset;
	snprintf(e->note, sizeof(e->note), "%s", p.why);
}

/* A stub: an alias of the entry point it jumps to, left to another object, or probed at
 * its target when that is internal code. */
static void resolve_stub(struct elf_file *ef, struct alloc_object *obj, size_t i, uint64_t target,
			 uint64_t *code_vaddr, uint64_t *code_sz)
{
	struct alloc_entry *e = &obj->entries[i];
	const char *name = plt_target(ef->elf, target);
	int j = name ? find_entry_by_symbol(obj, name) : find_entry_by_vaddr(obj, target);

	if (j >= 0 && (size_t)j != i) {
		e->role = ENTRY_ALIAS;
		e->alias_of = j;
		snprintf(e->note, sizeof(e->note), "a jump to %s", obj->entries[j].symbol);
	} else if (name && alloc_row_by_symbol(name) >= 0) {
		e->role = ENTRY_ELSEWHERE;
		snprintf(e->note, sizeof(e->note), "a jump to %s@plt: counted where %s is", name, name);
	} else if (!name) {
		*code_vaddr = target;
		*code_sz = 0;
	} else {
		/* into a function of another object that may well call an entry point itself */
		e->forwards = true;
	}
}

/* True when the code calls or jumps to another entry point (j: which, for -v). */
static bool forwards_to(struct elf_file *ef, const struct alloc_object *obj, size_t i,
			const struct code_branches *br, const char **callee)
{
	for (size_t t = 0; t < br->target_cnt; t++) {
		const char *name = plt_target(ef->elf, br->targets[t]);
		int j;

		if (name && alloc_row_by_symbol(name) >= 0) {
			*callee = name;
			return true;
		}
		j = name ? -1 : find_entry_by_vaddr(obj, br->targets[t]);
		if (j >= 0 && (size_t)j != i) {
			*callee = obj->entries[j].symbol;
			return true;
		}
	}
	return false;
}

/* Follows alias chains to the probed entry (a stub of a stub); roles of what they end in. */
static void resolve_alias_chains(struct alloc_object *obj)
{
	for (size_t i = 0; i < obj->entry_cnt; i++) {
		struct alloc_entry *e = &obj->entries[i];
		int j = e->alias_of;

		for (int hops = 0; e->role == ENTRY_ALIAS && hops < 8; hops++) {
			const struct alloc_entry *to = &obj->entries[j];

			if (to->role != ENTRY_ALIAS) {
				e->alias_of = j;
				if (to->role != ENTRY_PROBED)
					e->role = to->role;
				break;
			}
			j = to->alias_of;
		}
		if (e->role == ENTRY_ALIAS && obj->entries[e->alias_of].role != ENTRY_PROBED) {
			e->role = ENTRY_ELSEWHERE; /* a cycle of stubs: nothing to probe */
			snprintf(e->note, sizeof(e->note), "a cycle of jumps");
		}
	}
}

/* One probe an address: the lowest row at an address is probed, the others count into it. */
static void merge_same_address(struct alloc_object *obj)
{
	for (size_t i = 0; i < obj->entry_cnt; i++) {
		struct alloc_entry *e = &obj->entries[i];

		if (e->role != ENTRY_PROBED)
			continue;
		for (size_t j = 0; j < obj->entry_cnt; j++) {
			struct alloc_entry *o = &obj->entries[j];

			if (j == i || o->role != ENTRY_PROBED || o->offset != e->offset)
				continue;
			if (o->row < e->row ||
			    (o->row == e->row && alloc_symbol_rank(o->symbol) < alloc_symbol_rank(e->symbol))) {
				e->role = ENTRY_ALIAS;
				e->alias_of = j;
				snprintf(e->note, sizeof(e->note), "the same code as %s", o->symbol);
				break;
			}
		}
	}
}

static void analyse_entries(struct scan_state *s)
{
	struct alloc_object *obj = s->obj;
	struct elf_file *ef = s->ef;

	for (size_t i = 0; i < obj->entry_cnt; i++) {
		struct alloc_entry *e = &obj->entries[i];
		uint64_t code_vaddr = e->vaddr, code_sz = s->sizes[i];
		size_t len = code_sz ? code_sz : STUB_TARGET_SCAN_SZ;
		const uint8_t *code = code_at(ef->elf, e->vaddr, &len);
		struct code_branches br = { 0 };
		const char *callee = NULL;

		if (code && !codescan_branches(code, len, e->vaddr, &br) && br.is_stub)
			resolve_stub(ef, obj, i, br.stub_target, &code_vaddr, &code_sz);
		if (e->role != ENTRY_PROBED)
			continue;
		if (e->forwards)
			callee = "a function of another object";
		else if (code_vaddr == e->vaddr && forwards_to(ef, obj, i, &br, &callee)) {
			if (alloc_row_api(e->row) == API_CXX) {
				e->role = ENTRY_FORWARDED;
				snprintf(e->note, sizeof(e->note), "calls %s: counted there", callee);
				continue;
			}
			e->forwards = true;
		}
		place_probe(ef->elf, e, code_vaddr, code_sz);
		if (e->forwards && e->role == ENTRY_PROBED) {
			size_t n = strlen(e->note);

			snprintf(e->note + n, sizeof(e->note) - n, "; calls %s, its own call", callee);
		}
	}
	merge_same_address(obj);
	resolve_alias_chains(obj);
}

static enum alloc_family decide_family(const struct elf_file *ef)
{
	static const enum alloc_family order[] = { FAMILY_JEMALLOC, FAMILY_TCMALLOC,
						   FAMILY_MIMALLOC, FAMILY_MUSL, FAMILY_GLIBC };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (ef->family_votes[order[i]])
			return order[i];
	return FAMILY_OTHER;
}

static void elf_file__close(struct elf_file *ef)
{
	elf_end(ef->sym_elf);
	free(ef->sym_buf);
	if (ef->sym_fd >= 0)
		close(ef->sym_fd);
	elf_end(ef->elf);
}

/* Reads the entry points of the ELF file open as fd (closed here). */
static int read_elf_fd(int fd, struct alloc_object *obj)
{
	struct elf_file ef = { .sym_fd = -1 };
	struct scan_state s = { .ef = &ef, .obj = obj };
	struct stat st;
	int err;

	obj->entries = NULL;
	obj->entry_cnt = 0;
	obj->family = FAMILY_OTHER;
	obj->symbols_from = "symbol table";
	elf_version(EV_CURRENT);
	if (!fstat(fd, &st)) {
		obj->dev = st.st_dev;
		obj->ino = st.st_ino;
	}
	/* Read, not mapped: a new mapping of a file some uprobe is on (another
	 * run's, another tool's) gets that probe's int3s, which would look like
	 * the allocator's code. */
	ef.elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!ef.elf || elf_kind(ef.elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	err = scan_symbols(&s, ef.elf);
	if (!err && !obj->entry_cnt)
		err = scan_detached_symbols(&s);
	obj->own_mask = ef.own_mask;
	if (err)
		goto out;
	obj->family = decide_family(&ef);
	obj->own_mask = ef.own_mask;
	analyse_entries(&s);
out:
	free(s.sizes);
	elf_file__close(&ef);
	close(fd);
	if (err)
		alloc_object__clear(obj);
	return err;
}

int alloc_object__read_elf(const char *path, struct alloc_object *obj)
{
	int fd = target_file_open(path, true, 0, 0);

	return fd < 0 ? fd : read_elf_fd(fd, obj);
}

bool alloc_elf_is_stripped(const char *path)
{
	bool has_symbols = false;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = target_file_open(path, false, 0, 0);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM))
			has_symbols = true;
	}
	elf_end(elf);
	close(fd);
	return !has_symbols;
}

void alloc_object__clear(struct alloc_object *obj)
{
	free(obj->entries);
	obj->entries = NULL;
	obj->entry_cnt = 0;
}

static bool seen_file(const struct procmaps *pm, size_t upto, const struct mapping *m)
{
	for (size_t i = 0; i < upto; i++)
		if (pm->maps[i].dev == m->dev && pm->maps[i].inode == m->inode)
			return true;
	return false;
}

static int add_note(struct alloc_objects *objs, char *note)
{
	for (size_t i = 0; i < objs->own_note_cnt; i++) {
		if (!strcmp(objs->own_notes[i], note)) {
			free(note);
			return 0;
		}
	}
	if (objs->own_note_cnt == ALLOC_OWN_NOTES_MAX)
		free(note);
	else
		objs->own_notes[objs->own_note_cnt++] = note;
	return 0;
}

int alloc_objects__copy_notes(struct alloc_objects *dst, const struct alloc_objects *src)
{
	for (size_t i = 0; i < src->own_note_cnt; i++) {
		char *note = strdup(src->own_notes[i]);

		if (!note)
			return -ENOMEM;
		add_note(dst, note);
	}
	return 0;
}

/* The report's line for a file that carries an allocator memsnoop does not probe, once. */
static int note_own_allocators(struct alloc_objects *objs, const char *path, unsigned mask)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *note;

	for (int own = 0; own < ALLOC_OWN_CNT; own++) {
		if (!(mask & (1u << own)))
			continue;
		if (asprintf(&note, "%s carries its own allocator (%s): what it allocates there is "
				    "not probed, only its calls to the allocators above",
			     base, alloc_own_name(own)) < 0)
			return -ENOMEM;
		add_note(objs, note);
	}
	return 0;
}

/* Adds the object read from fd (closed here) when it defines entry points and is not there. */
static int add_object(struct alloc_objects *objs, const char *path, const char *open_path, int fd)
{
	struct alloc_object obj = { 0 }, *tmp;

	if (read_elf_fd(fd, &obj))
		return 0;
	if (obj.own_mask && note_own_allocators(objs, path, obj.own_mask)) {
		alloc_object__clear(&obj);
		return -ENOMEM;
	}
	if (!obj.entry_cnt)
		return 0;
	for (size_t i = 0; i < objs->cnt; i++) {
		if (objs->objs[i].dev == obj.dev && objs->objs[i].ino == obj.ino) {
			alloc_object__clear(&obj);
			return 0;
		}
	}
	tmp = realloc(objs->objs, (objs->cnt + 1) * sizeof(*tmp));
	if (!tmp) {
		alloc_object__clear(&obj);
		return -ENOMEM;
	}
	objs->objs = tmp;
	obj.path = strdup(path);
	obj.open_path = strdup(open_path);
	objs->objs[objs->cnt++] = obj;
	return obj.path && obj.open_path ? 0 : -ENOMEM;
}

int alloc_objects__add_file(struct alloc_objects *objs, const char *path, const char *open_path)
{
	int fd;

	for (size_t i = 0; i < objs->cnt; i++)
		if (!strcmp(objs->objs[i].open_path, open_path))
			return 0;
	fd = target_file_open(open_path, true, 0, 0);
	return fd < 0 ? 0 : add_object(objs, path, open_path, fd);
}

/*
 * A file pid maps, read (and later probed) through /proc/PID/map_files: the very file mapped,
 * whatever root the process has (a chroot, a container) and even if renamed since.
 */
static int add_mapped(struct alloc_objects *objs, pid_t pid, const struct mapping *m)
{
	char open_path[PATH_MAX];
	int fd = target_file_open_mapped(pid, m);

	if (fd < 0)
		return 0;
	snprintf(open_path, sizeof(open_path), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	return add_object(objs, m->path, open_path, fd);
}

int alloc_objects__find(pid_t pid, struct alloc_objects *out)
{
	struct procmaps pm;
	int err;

	memset(out, 0, sizeof(*out));
	err = procmaps__read(pid, &pm);
	if (err)
		return err;
	for (size_t i = 0; i < pm.cnt && !err; i++) {
		const struct mapping *m = &pm.maps[i];

		if (!mapping_is_file(m) || seen_file(&pm, i, m))
			continue;
		err = add_mapped(out, pid, m);
	}
	procmaps__clear(&pm);
	if (err)
		alloc_objects__clear(out);
	return err;
}

int alloc_objects__scan(pid_t pid, struct hashmap *seen, struct alloc_objects *out)
{
	size_t before = out->cnt;
	struct procmaps pm;
	int err;

	err = procmaps__read(pid, &pm);
	if (err)
		return err;
	for (size_t i = 0; i < pm.cnt && !err; i++) {
		const struct mapping *m = &pm.maps[i];
		uint64_t key[2] = { m->dev, m->inode };
		bool created;

		if (!mapping_is_file(m) || !hashmap__upsert(seen, key, sizeof(key), &created) ||
		    !created)
			continue;
		err = add_mapped(out, pid, m);
	}
	procmaps__clear(&pm);
	return err ?: (int)(out->cnt - before);
}

void alloc_objects__clear(struct alloc_objects *objs)
{
	for (size_t i = 0; i < objs->cnt; i++) {
		free(objs->objs[i].path);
		free(objs->objs[i].open_path);
		alloc_object__clear(&objs->objs[i]);
	}
	free(objs->objs);
	objs->objs = NULL;
	objs->cnt = 0;
	for (size_t i = 0; i < objs->own_note_cnt; i++)
		free(objs->own_notes[i]);
	objs->own_note_cnt = 0;
}

void alloc_objects__counter_label(const struct alloc_objects *objs, size_t obj_sets,
				  unsigned counter, char *buf, size_t sz)
{
	bool rows[ALLOC_ROW_CNT] = { false };
	size_t off = 0, shown = 0;

	for (size_t set = 0; set < obj_sets; set++) {
		for (size_t o = 0; o < objs[set].cnt; o++) {
			const struct alloc_object *obj = &objs[set].objs[o];

			if (obj->family != counter / ALLOC_ROW_CNT)
				continue;
			for (size_t i = 0; i < obj->entry_cnt; i++) {
				const struct alloc_entry *e = &obj->entries[i];
				const struct alloc_entry *to = e->role == ENTRY_ALIAS ?
								       &obj->entries[e->alias_of] : e;

				if (to->role == ENTRY_PROBED && to->row == alloc_counter_row(counter))
					rows[e->row] = true;
			}
		}
	}
	buf[0] = '\0';
	for (int row = 0; row < ALLOC_ROW_CNT && off < sz; row++) {
		if (!rows[row])
			continue;
		/* a report row stays readable: -v lists every alias */
		if (++shown > LABEL_MAX_NAMES) {
			snprintf(buf + off, sz - off, "+more");
			break;
		}
		off += snprintf(buf + off, sz - off, "%s%s", off ? "+" : "", alloc_row_name(row));
	}
}
