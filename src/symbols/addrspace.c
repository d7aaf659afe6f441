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
	uint32_t *mapped;	/* the modules it maps, each once: their live_cnt counts it */
	size_t mapped_cnt;
};

struct addrspaces {
	struct hashmap *procs;	 /* pid -> struct process */
	struct hashmap *modules; /* (dev, inode) -> module id */
	struct module **list;
	size_t module_cnt;
	size_t held_cnt;	 /* modules whose fd is open */
	uint32_t *unmapped;	 /* modules whose live_cnt fell to 0: to release */
	size_t unmapped_cnt, unmapped_cap;
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

/* A module one process fewer maps: released at the next addrspaces__release_unmapped() when
 * none is left (a failed append only leaves it held until the end). */
static void unmap_module(struct addrspaces *as, uint32_t id)
{
	if (--as->list[id]->live_cnt)
		return;
	if (as->unmapped_cnt == as->unmapped_cap) {
		size_t cap = as->unmapped_cap ? as->unmapped_cap * 2 : 64;
		uint32_t *tmp = realloc(as->unmapped, cap * sizeof(*tmp));

		if (!tmp)
			return;
		as->unmapped = tmp;
		as->unmapped_cap = cap;
	}
	as->unmapped[as->unmapped_cnt++] = id;
}

static void process_clear(struct addrspaces *as, struct process *p)
{
	for (size_t i = 0; i < p->mapped_cnt; i++)
		unmap_module(as, p->mapped[i]);
	free(p->mapped);
	p->mapped = NULL;
	p->mapped_cnt = 0;
	procmaps__clear(&p->maps);
	free(p->module_ids);
	p->module_ids = NULL;
}

static void process_free(const void *key, void *value, void *ctx)
{
	struct process *p = value;

	(void)key;
	process_clear(ctx, p);
	hashmap__free(p->misses);
}

void addrspaces__forget(struct addrspaces *as, pid_t pid)
{
	struct process p;

	if (hashmap__delete(as->procs, &pid, sizeof(pid), &p))
		process_free(&pid, &p, as);
}

static void close_module(struct addrspaces *as, struct module *mod)
{
	if (mod->fd < 0)
		return;
	close(mod->fd);
	mod->fd = -1;
	as->held_cnt--;
}

void addrspaces__release_unmapped(struct addrspaces *as,
				  void (*cb)(void *ctx, const struct module *mod), void *ctx)
{
	for (size_t i = 0; i < as->unmapped_cnt; i++) {
		struct module *mod = as->list[as->unmapped[i]];

		if (mod->live_cnt)
			continue; /* mapped again since */
		if (cb)
			cb(ctx, mod);
		close_module(as, mod);
	}
	as->unmapped_cnt = 0;
}

size_t addrspaces__unmapped_cnt(const struct addrspaces *as)
{
	return as->unmapped_cnt;
}

/* A live process that maps mod, and the first mapping of it there. */
struct seen_ctx {
	const struct module *mod;
	pid_t pid;
	const struct mapping *m;
};

static void find_mapping(const void *key, void *value, void *ctx)
{
	const struct process *p = value;
	struct seen_ctx *c = ctx;

	for (size_t i = 0; i < p->maps.cnt && !c->m; i++) {
		if (p->module_ids[i] == c->mod->id) {
			c->pid = *(const pid_t *)key;
			c->m = &p->maps.maps[i];
		}
	}
}

int module__open(const struct module *mod)
{
	struct mapping m = { .start = mod->seen_start, .end = mod->seen_end, .dev = mod->dev,
			     .inode = mod->inode, .path = mod->path };
	struct seen_ctx c = { .mod = mod };
	int fd;

	if (mod->fd >= 0) {
		fd = fcntl(mod->fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	fd = target_file_open_mapped(mod->seen_pid, &m);
	if (fd >= 0 || !mod->live_cnt)
		return fd;
	/* the last process seen mapping it is gone: another one still maps it */
	hashmap__for_each(mod->owner->procs, find_mapping, &c);
	return c.m ? target_file_open_mapped(c.pid, c.m) : -ENOENT;
}

void addrspaces__free(struct addrspaces *as)
{
	if (!as)
		return;
	if (as->procs)
		hashmap__for_each(as->procs, process_free, as);
	free(as->unmapped);
	for (size_t i = 0; i < as->module_cnt; i++) {
		close_module(as, as->list[i]);
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
	elf = target_file_elf(fd);
	n = elf ? dwelf_elf_gnu_build_id(elf, (const void **)&id) : -1;
	if (n > 0 && (hex = malloc(2 * n + 1)))
		for (ssize_t i = 0; i < n; i++)
			sprintf(hex + 2 * i, "%02x", id[i]);
	elf_end(elf);
	return hex;
}

static void seen_at(struct module *mod, pid_t pid, const struct mapping *m)
{
	mod->seen_pid = pid;
	mod->seen_start = m->start;
	mod->seen_end = m->end;
}

static void hold(struct addrspaces *as, struct module *mod, int fd)
{
	if (fd < 0)
		return;
	mod->fd = fd;
	as->held_cnt++;
}

static int module_for(struct addrspaces *as, pid_t pid, const struct mapping *m, uint32_t *id)
{
	uint64_t key[2] = { m->dev, m->inode };
	struct module *mod, **tmp;
	char open_path[4096];
	uint32_t *idp;
	bool created;
	int fd;

	idp = hashmap__upsert(as->modules, key, sizeof(key), &created);
	if (!idp)
		return -ENOMEM;
	if (!created) {
		mod = as->list[*idp];
		seen_at(mod, pid, m);
		if (mod->fd < 0 && as->held_cnt < ADDRSPACE_HELD_MAX)
			hold(as, mod, target_file_open_mapped(pid, m));
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
	mod->owner = as;
	mod->fd = -1;
	fd = target_file_open_mapped(pid, m);
	mod->build_id = read_build_id(fd);
	if (as->held_cnt < ADDRSPACE_HELD_MAX)
		hold(as, mod, fd);
	else if (fd >= 0)
		close(fd);
	mod->dev = m->dev;
	mod->inode = m->inode;
	seen_at(mod, pid, m);
	as->list[as->module_cnt++] = mod;
	*idp = *id = mod->id;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The modules of a model, each once, counted live; NULL (none counted) without memory, which
 * only keeps them held until the end. */
static uint32_t *mapped_modules(struct addrspaces *as, const uint32_t *ids, size_t cnt,
				size_t *out_cnt)
{
	uint32_t *set = malloc((cnt ?: 1) * sizeof(*set));
	size_t n = 0;

	*out_cnt = 0;
	if (!set)
		return NULL;
	for (size_t i = 0; i < cnt; i++)
		if (ids[i] != UINT32_MAX)
			set[n++] = ids[i];
	if (n)
		qsort(set, n, sizeof(*set), cmp_u32);
	for (size_t i = 0; i < n; i++) {
		if (i && set[i] == set[*out_cnt - 1])
			continue;
		set[(*out_cnt)++] = set[i];
		as->list[set[i]]->live_cnt++;
	}
	return set;
}

static int refresh(struct addrspaces *as, pid_t pid, struct process *p)
{
	struct procmaps fresh;
	uint32_t *ids, *mapped;
	size_t mapped_cnt;
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
	mapped = mapped_modules(as, ids, fresh.cnt, &mapped_cnt);
	process_clear(as, p);
	p->generation++;
	p->maps = fresh;
	p->module_ids = ids;
	p->mapped = mapped;
	p->mapped_cnt = mapped_cnt;
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

const struct module *addrspaces__module_by_file(const struct addrspaces *as,
						const struct file_id *fid)
{
	uint64_t key[2] = { file_id_user_dev(fid), fid->ino };
	const uint32_t *idp = hashmap__find(as->modules, key, sizeof(key));

	return idp ? as->list[*idp] : NULL;
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
	process_clear(as, p);
	p->generation++;
	hashmap__free(p->misses);
	p->misses = NULL;
	refresh(as, pid, p);
}
