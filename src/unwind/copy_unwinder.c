// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hashmap.h"
#include "log.h"
#include "targetfile.h"
#include "copy_unwinder.h"

struct copy_proc {
	Dwfl *dwfl;
	uint64_t generation; /* of the address-space model it was built from */
};

struct copy_unwinder {
	struct addrspaces *as;
	struct hashmap *procs; /* pid -> struct copy_proc */
	/* the sample being unwound, for the callbacks */
	const struct unwind_sample *cur;
	__u64 *pcs;
	uint32_t cnt, max;
	bool read_past_copy;
};

static char *debuginfo_path;

/* libdw asks for a module's file: the one held, or reopened through the process, read with
 * pread (never libdw's own mapping of it). */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	const struct module *m = *userdata;
	int fd = module__open(m);

	(void)mod, (void)modname, (void)base;
	*elfp = fd >= 0 ? target_file_elf(fd) : NULL;
	if (!*elfp) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*file_name = strdup(m->path);
	return fd;
}

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = target_file_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct copy_unwinder *u = arg;

	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = u;
	return u->cur->tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl, (void)tid;
	*thread_argp = arg;
	return true;
}

/* Stack memory comes from the copy; a read past its end means the copy was too short. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct copy_unwinder *u = arg;
	uint64_t sp = u->cur->regs[7];

	(void)dwfl;
	if (addr >= sp && addr - sp + sizeof(*result) <= u->cur->stack_sz) {
		memcpy(result, (const char *)u->cur->stack + (addr - sp), sizeof(*result));
		return true;
	}
	if (addr >= sp + u->cur->stack_sz && addr - sp < u->cur->stack_sz + MAX_STACK_BYTES)
		u->read_past_copy = true;
	return false;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct copy_unwinder *u = arg;
	Dwarf_Word regs[DWARF_REG_CNT];

	for (int i = 0; i < DWARF_REG_CNT; i++)
		regs[i] = u->cur->regs[i];
	dwfl_thread_state_register_pc(thread, regs[16]);
	return dwfl_thread_state_registers(thread, 0, DWARF_REG_CNT, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

struct report_ctx {
	Dwfl *dwfl;
	const struct module *mod;
	uint64_t low, high;
};

static int report_module(struct report_ctx *r)
{
	Dwfl_Module *m;
	void **userdata;

	if (!r->mod)
		return 0;
	m = dwfl_report_module(r->dwfl, r->mod->path, r->low, r->high);
	if (!m)
		return -EINVAL;
	dwfl_module_info(m, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = (void *)r->mod;
	return 0;
}

/* One module per run of mappings of one file, from its first mapping's start (as
 * dwfl_linux_proc_report does). */
static int report_mapping(const struct mapping *m, const struct module *mod, void *ctx)
{
	struct report_ctx *r = ctx;
	int err;

	if (mod == r->mod) {
		r->high = m->end;
		return 0;
	}
	err = report_module(r);
	r->mod = mod;
	r->low = m->start;
	r->high = m->end;
	return err;
}

static Dwfl *build_dwfl(struct copy_unwinder *u, pid_t pid)
{
	struct report_ctx r = { .dwfl = dwfl_begin(&proc_callbacks) };

	if (!r.dwfl)
		return NULL;
	dwfl_report_begin(r.dwfl);
	if (addrspaces__for_each_file_mapping(u->as, pid, report_mapping, &r) || report_module(&r) ||
	    dwfl_report_end(r.dwfl, NULL, NULL) || !dwfl_attach_state(r.dwfl, NULL, pid,
								    &thread_callbacks, u)) {
		pr_info("cannot prepare unwinding for PID %d: %s\n", (int)pid, dwfl_errmsg(-1));
		dwfl_end(r.dwfl);
		return NULL;
	}
	return r.dwfl;
}

/* The process's Dwfl, rebuilt when its address-space model changed. */
static Dwfl *dwfl_of(struct copy_unwinder *u, pid_t pid)
{
	uint64_t gen = addrspaces__generation(u->as, pid);
	struct copy_proc *p;
	bool created;

	p = hashmap__upsert(u->procs, &pid, sizeof(pid), &created);
	if (!p)
		return NULL;
	/* built (or failed: a process gone before its map was read) for this model already: a
	 * failure is tried again only once the model changes, not at each of its samples */
	if (!created && p->generation == gen)
		return p->dwfl;
	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = build_dwfl(u, pid);
	p->generation = gen;
	return p->dwfl;
}

struct copy_unwinder *copy_unwinder__new(struct addrspaces *as)
{
	struct copy_unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->as = as;
	u->procs = hashmap__new(sizeof(struct copy_proc));
	if (!u->procs) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	return u;
}

static void end_proc(const void *key, void *value, void *ctx)
{
	struct copy_proc *p = value;

	(void)key, (void)ctx;
	if (p->dwfl)
		dwfl_end(p->dwfl);
}

void copy_unwinder__forget(struct copy_unwinder *u, pid_t pid)
{
	struct copy_proc p;

	if (hashmap__delete(u->procs, &pid, sizeof(pid), &p))
		end_proc(&pid, &p, NULL);
}

void copy_unwinder__free(struct copy_unwinder *u)
{
	if (!u)
		return;
	hashmap__for_each(u->procs, end_proc, NULL);
	hashmap__free(u->procs);
	free(u);
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct copy_unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation) || !pc)
		return DWARF_CB_ABORT;
	if (u->cnt == u->max)
		return DWARF_CB_ABORT;
	u->pcs[u->cnt++] = pc;
	return DWARF_CB_OK;
}

uint32_t copy_unwinder__unwind(struct copy_unwinder *u, const struct unwind_sample *s, __u64 *pcs,
			  uint32_t max, bool *truncated)
{
	Dwfl *dwfl;

	u->cur = s;
	u->pcs = pcs;
	u->max = max;
	u->cnt = 0;
	u->read_past_copy = false;
	dwfl = dwfl_of(u, s->pid);
	/* the unwinder lists regs[16] as its first frame */
	if (dwfl)
		dwfl_getthread_frames(dwfl, s->tid, frame_cb, u);
	if (!u->cnt)
		pcs[u->cnt++] = s->regs[16]; /* at least the pc the copy was taken at */
	*truncated = u->read_past_copy || u->cnt == max;
	u->cur = NULL;
	return u->cnt;
}
