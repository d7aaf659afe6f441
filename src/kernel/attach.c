// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "array.h"
#include "attach.h"
#include "log.h"
#include "unwind_abi.h" /* before the skeleton, which names its types */
#include "memsnoop.skel.h"

#define DENSE_RATE (64 * 1024)
#define RINGBUF_DENSE_SZ (8 << 20)
#define RINGBUF_DENSE_COPIES_SZ (16 << 20)
#define RINGBUF_SPARSE_SZ (2 << 20)
#define RINGBUF_WAKEUP_DIV 16
#define SCOPE_PIDS_FOLLOW_MAX 16384 /* --follow-forks: processes alive at once (make -j, pools) */

/*
 * The ring buffer's pages are mapped twice into memsnoop (for records that wrap), so each
 * byte of it counts twice in its RSS. Dense sampling sends bursts: a big buffer, largest where
 * records carry stack copies (--unwind dwarf-copy) or where many processes burst at once
 * (--cgroup: 32 forked workers of 5000 allocations lost 36 % with 8 MiB, none with 16); records
 * of stacks unwound in the kernel (a new process's too, from its first sample) are a few
 * hundred bytes. Sparse sampling does not burst: a big buffer would only be resident memory,
 * but stack copies are large, so twice the sparse size for them.
 */
static uint32_t ringbuf_size(const struct probes_opts *opts)
{
	bool copies = opts->unwind == UNWIND_DWARF_COPY || opts->cgroup_cnt > 0 || opts->follow_forks;

	if (opts->rate >= DENSE_RATE)
		return RINGBUF_SPARSE_SZ << (opts->unwind == UNWIND_DWARF_COPY);
	return copies ? RINGBUF_DENSE_COPIES_SZ : RINGBUF_DENSE_SZ;
}

/* Not in Debian 12's uapi headers nor libbpf 1.1.2: the kernel's values. */
#define ATTACH_TRACE_UPROBE_MULTI 48
#define ATTACH_TRACE_UPROBE_SESSION 57
#define UPROBE_MULTI_RETURN 1 /* BPF_F_UPROBE_MULTI_RETURN */

/* BPF_LINK_CREATE's attributes for a uprobe_multi link, as the kernel lays them out. */
struct uprobe_multi_link_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 multi_flags;
	__u32 pid;
};

struct probes {
	struct memsnoop_bpf *skel;
	struct bpf_link *exec_link;  /* sched_process_exec */
	struct bpf_link *fork_link, *exit_link; /* the scope's: sched_process_fork and _exit */
	struct bpf_link *mkdir_link, *rmdir_link; /* --cgroup: its paths removed and made again */
	struct probes_opts opts;     /* mode resolved */
	struct bpf_link **links;     /* classic, on kernels without uprobe_multi: a link a probe */
	size_t link_cnt, link_cap;
	int *link_fds;		     /* uprobe_multi links: a link (or two) a process and object */
	size_t link_fd_cnt;
	bool multi;		     /* classic probes through uprobe_multi links (kernel 6.6+) */
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char buf[1 << 20];

	if ((level == LIBBPF_DEBUG && log_get_level() < LOG_DEBUG) ||
	    (level == LIBBPF_INFO && log_get_level() < LOG_INFO))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_msg(LOG_WARN, "libbpf: %s", buf);
	return 0;
}

/* Whether the kernel's BTF lists an attach type (and, when kfunc is not NULL, that kfunc). */
static bool kernel_has_attach_type(const char *type, const char *kfunc)
{
	struct btf *btf = btf__load_vmlinux_btf();
	bool found = false;
	__u32 n;

	if (!btf)
		return false;
	n = btf__type_cnt(btf);
	for (__u32 id = 1; id < n && !found; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const struct btf_enum *e;

		if (!btf_is_enum(t) || strcmp(btf__name_by_offset(btf, t->name_off), "bpf_attach_type"))
			continue;
		e = btf_enum(t);
		for (__u16 i = 0; i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(btf, e[i].name_off), type))
				found = true;
	}
	found = found && (!kfunc || btf__find_by_name_kind(btf, kfunc, BTF_KIND_FUNC) > 0);
	btf__free(btf);
	return found;
}

