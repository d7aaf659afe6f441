// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel-table loader, writing into real BPF maps made here with the types and sizes of
 * bpf/unwind.bpf.h's (it needs root, as make check runs it), for this test process itself:
 * what it writes is checked against the dynamic linker's own view (dl_iterate_phdr).
 */
#include <bpf/bpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "addrspace.h"
#include "table_loader.h"
#include "unwind_abi.h"

struct fixture {
	struct unwind_map_fds fds;
	struct addrspaces *as;
	struct table_loader *k;
	struct unwind_proc proc; /* what the kernel holds for this process */
};

/* The maps, made once for the group (16 MiB of rows): each test's loader starts them over. */
static struct unwind_map_fds shared_fds;

static void close_maps(const struct unwind_map_fds *fds)
{
	close(fds->rows);
	close(fds->files);
	close(fds->procs);
}

static int make_maps(struct unwind_map_fds *fds, uint32_t max_rows)
{
	LIBBPF_OPTS(bpf_map_create_opts, no_prealloc, .map_flags = BPF_F_NO_PREALLOC);

	fds->max_rows = max_rows;
	fds->rows = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unwind_rows", sizeof(__u32),
				   sizeof(struct unwind_row), max_rows, NULL);
	fds->files = bpf_map_create(BPF_MAP_TYPE_ARRAY, "unwind_files", sizeof(__u32),
				    sizeof(struct unwind_file), UNWIND_MAX_FILES, NULL);
	fds->procs = bpf_map_create(BPF_MAP_TYPE_HASH, "unwind_procs", sizeof(__u32),
				    sizeof(struct unwind_proc), 16, &no_prealloc);
	return fds->rows >= 0 && fds->files >= 0 && fds->procs >= 0 ? 0 : -1;
}

static int group_setup(void **state)
{
	(void)state;
	return make_maps(&shared_fds, UNWIND_ROWS_DEFAULT);
}

static int group_teardown(void **state)
{
	(void)state;
	close_maps(&shared_fds);
	return 0;
}

static int setup_maps(void **state, const struct unwind_map_fds *fds)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f)
		return -1;
	f->fds = *fds;
	f->as = addrspaces__new();
	f->k = f->as ? table_loader__new(&f->fds) : NULL;
	return f->k && !addrspaces__snapshot(f->as, getpid()) ? 0 : -1;
}

static int setup(void **state)
{
	return setup_maps(state, &shared_fds);
}

/* Maps of their own with room for a handful of rows: no real table fits. */
static int setup_tiny(void **state)
{
	struct unwind_map_fds tiny;

	return make_maps(&tiny, 64) ? -1 : setup_maps(state, &tiny);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	__u32 key = getpid();

	table_loader__free(f->k);
	addrspaces__free(f->as);
	/* the next test starts without this one's layout */
	bpf_map_delete_elem(f->fds.procs, &key);
	if (f->fds.rows != shared_fds.rows)
		close_maps(&f->fds);
	free(f);
	return 0;
}

static int read_proc(struct fixture *f)
{
	__u32 key = getpid();

	return bpf_map_lookup_elem(f->fds.procs, &key, &f->proc) ? -errno : 0;
}

static const struct unwind_map *map_of(const struct unwind_proc *proc, uint64_t addr)
{
	for (uint32_t i = 0; i < proc->cnt; i++)
		if (addr >= proc->maps[i].start && addr < proc->maps[i].end)
			return &proc->maps[i];
	return NULL;
}

/* The load address the dynamic linker gave the object holding addr. */
struct base_query {
	uint64_t addr, base;
};

static int find_base(struct dl_phdr_info *info, size_t size, void *data)
{
	struct base_query *q = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && q->addr >= start && q->addr < start + ph->p_memsz) {
			q->base = info->dlpi_addr;
			return 1;
		}
	}
	return 0;
}

static uint64_t load_base(uint64_t addr)
{
	struct base_query q = { addr, UINT64_MAX };

	assert_int_equal(dl_iterate_phdr(find_base, &q), 1);
	return q.base;
}

/* The kernel's view of addr: its mapping's bias is the linker's, and its file's rows, in
 * order, cover addr's virtual address. */
static void check_covered(struct fixture *f, uint64_t addr)
{
	const struct unwind_map *m = map_of(&f->proc, addr);
	struct unwind_row first, last, prev, row;
	struct unwind_file file;
	__u32 i;

	assert_non_null(m);
	assert_int_not_equal(m->file_id, UNWIND_NO_FILE);
	assert_true(m->bias == load_base(addr));
	assert_int_equal(bpf_map_lookup_elem(f->fds.files, &m->file_id, &file), 0);
	assert_true(file.row_cnt > 0);
	assert_true(file.first_row + file.row_cnt <= f->fds.max_rows);
	i = file.first_row;
	assert_int_equal(bpf_map_lookup_elem(f->fds.rows, &i, &first), 0);
	prev = first;
	for (i = file.first_row + 1; i < file.first_row + file.row_cnt; i++) {
		assert_int_equal(bpf_map_lookup_elem(f->fds.rows, &i, &row), 0);
		assert_true(row.pc >= prev.pc); /* the walker's binary search needs it */
		assert_true(row.kind < UW_ROW_KIND_CNT);
		prev = row;
	}
	last = prev;
	assert_true(first.pc <= addr - m->bias && addr - m->bias <= last.pc);
}

