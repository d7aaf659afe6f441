// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "allocators.h"
#include "log.h"
#include "targetfile.h"
#include "placement.h"
#include "procmaps.h"

static const char *const fn_names[FN_CNT] = {
	[FN_MALLOC] = "malloc",
	[FN_CALLOC] = "calloc",
	[FN_REALLOC] = "realloc",
	[FN_REALLOCARRAY] = "reallocarray",
	[FN_POSIX_MEMALIGN] = "posix_memalign",
	[FN_ALIGNED_ALLOC] = "aligned_alloc",
	[FN_MEMALIGN] = "memalign",
	[FN_VALLOC] = "valloc",
	[FN_PVALLOC] = "pvalloc",
	[FN_FREE] = "free",
};

/* Allocator-internal names that can appear in a stack above the probed entry point. */
static const char *const internal_names[] = {
	"__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_free", "__libc_memalign",
	"__libc_valloc", "__libc_pvalloc", "__libc_reallocarray", "__posix_memalign",
	"operator new", "operator new[]", "operator delete", "operator delete[]",
};

static const unsigned char fn_arg_cnt[FN_CNT] = {
	[FN_MALLOC] = 1, [FN_CALLOC] = 2, [FN_REALLOC] = 2, [FN_REALLOCARRAY] = 3,
	[FN_POSIX_MEMALIGN] = 3, [FN_ALIGNED_ALLOC] = 2, [FN_MEMALIGN] = 2, [FN_VALLOC] = 1,
	[FN_PVALLOC] = 1, [FN_FREE] = 1,
};

unsigned alloc_fn_arg_cnt(enum alloc_fn fn)
{
	return fn < FN_CNT ? fn_arg_cnt[fn] : 6;
}

const char *alloc_fn_name(enum alloc_fn fn)
{
	return fn < FN_CNT ? fn_names[fn] : "?";
}

bool is_allocator_function(const char *name)
{
	size_t i;

	for (i = 0; i < FN_CNT; i++)
		if (!strcmp(name, fn_names[i]))
			return true;
	for (i = 0; i < sizeof(internal_names) / sizeof(internal_names[0]); i++) {
		size_t len = strlen(internal_names[i]);

		/* "operator new(unsigned long)" and its overloads */
		if (!strncmp(name, internal_names[i], len) && (name[len] == '\0' || name[len] == '('))
			return true;
	}
	return false;
}

/* The file offset of a virtual address, through the PT_LOAD segment that holds it. */
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

#define PLACEMENT_MAX_FUNC_SZ (64 * 1024)

/* Decodes the function's code (all of it, when its size is known) to choose its probe offset. */
static void place_probe(Elf *elf, const GElf_Sym *sym, enum alloc_fn fn, struct alloc_entry *e)
{
	Elf_Scn *scn = elf_getscn(elf, sym->st_shndx);
	struct placement p = { 0 };
	Elf_Data *data;
	GElf_Shdr sh;
	size_t off, len;

	snprintf(e->placement_why, sizeof(e->placement_why), "entry: code not readable");
	e->probe_offset = 0;
	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
	    sym->st_value < sh.sh_addr || sym->st_value >= sh.sh_addr + sh.sh_size)
		return;
	data = elf_getdata(scn, NULL);
	off = sym->st_value - sh.sh_addr;
	if (!data || !data->d_buf || off >= data->d_size)
		return;
	len = sym->st_size ? sym->st_size : 64;
	if (len > data->d_size - off)
		len = data->d_size - off;
	if (len > PLACEMENT_MAX_FUNC_SZ)
		len = PLACEMENT_MAX_FUNC_SZ;
	placement_choose((const uint8_t *)data->d_buf + off, len, fn_arg_cnt[fn], &p);
	e->probe_offset = p.offset;
	memcpy(e->placement_why, p.why, sizeof(e->placement_why));
}

static void scan_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
			struct alloc_entry entries[FN_CNT])
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t cnt = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;

	for (size_t i = 0; data && i < cnt; i++) {
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		for (int fn = 0; fn < FN_CNT; fn++) {
			if (entries[fn].found || strcmp(name, fn_names[fn]))
				continue;
			if (!vaddr_to_offset(elf, sym.st_value, &entries[fn].offset)) {
				entries[fn].found = true;
				place_probe(elf, &sym, fn, &entries[fn]);
			}
		}
	}
}

/* Two names at one address (glibc's memalign and aligned_alloc) are probed once. */
static void mark_aliases(struct alloc_entry entries[FN_CNT])
{
	for (int fn = 0; fn < FN_CNT; fn++) {
		entries[fn].alias_of = FN_CNT;
		for (int prev = 0; entries[fn].found && prev < fn; prev++) {
			if (entries[prev].found && entries[prev].alias_of == FN_CNT &&
			    entries[prev].offset == entries[fn].offset) {
				entries[fn].alias_of = prev;
				break;
			}
		}
	}
}

int alloc_entries__read_elf(const char *path, struct alloc_entry entries[FN_CNT])
{
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	int fd, err = 0;

	memset(entries, 0, sizeof(entries[0]) * FN_CNT);
	elf_version(EV_CURRENT);
	fd = target_file_open(path, true, 0, 0);
	if (fd < 0)
		return fd;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = -ENOEXEC;
		goto out;
	}
	/* .dynsym first: what the dynamic linker binds to; .symtab for static executables */
	for (int pass = 0; pass < 2; pass++) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) &&
			    sh.sh_type == (pass == 0 ? SHT_DYNSYM : SHT_SYMTAB))
				scan_symtab(elf, scn, &sh, entries);
		}
	}
	mark_aliases(entries);
out:
	elf_end(elf);
	close(fd);
	return err;
}

static bool any_found(const struct alloc_entry entries[FN_CNT])
{
	for (int fn = 0; fn < FN_CNT; fn++)
		if (entries[fn].found)
			return true;
	return false;
}

static bool seen_file(const struct procmaps *pm, size_t upto, const struct mapping *m)
{
	for (size_t i = 0; i < upto; i++)
		if (pm->maps[i].dev == m->dev && pm->maps[i].inode == m->inode)
			return true;
	return false;
}

int alloc_objects__add_file(struct alloc_objects *objs, const char *path, const char *open_path)
{
	struct alloc_entry entries[FN_CNT];
	struct alloc_object *obj, *tmp;

	for (size_t i = 0; i < objs->cnt; i++)
		if (!strcmp(objs->objs[i].open_path, open_path))
			return 0;
	if (alloc_entries__read_elf(open_path, entries) || !any_found(entries))
		return 0;
	tmp = realloc(objs->objs, (objs->cnt + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	objs->objs = tmp;
	obj = &objs->objs[objs->cnt];
	obj->path = strdup(path);
	obj->open_path = strdup(open_path);
	memcpy(obj->entries, entries, sizeof(entries));
	objs->cnt++;
	return obj->path && obj->open_path ? 0 : -ENOMEM;
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
		char open_path[PATH_MAX];

		if (!mapping_is_file(m) || seen_file(&pm, i, m))
			continue;
		snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", (int)pid, m->path);
		err = alloc_objects__add_file(out, m->path, open_path);
	}
	procmaps__clear(&pm);
	if (err)
		alloc_objects__clear(out);
	return err;
}

void alloc_objects__clear(struct alloc_objects *objs)
{
	for (size_t i = 0; i < objs->cnt; i++) {
		free(objs->objs[i].path);
		free(objs->objs[i].open_path);
	}
	free(objs->objs);
	objs->objs = NULL;
	objs->cnt = 0;
}