/* Loads only the programs of the chosen mode; the fork and exit tracepoints where the scope
 * is kept in the kernel (--cgroup, --follow-forks). */
static void select_programs(struct memsnoop_bpf *skel, bool session, bool multi, bool scope,
			    bool cgroups)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, (prog == skel->progs.alloc_session) == session);
	bpf_program__set_autoload(skel->progs.on_exec, true);
	bpf_program__set_autoload(skel->progs.on_fork, scope);
	bpf_program__set_autoload(skel->progs.on_process_exit, scope);
	bpf_program__set_autoload(skel->progs.on_cgroup_mkdir, cgroups);
	bpf_program__set_autoload(skel->progs.on_cgroup_rmdir, cgroups);
	if (session)
		bpf_program__set_expected_attach_type(skel->progs.alloc_session,
						      ATTACH_TRACE_UPROBE_SESSION);
	if (multi) {
		bpf_program__set_expected_attach_type(skel->progs.alloc_enter,
						      ATTACH_TRACE_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(skel->progs.alloc_exit,
						      ATTACH_TRACE_UPROBE_MULTI);
	}
}

static bool scope_in_kernel(const struct probes_opts *opts)
{
	return opts->cgroup_cnt > 0 || opts->follow_forks;
}

struct probes *probes__open(const struct probes_opts *opts)
{
	struct probes *p;
	uint32_t rb_sz;
	bool session;
	int err;

	libbpf_set_print(libbpf_log);
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->opts = *opts;
	session = opts->mode == UPROBE_MODE_SESSION ||
		  (opts->mode == UPROBE_MODE_AUTO &&
		   kernel_has_attach_type("BPF_TRACE_UPROBE_SESSION", "bpf_session_is_return"));
	p->opts.mode = session ? UPROBE_MODE_SESSION : UPROBE_MODE_CLASSIC;
	/* classic probes go in a link or two a process and object where the kernel allows: one
	 * grace period each at detach, instead of one per probe (~2 s a process) */
	p->multi = !session && kernel_has_attach_type("BPF_TRACE_UPROBE_MULTI", NULL);
	pr_info("%s\n", session ? "session uprobes: unsampled calls skip the return probe"
		: p->multi ? "classic uprobes (uprobe_multi links): every call also takes the return probe"
			   : "classic uprobes: every call also takes the return probe");
	p->skel = memsnoop_bpf__open();
	if (!p->skel) {
		err = -errno;
		pr_warn("cannot open the BPF object: %s\n", strerror(-err));
		goto fail;
	}
	p->skel->rodata->sample_rate = opts->rate;
	p->skel->rodata->self_tgid = opts->self_pid;
	p->skel->rodata->session_mode = session;
	p->skel->rodata->track_inuse = opts->track_inuse;
	p->skel->rodata->count_only = opts->count_only;
	p->skel->rodata->probe_noop = opts->probe_noop;
	p->skel->rodata->count_sizes = !opts->no_size_classes;
	select_programs(p->skel, session, p->multi, scope_in_kernel(opts), opts->cgroup_cnt > 0);
	p->skel->rodata->unwind_dwarf = opts->unwind == UNWIND_DWARF_COPY;
	p->skel->rodata->unwind_kernel = opts->unwind == UNWIND_DWARF;
	p->skel->rodata->unwind_oracle = opts->unwind == UNWIND_DWARF && opts->unwind_oracle;
	p->skel->rodata->cgroup_cnt = opts->cgroup_cnt;
	for (__u32 i = 0; i < opts->cgroup_cnt; i++) {
		p->skel->bss->cgroup_slots[i] = opts->cgroup_slots[i];
		snprintf((char *)p->skel->rodata->cgroup_paths[i], CGROUP_PATH_MAX, "%s",
			 opts->cgroup_paths[i]);
	}
	p->skel->rodata->follow_forks = opts->follow_forks;
	if (opts->follow_forks)
		bpf_map__set_max_entries(p->skel->maps.scope_pids, SCOPE_PIDS_FOLLOW_MAX);
	p->skel->rodata->stack_bytes = opts->stack_bytes;
	rb_sz = opts->ringbuf_sz ? opts->ringbuf_sz : ringbuf_size(opts);
	bpf_map__set_max_entries(p->skel->maps.events, rb_sz);
	/* the kernel wakes the reader once a batch is waiting, well before the buffer fills */
	p->skel->rodata->wakeup_bytes = rb_sz / RINGBUF_WAKEUP_DIV;
	/* kernel unwinding copies the stack too, where it does not know the layout yet */
	if (opts->unwind != UNWIND_FP)
		bpf_map__set_max_entries(p->skel->maps.dwarf_scratches, libbpf_num_possible_cpus());
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
	free(p->link_fds);
	memsnoop_bpf__destroy(p->skel);
	free(p);
}

