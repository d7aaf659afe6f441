// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "hashmap.h"
#include "table_loader.h"
#include "log.h"
#include "cfi_table.h"
#include "targetfile.h"

#define MAX_SEGMENTS 16

/* What the walker needs of a file: its table and where its segments go in memory. */
struct loaded_file {
	uint32_t id; /* UNWIND_NO_FILE: no table */
	bool excluded; /* not walkable in the kernel: left out of every layout, see file_of() */
	uint32_t seg_cnt;
	struct {
		uint64_t offset, vaddr, filesz;
	} segs[MAX_SEGMENTS];
};

struct table_loader {
	struct unwind_map_fds fds;
	struct hashmap *files; /* build ID, or (dev, inode) -> struct loaded_file */
	struct hashmap *procs; /* pid -> the generation of its address-space model loaded */
	uint32_t next_row;
	struct table_loader_stats stats;
};

struct table_loader *table_loader__new(const struct unwind_map_fds *fds)
{
	struct table_loader *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	elf_version(EV_CURRENT);
	k->fds = *fds;
	k->files = hashmap__new(sizeof(struct loaded_file));
	k->procs = hashmap__new(sizeof(uint64_t));
	if (!k->files || !k->procs) {
		table_loader__free(k);
		errno = ENOMEM;
		return NULL;
	}
	return k;
}

void table_loader__free(struct table_loader *k)
{
	if (!k)
		return;
	hashmap__free(k->files);
	hashmap__free(k->procs);
	free(k);
}

static void read_segments(Elf *elf, struct loaded_file *f)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return;
	for (size_t i = 0; i < n && f->seg_cnt < MAX_SEGMENTS; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
			f->segs[f->seg_cnt++] = (typeof(f->segs[0])){ ph.p_offset, ph.p_vaddr, ph.p_filesz };
	}
}

/* Copies the table's rows after those already loaded, and names their range. */
static int load_table(struct table_loader *k, const struct cfi_table *t, uint32_t id)
{
	struct unwind_file file = { .first_row = k->next_row };
	const struct unwind_row *rows;
	uint32_t *keys, n;
	int err = 0;
	size_t cnt;

	rows = cfi_table__rows(t, &cnt);
	if (cnt > k->fds.max_rows - k->next_row || id >= UNWIND_MAX_FILES)
		return -ENOSPC;
	keys = malloc(cnt * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++)
		keys[i] = k->next_row + i;
	n = cnt;
	if (bpf_map_update_batch(k->fds.rows, keys, rows, &n, NULL))
		err = -errno;
	free(keys);
	file.row_cnt = cnt;
	if (!err && bpf_map_update_elem(k->fds.files, &id, &file, BPF_ANY))
		err = -errno;
	if (!err) {
		k->next_row += cnt;
		k->stats.rows += cnt;
		k->stats.row_bytes += cnt * sizeof(*rows);
	}
	return err;
}