static uint64_t addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void test_table_loader_loads_own_layout(void **state)
{
	struct fixture *f = *state;
	struct table_loader_stats st;
	size_t exec_file_maps = 0;

	assert_int_equal(table_loader__load_process(f->k, f->as, getpid()), 0);
	assert_int_equal(read_proc(f), 0);
	for (uint32_t i = 0; i < f->proc.cnt; i++) {
		assert_true(f->proc.maps[i].start < f->proc.maps[i].end);
		if (i)
			assert_true(f->proc.maps[i].start >= f->proc.maps[i - 1].end);
		exec_file_maps++;
	}
	assert_true(exec_file_maps >= 3); /* this binary, libc, the dynamic linker at least */
	check_covered(f, addr_of(&test_table_loader_loads_own_layout));
	check_covered(f, addr_of(&getpid)); /* libc */
	table_loader__stats(f->k, &st);
	assert_int_equal(st.procs, 1);
	assert_true(st.files >= 2);
	assert_int_equal(st.files_excluded, 0);
	assert_true(st.rows > 0 && st.row_bytes == st.rows * sizeof(struct unwind_row));
}

/* A table is compiled once per file: loading the same process again adds no rows, and a
 * refresh with nothing new mapped loads nothing. */
static void test_table_loader_shares_tables_and_skips_unchanged(void **state)
{
	struct fixture *f = *state;
	struct table_loader_stats a, b;

	assert_int_equal(table_loader__load_process(f->k, f->as, getpid()), 0);
	table_loader__stats(f->k, &a);
	assert_int_equal(table_loader__refresh(f->k, f->as, getpid()), 0);
	table_loader__stats(f->k, &b);
	assert_int_equal(b.procs, a.procs);
	assert_int_equal(table_loader__load_process(f->k, f->as, getpid()), 0);
	table_loader__stats(f->k, &b);
	assert_int_equal(b.procs, a.procs + 1);
	assert_int_equal(b.files, a.files);
	assert_int_equal(b.rows, a.rows);
}

/* A library mapped since: the model re-read, the refresh loads its table and the layout. */
static void test_table_loader_refresh_after_dlopen(void **state)
{
	struct fixture *f = *state;
	struct table_loader_stats a, b;
	const struct module *mod;
	uint64_t off;
	void *lib, *fn;

	assert_int_equal(table_loader__load_process(f->k, f->as, getpid()), 0);
	table_loader__stats(f->k, &a);
	/* lazy: libthread_db calls back into a debugger it does not have here */
	lib = dlopen("libthread_db.so.1", RTLD_LAZY | RTLD_LOCAL);
	assert_non_null(lib);
	fn = dlsym(lib, "td_init");
	assert_non_null(fn);
	assert_int_equal(read_proc(f), 0);
	assert_null(map_of(&f->proc, addr_of(fn)));
	assert_int_equal(addrspaces__resolve(f->as, getpid(), addr_of(fn), &mod, &off), 0);
	assert_int_equal(table_loader__refresh(f->k, f->as, getpid()), 0);
	table_loader__stats(f->k, &b);
	assert_int_equal(b.procs, a.procs + 1);
	assert_int_equal(b.files, a.files + 1);
	assert_int_equal(read_proc(f), 0);
	check_covered(f, addr_of(fn));
	dlclose(lib);
}

static void test_table_loader_forget_removes_layout(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(table_loader__load_process(f->k, f->as, getpid()), 0);
	assert_int_equal(read_proc(f), 0);
	table_loader__forget_process(f->k, getpid());
	assert_int_equal(read_proc(f), -ENOENT);
	/* forgotten: a refresh loads it again, even though the model did not change */
	assert_int_equal(table_loader__refresh(f->k, f->as, getpid()), 0);
	assert_int_equal(read_proc(f), 0);
}

/*
 * No room for a table: the file is left out of the layout (its samples come as stack copies)
 * rather than walked by frame pointer, which would make frames up in code without them.
 */
static void test_table_loader_no_room_excludes_files(void **state)
{
	struct fixture *f = *state;
	struct table_loader_stats st;

	assert_int_equal(table_loader__load_process(f->k, f->as, getpid()), 0);
	table_loader__stats(f->k, &st);
	assert_true(st.rows <= 64); /* a tiny library's table may fit */
	assert_true(st.files_excluded >= 3);
	assert_int_equal(read_proc(f), 0);
	assert_null(map_of(&f->proc, addr_of(&test_table_loader_no_room_excludes_files)));
	assert_null(map_of(&f->proc, addr_of(&getpid)));
	assert_int_equal(f->proc.cnt, st.files + st.files_no_cfi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_loader_loads_own_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_loader_shares_tables_and_skips_unchanged,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_loader_refresh_after_dlopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_table_loader_forget_removes_layout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_table_loader_no_room_excludes_files, setup_tiny,
						teardown),
	};

	return cmocka_run_group_tests_name("table_loader", tests, group_setup, group_teardown);
}