static int add_link(struct probes *p, struct bpf_program *prog, bool retprobe, pid_t pid,
		    const char *path, uint64_t offset, uint64_t cookie)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts, .retprobe = retprobe, .bpf_cookie = cookie);
	struct bpf_link *link;

	if (grow_array((void **)&p->links, &p->link_cap, p->link_cnt + 1, sizeof(*p->links)))
		return -ENOMEM;
	link = bpf_program__attach_uprobe_opts(prog, pid, path, offset, &uopts);
	if (!link)
		return -errno;
	p->links[p->link_cnt++] = link;
	return 0;
}

enum uprobe_mode probes__mode(const struct probes *p)
{
	return p->opts.mode;
}

/* One uprobe_multi link of prog for the entry points of obj at offsets: the cookie says which
 * (a session program, or classic entry or return programs). */
static int attach_multi(struct probes *p, struct bpf_program *prog, __u32 attach_type, __u32 flags,
			pid_t pid, const struct alloc_object *obj, const uint64_t *offsets,
			const uint64_t *cookies, size_t cnt)
{
	struct uprobe_multi_link_attr attr = {
		.prog_fd = bpf_program__fd(prog),
		.attach_type = attach_type,
		.path = (uintptr_t)obj->open_path,
		.offsets = (uintptr_t)offsets,
		.cookies = (uintptr_t)cookies,
		.cnt = cnt,
		.multi_flags = flags,
		.pid = pid,
	};
	int *fds, fd;

	if (!cnt)
		return 0;
	fds = realloc(p->link_fds, (p->link_fd_cnt + 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	p->link_fds = fds;
	fd = syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	p->link_fds[p->link_fd_cnt++] = fd;
	return 0;
}

/*
 * Whether a classic probe has a return probe: not frees (their probe may sit past the entry,
 * and they need no return value); with --count-only, only the calls with inner calls (a
 * forwarder, a reallocation), whose depth tells those apart.
 */
static bool takes_return(const struct probes *p, uint64_t cookie)
{
	enum alloc_kind kind = alloc_row_kind(cookie_row(cookie));

	if (kind == AK_FREE || kind == AK_RESIZE)
		return false;
	return !p->opts.count_only || (cookie & COOKIE_FORWARDS) || kind == AK_REALLOC;
}

/* Classic probes of obj through uprobe_multi links: every entry, then the returns of all but
 * frees (their probe may sit past the entry, and they need no return value). */
static int attach_classic_multi(struct probes *p, pid_t pid, const struct alloc_object *obj,
				uint64_t *offsets, uint64_t *cookies, size_t cnt)
{
	size_t ret_cnt = 0;
	int err = attach_multi(p, p->skel->progs.alloc_enter, ATTACH_TRACE_UPROBE_MULTI, 0, pid, obj,
			       offsets, cookies, cnt);

	for (size_t i = 0; i < cnt && !err; i++) {
		if (takes_return(p, cookies[i])) {
			offsets[ret_cnt] = offsets[i];
			cookies[ret_cnt++] = cookies[i];
		}
	}
	return err ?: attach_multi(p, p->skel->progs.alloc_exit, ATTACH_TRACE_UPROBE_MULTI,
				   UPROBE_MULTI_RETURN, pid, obj, offsets, cookies, ret_cnt);
}

/* Frees need no return value: their probe may sit past the entry, and takes no return. */
static int attach_classic(struct probes *p, pid_t pid, const struct alloc_object *obj,
			  uint64_t cookie, uint64_t offset)
{
	int err = add_link(p, p->skel->progs.alloc_enter, false, pid, obj->open_path, offset,
			   cookie);

	if (!err && takes_return(p, cookie))
		err = add_link(p, p->skel->progs.alloc_exit, true, pid, obj->open_path, offset,
			       cookie);
	return err;
}

static bool probed(const struct probes *p, const struct alloc_entry *e)
{
	return e->role == ENTRY_PROBED &&
	       (alloc_row_kind(e->row) != AK_FREE || p->opts.track_inuse);
}

static void say_entry(const struct probes *p, pid_t pid, const struct alloc_object *obj,
		      const struct alloc_entry *e)
{
	char who[32] = "every process";

	if (pid)
		snprintf(who, sizeof(who), "PID %d", (int)pid);
	if (e->role == ENTRY_PROBED && !probed(p, e))
		pr_info("%s: %s in %s not probed: --alloc-only\n", who, e->symbol, obj->path);
	else if (e->role == ENTRY_PROBED)
		pr_info("%s: %s %s at %s+0x%llx, probe %s\n", who, alloc_family_name(obj->family),
			e->symbol, obj->path, (unsigned long long)e->offset, e->note);
	else if (e->role == ENTRY_ALIAS)
		pr_info("%s: %s %s in %s: %s, probed once\n", who, alloc_family_name(obj->family),
			e->symbol, obj->path, e->note);
	else
		pr_info("%s: %s in %s not probed: %s\n", who, e->symbol, obj->path, e->note);
}

/* Probes every entry point of obj, for pid only, or (ALL_PROCESSES) wherever it is mapped. */
#define ALL_PROCESSES 0

static int attach_object(struct probes *p, pid_t pid, const struct alloc_object *obj)
{
	/* classic attachment names "every process" -1; a uprobe_multi link, pid 0 */
	pid_t classic_pid = pid == ALL_PROCESSES ? -1 : pid;
	uint64_t *offsets, *cookies;
	size_t cnt = 0;
	int err = 0;

	offsets = calloc(obj->entry_cnt, sizeof(*offsets));
	cookies = calloc(obj->entry_cnt, sizeof(*cookies));
	if (!offsets || !cookies)
		err = -ENOMEM;
	for (size_t n = 0; n < obj->entry_cnt && !err; n++) {
		const struct alloc_entry *e = &obj->entries[n];

		say_entry(p, pid, obj, e);
		if (!probed(p, e))
			continue;
		offsets[cnt] = e->offset + e->probe_offset;
		cookies[cnt++] = alloc_cookie(e->row, obj->family, e->forwards);
		if (p->opts.mode == UPROBE_MODE_CLASSIC && !p->multi &&
		    (err = attach_classic(p, classic_pid, obj, cookies[cnt - 1], offsets[cnt - 1])))
			pr_warn("cannot attach to %s in %s: %s\n", e->symbol, obj->path, strerror(-err));
	}
	if (!err && (p->opts.mode == UPROBE_MODE_SESSION || p->multi)) {
		err = p->multi ? attach_classic_multi(p, pid, obj, offsets, cookies, cnt)
			       : attach_multi(p, p->skel->progs.alloc_session,
					      ATTACH_TRACE_UPROBE_SESSION, 0, pid, obj, offsets,
					      cookies, cnt);
		if (err)
			pr_warn("cannot attach to %s: %s\n", obj->path, strerror(-err));
	}
	free(offsets);
	free(cookies);
	return err;
}

static int scope_pid_add(struct probes *p, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map_update_elem(bpf_map__fd(p->skel->maps.scope_pids), &key, &one, BPF_ANY)
		       ? -errno
		       : 0;
}

int probes__attach_pid(struct probes *p, pid_t pid, const struct alloc_objects *objs)
{
	/* known to the exec tracepoint whichever thread execs (the set is bounded: past it, an
	 * exec from a thread that never allocated goes unseen) */
	if (scope_pid_add(p, pid))
		pr_debug("PID %d: not in the kernel's set of profiled processes\n", (int)pid);
	for (size_t i = 0; i < objs->cnt; i++) {
		int err = attach_object(p, pid, &objs->objs[i]);

		if (err) {
			pr_warn("PID %d is not profiled\n", (int)pid);
			return err;
		}
	}
	return 0;
}

int probes__attach_file(struct probes *p, const struct alloc_object *obj)
{
	return attach_object(p, ALL_PROCESSES, obj);
}

int probes__add_scope_pid(struct probes *p, pid_t pid)
{
	int err = scope_pid_add(p, pid);

	if (err)
		pr_warn("cannot add PID %d to the profiled processes: %s\n", (int)pid, strerror(-err));
	return err;
}

int probes__arm(struct probes *p)
{
	int err;

	p->exec_link = bpf_program__attach(p->skel->progs.on_exec);
	if (!p->exec_link) {
		err = -errno;
		pr_warn("cannot attach to the exec tracepoint: %s\n", strerror(-err));
		return err;
	}
	if (scope_in_kernel(&p->opts)) {
		p->fork_link = bpf_program__attach(p->skel->progs.on_fork);
		p->exit_link = p->fork_link ? bpf_program__attach(p->skel->progs.on_process_exit) : NULL;
		if (!p->exit_link) {
			err = -errno;
			pr_warn("cannot attach to the fork and exit tracepoints: %s\n", strerror(-err));
			return err;
		}
	}
	if (p->opts.cgroup_cnt) {
		p->mkdir_link = bpf_program__attach(p->skel->progs.on_cgroup_mkdir);
		p->rmdir_link = p->mkdir_link ? bpf_program__attach(p->skel->progs.on_cgroup_rmdir) : NULL;
		if (!p->rmdir_link) {
			err = -errno;
			pr_warn("cannot attach to the cgroup mkdir and rmdir tracepoints: %s\n",
				strerror(-err));
			return err;
		}
	}
	p->skel->bss->ready = true;
	return 0;
}

#define DETACH_THREADS 8

struct closer {
	const int *fds;
	size_t cnt;
};

static void *close_fds(void *arg)
{
	const struct closer *c = arg;

	for (size_t i = 0; i < c->cnt; i++)
		close(c->fds[i]);
	return NULL;
}

/*
 * Closes the uprobe_multi links. Each close waits out a grace period of its own: closed side
 * by side, 64 processes' links go in a few seconds instead of one after the other.
 */
static void close_links(int *fds, size_t cnt)
{
	struct closer parts[DETACH_THREADS];
	pthread_t threads[DETACH_THREADS];
	size_t per = (cnt + DETACH_THREADS - 1) / DETACH_THREADS, started = 0;

	for (size_t t = 0; t < DETACH_THREADS && t * per < cnt; t++) {
		parts[t] = (struct closer){ fds + t * per, t * per + per > cnt ? cnt - t * per : per };
		if (cnt < DETACH_THREADS || pthread_create(&threads[t], NULL, close_fds, &parts[t]))
			close_fds(&parts[t]); /* few links, or no thread: here */
		else
			started |= 1u << t;
	}
	for (size_t t = 0; t < DETACH_THREADS; t++)
		if (started & (1u << t))
			pthread_join(threads[t], NULL);
}

void probes__detach(struct probes *p)
{
	if (p->skel && p->skel->bss)
		p->skel->bss->ready = false;
	bpf_link__destroy(p->exec_link);
	bpf_link__destroy(p->fork_link);
	bpf_link__destroy(p->exit_link);
	bpf_link__destroy(p->mkdir_link);
	bpf_link__destroy(p->rmdir_link);
	p->exec_link = p->fork_link = p->exit_link = p->mkdir_link = p->rmdir_link = NULL;
	for (size_t i = 0; i < p->link_cnt; i++)
		bpf_link__destroy(p->links[i]);
	p->link_cnt = 0;
	close_links(p->link_fds, p->link_fd_cnt);
	p->link_fd_cnt = 0;
}

int probes__ringbuf_fd(const struct probes *p)
{
	return bpf_map__fd(p->skel->maps.events);
}

void probes__unwind_fds(const struct probes *p, struct unwind_map_fds *out)
{
	out->tables = bpf_map__fd(p->skel->maps.unwind_tables);
	out->files = bpf_map__fd(p->skel->maps.unwind_files);
	out->wanted = bpf_map__fd(p->skel->maps.unwind_wanted);
	out->rules = bpf_map__fd(p->skel->maps.unwind_rules);
}

uint64_t probes__unwind_pending(const struct probes *p)
{
	return __atomic_load_n(&p->skel->bss->unwind_pending, __ATOMIC_RELAXED);
}

uint64_t probes__unwind_vma_busy(const struct probes *p)
{
	return __atomic_load_n(&p->skel->bss->unwind_vma_busy, __ATOMIC_RELAXED);
}

uint64_t probes__unfollowed_forks(const struct probes *p)
{
	return __atomic_load_n(&p->skel->bss->unfollowed_forks, __ATOMIC_RELAXED);
}

uint64_t probes__unwind_copies(const struct probes *p)
{
	return __atomic_load_n(&p->skel->bss->unwind_copies, __ATOMIC_RELAXED);
}

/* cnt per-CPU counters of a map, each summed over CPUs. */
static int read_percpu_counters(int map_fd, struct fn_counter *out, __u32 cnt)
{
	int ncpu = libbpf_num_possible_cpus();
	struct fn_counter *percpu;
	int err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	percpu = calloc(ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, sizeof(*out) * cnt);
	for (__u32 i = 0; i < cnt; i++) {
		if (bpf_map_lookup_elem(map_fd, &i, percpu)) {
			err = -errno;
			pr_warn("cannot read the exact counters: %s\n", strerror(-err));
			break;
		}
		for (int cpu = 0; cpu < ncpu; cpu++) {
			out[i].calls += percpu[cpu].calls;
			out[i].bytes += percpu[cpu].bytes;
		}
	}
	free(percpu);
	return err;
}

int probes__read_counters(const struct probes *p, struct fn_counter out[ALLOC_COUNTER_CNT])
{
	return read_percpu_counters(bpf_map__fd(p->skel->maps.fn_counters), out,
				    ALLOC_COUNTER_CNT);
}

int probes__read_sizes(const struct probes *p, struct fn_counter out[SIZE_COUNTER_CNT])
{
	return read_percpu_counters(bpf_map__fd(p->skel->maps.size_counters), out,
				    SIZE_COUNTER_CNT);
}

void probes__read_drops(const struct probes *p, uint64_t out[DROP_CNT])
{
	for (int i = 0; i < DROP_CNT; i++)
		out[i] = __atomic_load_n(&p->skel->bss->drop_cnt[i], __ATOMIC_RELAXED);
}

bool probes__holds_live(void *ctx, const struct live_key *key, uint64_t ts_ns)
{
	const struct probes *p = ctx;
	struct live_val val;

	if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.live), key, &val))
		return false;
	return val.ts_ns == ts_ns;
}
