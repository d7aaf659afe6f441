// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "log.h"
#include "memsnoop.skel.h"

struct probes {
	struct memsnoop_bpf *skel;
	struct bpf_link **links;
	size_t link_cnt, link_cap;
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	if ((level == LIBBPF_DEBUG && log_get_level() < LOG_DEBUG) ||
	    (level == LIBBPF_INFO && log_get_level() < LOG_INFO))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_msg(LOG_WARN, "libbpf: %s", buf);
	return 0;
}

static struct bpf_program *entry_program(struct memsnoop_bpf *skel, enum alloc_fn fn)
{
	switch (fn) {
	case FN_MALLOC: return skel->progs.malloc_enter;
	case FN_CALLOC: return skel->progs.calloc_enter;
	case FN_REALLOC: return skel->progs.realloc_enter;
	case FN_REALLOCARRAY: return skel->progs.reallocarray_enter;
	case FN_POSIX_MEMALIGN: return skel->progs.posix_memalign_enter;
	case FN_ALIGNED_ALLOC: return skel->progs.aligned_alloc_enter;
	case FN_MEMALIGN: return skel->progs.memalign_enter;
	case FN_VALLOC: return skel->progs.valloc_enter;
	case FN_PVALLOC: return skel->progs.pvalloc_enter;
	case FN_FREE: return skel->progs.free_enter;
	default: return NULL;
	}
}

struct probes *probes__open(const struct probes_opts *opts)
{
	struct probes *p;
	int err;

	libbpf_set_print(libbpf_log);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->skel = memsnoop_bpf__open();
	if (!p->skel) {
		err = -errno;
		pr_warn("cannot open the BPF object: %s\n", strerror(-err));
		goto fail;
	}
	p->skel->rodata->sample_rate = opts->rate;
	p->skel->rodata->self_tgid = opts->self_pid;
	err = memsnoop_bpf__load(p->skel);
	if (err) {
		pr_warn("cannot load the BPF programs: %s (run with -vv for the verifier's log)\n",
			strerror(-err));
		goto fail;
	}
	return p;
fail:
	probes__free(p);
	errno = -err;
	return NULL;
}

void probes__free(struct probes *p)
{
	if (!p)
		return;
	probes__detach(p);
	free(p->links);
	memsnoop_bpf__destroy(p->skel);
	free(p);
}

static int add_link(struct probes *p, struct bpf_program *prog, bool retprobe, pid_t pid,
		    const char *path, uint64_t offset)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts, .retprobe = retprobe);
	struct bpf_link *link;

	if (p->link_cnt == p->link_cap) {
		size_t cap = p->link_cap ? p->link_cap * 2 : 32;
		struct bpf_link **tmp = realloc(p->links, cap * sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		p->links = tmp;
		p->link_cap = cap;
	}
	link = bpf_program__attach_uprobe_opts(prog, pid, path, offset, &uopts);
	if (!link)
		return -errno;
	p->links[p->link_cnt++] = link;
	return 0;
}

int probes__attach_pid(struct probes *p, pid_t pid, const struct alloc_objects *objs)
{
	for (size_t i = 0; i < objs->cnt; i++) {
		const struct alloc_object *obj = &objs->objs[i];

		for (int fn = 0; fn < FN_CNT; fn++) {
			const struct alloc_entry *e = &obj->entries[fn];
			int err;

			if (!e->found)
				continue;
			if (e->alias_of != FN_CNT) {
				pr_info("PID %d: %s is %s in %s: probed once\n", (int)pid,
					alloc_fn_name(fn), alloc_fn_name(e->alias_of), obj->path);
				continue;
			}
			err = add_link(p, entry_program(p->skel, fn), false, pid, obj->open_path,
				       e->offset);
			if (!err && fn != FN_FREE)
				err = add_link(p, p->skel->progs.alloc_exit, true, pid,
					       obj->open_path, e->offset);
			if (err) {
				pr_warn("cannot attach to %s in %s of PID %d: %s\n", alloc_fn_name(fn),
					obj->path, (int)pid, strerror(-err));
				return err;
			}
			pr_info("PID %d: %s at %s+0x%llx\n", (int)pid, alloc_fn_name(fn), obj->path,
				(unsigned long long)e->offset);
		}
	}
	return 0;
}

void probes__arm(struct probes *p)
{
	p->skel->bss->ready = true;
}

void probes__detach(struct probes *p)
{
	if (p->skel && p->skel->bss)
		p->skel->bss->ready = false;
	for (size_t i = 0; i < p->link_cnt; i++)
		bpf_link__destroy(p->links[i]);
	p->link_cnt = 0;
}

int probes__ringbuf_fd(const struct probes *p)
{
	return bpf_map__fd(p->skel->maps.events);
}

int probes__read_counters(const struct probes *p, struct fn_counter out[FN_CNT])
{
	int ncpu = libbpf_num_possible_cpus();
	struct fn_counter *percpu;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, sizeof(*out) * FN_CNT);
	for (__u32 fn = 0; fn < FN_CNT; fn++) {
		if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.fn_counters), &fn, percpu)) {
			err = -errno;
			pr_warn("cannot read the exact counters: %s\n", strerror(-err));
			break;
		}
		for (int cpu = 0; cpu < ncpu; cpu++) {
			out[fn].calls += percpu[cpu].calls;
			out[fn].bytes += percpu[cpu].bytes;
		}
	}
	free(percpu);
	return err;
}

void probes__read_drops(const struct probes *p, uint64_t out[DROP_CNT])
{
	for (int i = 0; i < DROP_CNT; i++)
		out[i] = __atomic_load_n(&p->skel->bss->drop_cnt[i], __ATOMIC_RELAXED);
}