/* The file's table id, compiled and loaded on first sight; UNWIND_NO_FILE without one. */
static const struct loaded_file *file_of(struct table_loader *k, const struct module *mod)
{
	struct { uint64_t dev, inode; } di = { mod->dev, mod->inode };
	const void *key = mod->build_id ? (const void *)mod->build_id : &di;
	size_t key_sz = mod->build_id ? strlen(mod->build_id) + 1 : sizeof(di);
	struct cfi_table_stats st;
	struct cfi_table *t = NULL;
	struct loaded_file *f;
	uint64_t t0, t1;
	bool created;
	int err, fd;
	Elf *elf;

	f = hashmap__upsert(k->files, key, key_sz, &created);
	if (!f || !created)
		return f;
	f->id = UNWIND_NO_FILE;
	f->excluded = true;
	fd = module__open(mod);
	elf = fd >= 0 ? target_file_elf(fd) : NULL;
	if (!elf) {
		k->stats.files_excluded++;
		if (fd >= 0)
			close(fd);
		return f;
	}
	read_segments(elf, f);
	t0 = mono_ns();
	t = cfi_table__build(elf);
	t1 = mono_ns();
	err = t ? load_table(k, t, k->stats.files) : -errno;
	k->stats.build_ns += t1 - t0;
	k->stats.load_ns += mono_ns() - t1;
	/*
	 * Only a file without any CFI is walked by frame pointer. One whose table could not be
	 * loaded (no room left, a layout not understood) stays unknown to the kernel, and its
	 * samples come as stack copies: a frame-pointer walk through code built without frame
	 * pointers would make frames up.
	 */
	f->excluded = err && err != -ENOENT;
	if (!err) {
		cfi_table__stats(t, &st);
		f->id = k->stats.files++;
		pr_info("unwind table of %s: %zu rows, %zu KiB, compiled in %.1f ms\n", mod->path,
			st.row_cnt, st.mem_sz / 1024, st.build_ns / 1e6);
	} else if (err == -EFBIG) {
		k->stats.files_excluded++;
		k->stats.files_over_bounds++;
		pr_warn("%s: CFI past memsnoop's bounds (%llu MiB of CFI, %u rows): no unwind table, "
			"its samples are sent as stack copies\n", mod->path, CFI_MAX_SECTION_SZ >> 20,
			CFI_MAX_ROWS);
	} else if (err == -ENOENT) {
		k->stats.files_no_cfi++;
		pr_info("%s: no CFI: its frames are walked by frame pointer\n", mod->path);
	} else {
		k->stats.files_excluded++;
		pr_warn("%s: unwind table not loaded (%s): its samples are sent as stack copies\n",
			mod->path, strerror(-err));
	}
	cfi_table__free(t);
	elf_end(elf);
	close(fd);
	return f;
}

/* The file's virtual address of the mapping's start, by the segment its offset falls in. */
static bool map_bias(const struct loaded_file *f, const struct mapping *m, uint64_t *bias)
{
	for (uint32_t i = 0; i < f->seg_cnt; i++) {
		if (m->offset >= f->segs[i].offset &&
		    m->offset < f->segs[i].offset + f->segs[i].filesz) {
			*bias = m->start - (f->segs[i].vaddr + (m->offset - f->segs[i].offset));
			return true;
		}
	}
	return false;
}

struct layout_ctx {
	struct table_loader *k;
	struct unwind_proc *proc;
};

static int add_mapping(const struct mapping *m, const struct module *mod, void *data)
{
	struct layout_ctx *c = data;
	const struct loaded_file *f;
	struct unwind_map *um;
	uint64_t bias = 0;

	if (!m->exec || c->proc->cnt == UNWIND_MAX_MAPS)
		return 0;
	f = file_of(c->k, mod);
	if (!f)
		return -ENOMEM;
	if (f->excluded)
		return 0;
	um = &c->proc->maps[c->proc->cnt++];
	um->start = m->start;
	um->end = m->end;
	um->file_id = f->id != UNWIND_NO_FILE && map_bias(f, m, &bias) ? f->id : UNWIND_NO_FILE;
	um->bias = bias;
	return 0;
}

void table_loader__forget_process(struct table_loader *k, pid_t pid)
{
	__u32 key = pid;

	if (hashmap__delete(k->procs, &pid, sizeof(pid), NULL))
		bpf_map_delete_elem(k->fds.procs, &key);
}

int table_loader__load_process(struct table_loader *k, struct addrspaces *as, pid_t pid)
{
	struct layout_ctx c = { .k = k, .proc = calloc(1, sizeof(*c.proc)) };
	uint64_t gen = addrspaces__generation(as, pid), *loaded;
	__u32 key = pid;
	int err;

	if (!c.proc)
		return -ENOMEM;
	err = addrspaces__for_each_file_mapping(as, pid, add_mapping, &c);
	if (!err && bpf_map_update_elem(k->fds.procs, &key, c.proc, BPF_ANY))
		err = -errno;
	loaded = err ? NULL : hashmap__upsert(k->procs, &pid, sizeof(pid), NULL);
	if (loaded) {
		*loaded = gen;
		k->stats.procs++;
	}
	free(c.proc);
	return err;
}

int table_loader__refresh(struct table_loader *k, struct addrspaces *as, pid_t pid)
{
	const uint64_t *loaded = hashmap__find(k->procs, &pid, sizeof(pid));

	if (loaded && *loaded == addrspaces__generation(as, pid))
		return 0;
	return table_loader__load_process(k, as, pid);
}

void table_loader__stats(const struct table_loader *k, struct table_loader_stats *out)
{
	*out = k->stats;
}
