// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addrspace.h"
#include "hashmap.h"
#include "log.h"
#include "procmaps.h"
#include "targetfile.h"

struct process {
	uint64_t generation;
	struct procmaps maps;
	struct hashmap *misses; /* pcs that missed since the last refresh: refresh once, not per pc */
	uint32_t *module_ids;	/* per mapping */
};

struct addrspaces {
	struct hashmap *procs;	 /* pid -> struct process */
	struct hashmap *modules; /* (dev, inode) -> module id */
	struct module **list;
	size_t module_cnt;
};

struct addrspaces *addrspaces__new(void)
{
	struct addrspaces *as = calloc(1, sizeof(*as));

	if (!as)
		return NULL;
	as->procs = hashmap__new(sizeof(struct process));
	as->modules = hashmap__new(sizeof(uint32_t));
	if (!as->procs || !as->modules) {
		addrspaces__free(as);
		errno = ENOMEM;
		return NULL;
	}
	return as;
}

static void process_clear(struct process *p)
{
	procmaps__clear(&p->maps);
	free(p->module_ids);
	p->module_ids = NULL;
}

static void process_free(const void *key, void *value, void *ctx)
{
	struct process *p = value;

	(void)key, (void)ctx;
	process_clear(p);
	hashmap__free(p->misses);
}

void addrspaces__forget(struct addrspaces *as, pid_t pid)
{
	struct process p;

	if (hashmap__delete(as->procs, &pid, sizeof(pid), &p))
		process_free(&pid, &p, NULL);
}

void addrspaces__free(struct addrspaces *as)
{
	if (!as)
		return;
	if (as->procs)
		hashmap__for_each(as->procs, process_free, NULL);
	for (size_t i = 0; i < as->module_cnt; i++) {
		if (as->list[i]->fd >= 0)
			close(as->list[i]->fd);
		free(as->list[i]->path);
		free(as->list[i]->open_path);
		free(as->list[i]->build_id);
		free(as->list[i]);
	}
	free(as->list);
	hashmap__free(as->modules);
	hashmap__free(as->procs);
	free(as);
}

/* The GNU build ID of an open ELF file, in hex; NULL when it has none. */
static char *read_build_id(int fd)
{
	const unsigned char *id = NULL;
	char *hex = NULL;
	Elf *elf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	n = elf ? dwelf_elf_gnu_build_id(elf, (const void **)&id) : -1;
	if (n > 0 && (hex = malloc(2 * n + 1)))
		for (ssize_t i = 0; i < n; i++)
			sprintf(hex + 2 * i, "%02x", id[i]);
	elf_end(elf);
	return hex;
}

static int module_for(struct addrspaces *as, pid_t pid, const struct mapping *m, uint32_t *id)
{
	uint64_t key[2] = { m->dev, m->inode };
	struct module *mod, **tmp;
	char open_path[4096];
	uint32_t *idp;
	bool created;

	idp = hashmap__upsert(as->modules, key, sizeof(key), &created);
	if (!idp)
		return -ENOMEM;
	if (!created) {
		*id = *idp;
		return 0;
	}
	mod = calloc(1, sizeof(*mod));
	tmp = realloc(as->list, (as->module_cnt + 1) * sizeof(*tmp));
	snprintf(open_path, sizeof(open_path), "/proc/%d/root%s", (int)pid, m->path);
	if (tmp)
		as->list = tmp;
	if (!mod || !tmp || !(mod->path = strdup(m->path)) ||
	    !(mod->open_path = strdup(open_path))) {
		if (mod)
			free(mod->path);
		free(mod);
		hashmap__delete(as->modules, key, sizeof(key), NULL);
		return -ENOMEM;
	}
	mod->id = as->module_cnt;
	mod->fd = target_file_open_mapped(pid, m);
	mod->build_id = read_build_id(mod->fd);
	mod->dev = m->dev;
	mod->inode = m->inode;
	as->list[as->module_cnt++] = mod;
	*idp = *id = mod->id;
	return 0;
}

static int refresh(struct addrspaces *as, pid_t pid, struct process *p)
{
	struct procmaps fresh;
	uint32_t *ids;
	int err;

	err = procmaps__read(pid, &fresh);
	if (err)
		return err; /* gone: the last model stays */
	if (!fresh.cnt) {
		/* exiting, its memory released already: no better than the last model */
		procmaps__clear(&fresh);
		return -ESRCH;
	}
	ids = calloc(fresh.cnt ? fresh.cnt : 1, sizeof(*ids));
	if (!ids) {
		procmaps__clear(&fresh);
		return -ENOMEM;
	}
	for (size_t i = 0; i < fresh.cnt; i++) {
		ids[i] = UINT32_MAX;
		if (mapping_is_file(&fresh.maps[i]) && (err = module_for(as, pid, &fresh.maps[i], &ids[i]))) {
			free(ids);
			procmaps__clear(&fresh);
			return err;
		}
	}
	process_clear(p);
	p->generation++;
	p->maps = fresh;
	p->module_ids = ids;
	hashmap__free(p->misses);
	p->misses = hashmap__new(0);
	pr_debug("address space of PID %d: %zu mappings\n", (int)pid, fresh.cnt);
	return 0;
}

static struct process *process_of(struct addrspaces *as, pid_t pid)
{
	return hashmap__upsert(as->procs, &pid, sizeof(pid), NULL);
}

int addrspaces__snapshot(struct addrspaces *as, pid_t pid)
{
	struct process *p = process_of(as, pid);

	return p ? refresh(as, pid, p) : -ENOMEM;
}

int addrspaces__resolve(struct addrspaces *as, pid_t pid, uint64_t pc, const struct module **mod,
			uint64_t *file_offset)
{
	const struct mapping *m;
	struct process *p;
	uint32_t id;

	p = process_of(as, pid);
	if (!p)
		return -ENOMEM;
	m = procmaps__find(&p->maps, pc);
	if (!m && (!p->misses || !hashmap__find(p->misses, &pc, sizeof(pc)))) {
		refresh(as, pid, p);
		m = procmaps__find(&p->maps, pc);
		if (!m && p->misses)
			hashmap__upsert(p->misses, &pc, sizeof(pc), NULL);
	}
	if (!m)
		return -ENOENT;
	id = p->module_ids[m - p->maps.maps];
	if (id == UINT32_MAX)
		return -ENOENT; /* anonymous or special mapping: JIT code, [vdso] */
	*mod = as->list[id];
	*file_offset = pc - m->start + m->offset;
	return 0;
}

const struct module *addrspaces__module(const struct addrspaces *as, uint32_t id)
{
	return id < as->module_cnt ? as->list[id] : NULL;
}

uint64_t addrspaces__generation(struct addrspaces *as, pid_t pid)
{
	struct process *p = hashmap__find(as->procs, &pid, sizeof(pid));

	return p ? p->generation : 0;
}

int addrspaces__for_each_file_mapping(struct addrspaces *as, pid_t pid,
				      int (*cb)(const struct mapping *m, const struct module *mod,
						void *ctx),
				      void *ctx)
{
	struct process *p = hashmap__find(as->procs, &pid, sizeof(pid));
	int err;

	if (!p)
		return -ENOENT;
	for (size_t i = 0; i < p->maps.cnt; i++) {
		if (p->module_ids[i] == UINT32_MAX)
			continue;
		err = cb(&p->maps.maps[i], as->list[p->module_ids[i]], ctx);
		if (err)
			return err;
	}
	return 0;
}

int addrspaces__fork(struct addrspaces *as, pid_t parent, pid_t child)
{
	/* the child's entry first: adding it may move the parent's */
	struct process *to = process_of(as, child), *from;
	uint32_t *ids;

	if (!to)
		return -ENOMEM;
	from = hashmap__find(as->procs, &parent, sizeof(parent));
	if (!from || !from->maps.cnt)
		return -ENOENT;
	if (to->maps.cnt)
		return 0; /* read from its own map already */
	ids = malloc(from->maps.cnt * sizeof(*ids));
	if (!ids || procmaps__copy(&from->maps, &to->maps)) {
		free(ids);
		return -ENOMEM;
	}
	memcpy(ids, from->module_ids, from->maps.cnt * sizeof(*ids));
	to->module_ids = ids;
	to->generation++;
	return 0;
}

void addrspaces__exec(struct addrspaces *as, pid_t pid)
{
	struct process *p = process_of(as, pid);

	if (!p)
		return;
	process_clear(p);
	p->generation++;
	hashmap__free(p->misses);
	p->misses = NULL;
	refresh(as, pid, p);
}
