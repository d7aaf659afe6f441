// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The address-space model, built from this test process's own /proc/self/maps. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "addrspace.h"
#include "procmaps.h"
#include "tmpdir.h"

static char dir[64];

static int setup(void **state)
{
	*state = addrspaces__new();
	return *state && !tmpdir_make(dir, "test_addrspace") ? 0 : -1;
}

static int teardown(void **state)
{
	addrspaces__free(*state);
	return tmpdir_remove(dir);
}

static uint64_t addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* The file offset of addr as /proc/self/maps says, read apart from the model. */
static uint64_t file_offset_of(uint64_t addr)
{
	struct procmaps pm;
	const struct mapping *m;
	uint64_t off;

	assert_int_equal(procmaps__read(getpid(), &pm), 0);
	m = procmaps__find(&pm, addr);
	assert_non_null(m);
	off = addr - m->start + m->offset;
	procmaps__clear(&pm);
	return off;
}

static void test_addrspace_resolves_own_executable(void **state)
{
	struct addrspaces *as = *state;
	uint64_t pc = addr_of(&test_addrspace_resolves_own_executable), off;
	const struct module *mod;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = 0;
	assert_int_equal(addrspaces__snapshot(as, getpid()), 0);
	assert_int_equal(addrspaces__generation(as, getpid()), 1);
	assert_int_equal(addrspaces__resolve(as, getpid(), pc, &mod, &off), 0);
	assert_string_equal(mod->path, exe);
	assert_true(off == file_offset_of(pc));
	assert_true(mod->fd >= 0);
	assert_non_null(mod->build_id); /* Debian's gcc links a GNU build ID */
	assert_ptr_equal(addrspaces__module(as, mod->id), mod);
	assert_null(addrspaces__module(as, UINT32_MAX));
	/* a lookup inside the model does not re-read it */
	assert_int_equal(addrspaces__generation(as, getpid()), 1);
}

static void test_addrspace_resolves_libc_as_one_module(void **state)
{
	struct addrspaces *as = *state;
	const struct module *a, *b, *exe;
	uint64_t off_a, off_b, off;

	assert_int_equal(addrspaces__snapshot(as, getpid()), 0);
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(&getpid), &a, &off_a), 0);
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(&memcpy), &b, &off_b), 0);
	assert_non_null(strstr(a->path, "/libc.so"));
	assert_ptr_equal(a, b);
	assert_true(off_a == file_offset_of(addr_of(&getpid)));
	assert_true(off_a != off_b);
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(&addr_of), &exe, &off), 0);
	assert_int_not_equal(exe->id, a->id);
}

static void test_addrspace_address_outside_every_mapping(void **state)
{
	struct addrspaces *as = *state;
	const struct module *mod = NULL;
	uint64_t off, gen;
	void *anon = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(anon != MAP_FAILED);
	assert_int_equal(addrspaces__snapshot(as, getpid()), 0);
	/* the model saw the anonymous mapping: not a file, so no module */
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(anon), &mod, &off), -ENOENT);
	assert_null(mod);
	gen = addrspaces__generation(as, getpid());
	/* page 1 is never mapped: a miss re-reads the maps once... */
	assert_int_equal(addrspaces__resolve(as, getpid(), 0x1000, &mod, &off), -ENOENT);
	assert_int_equal(addrspaces__generation(as, getpid()), gen + 1);
	/* ...and the same pc again is remembered as a miss, not re-read per sample */
	assert_int_equal(addrspaces__resolve(as, getpid(), 0x1000, &mod, &off), -ENOENT);
	assert_int_equal(addrspaces__generation(as, getpid()), gen + 1);
	munmap(anon, 4096);
}

static int count_file_mappings(const struct mapping *m, const struct module *mod, void *ctx)
{
	uint64_t *last = ctx;

	assert_true(m->start >= last[0]); /* address order */
	assert_true(mod->inode == m->inode && mod->dev == m->dev);
	last[0] = m->start;
	last[1]++;
	if (!strcmp(mod->path, dir) || strstr(mod->path, "/mapped"))
		last[2]++;
	return 0;
}

/* A file mapped after the snapshot: its first pc makes the model re-read and find it. */
static void test_addrspace_refresh_sees_new_mapping(void **state)
{
	struct addrspaces *as = *state;
	uint64_t walk[3] = { 0 }, off, gen;
	const struct module *mod;
	char path[128];
	char *map;
	int fd;

	snprintf(path, sizeof(path), "%s/mapped", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 3 * 4096), 0);
	assert_int_equal(addrspaces__snapshot(as, getpid()), 0);
	gen = addrspaces__generation(as, getpid());
	assert_int_equal(addrspaces__for_each_file_mapping(as, getpid(), count_file_mappings, walk),
			 0);
	assert_int_equal(walk[2], 0);

	map = mmap(NULL, 2 * 4096, PROT_READ, MAP_PRIVATE, fd, 4096);
	assert_true(map != MAP_FAILED);
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(map + 4096 + 12), &mod, &off),
			 0);
	assert_int_equal(addrspaces__generation(as, getpid()), gen + 1);
	assert_string_equal(mod->path, path);
	assert_true(off == 2 * 4096 + 12); /* the mapping starts at file offset 4096 */
	assert_true(mod->fd >= 0);
	assert_null(mod->build_id); /* not an ELF file */
	memset(walk, 0, sizeof(walk));
	assert_int_equal(addrspaces__for_each_file_mapping(as, getpid(), count_file_mappings, walk),
			 0);
	assert_int_equal(walk[2], 1);
	munmap(map, 2 * 4096);
	close(fd);
}

/* A library dlopen'ed after the snapshot: found by the refresh its first pc triggers (lazy:
 * libthread_db calls back into a debugger it does not have here). */
static void test_addrspace_refresh_sees_dlopen(void **state)
{
	struct addrspaces *as = *state;
	const struct module *mod;
	uint64_t off, gen;
	void *lib, *fn;

	assert_int_equal(addrspaces__snapshot(as, getpid()), 0);
	gen = addrspaces__generation(as, getpid());
	lib = dlopen("libthread_db.so.1", RTLD_LAZY | RTLD_LOCAL);
	assert_non_null(lib);
	fn = dlsym(lib, "td_init");
	assert_non_null(fn);
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(fn), &mod, &off), 0);
	assert_int_equal(addrspaces__generation(as, getpid()), gen + 1);
	assert_non_null(strstr(mod->path, "/libthread_db.so"));
	assert_true(off == file_offset_of(addr_of(fn)));
	assert_non_null(mod->build_id);
	dlclose(lib);
}

/* The model outlives the mapping: samples taken before an munmap still resolve. */
static void test_addrspace_keeps_model_until_refresh(void **state)
{
	struct addrspaces *as = *state;
	const struct module *mod;
	char path[128];
	uint64_t off;
	char *map;
	int fd;

	snprintf(path, sizeof(path), "%s/mapped", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(addrspaces__snapshot(as, getpid()), 0);
	munmap(map, 4096);
	close(fd);
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(map + 5), &mod, &off), 0);
	assert_string_equal(mod->path, path);
	assert_true(off == 5);
}

static void test_addrspace_exec_and_forget_start_over(void **state)
{
	struct addrspaces *as = *state;
	const struct module *mod;
	uint64_t off;

	assert_int_equal(addrspaces__snapshot(as, getpid()), 0);
	addrspaces__exec(as, getpid());
	/* dropped and re-read (the process is still here) */
	assert_int_equal(addrspaces__generation(as, getpid()), 3);
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(&addr_of), &mod, &off), 0);
	addrspaces__forget(as, getpid());
	assert_int_equal(addrspaces__generation(as, getpid()), 0);
	assert_int_equal(addrspaces__for_each_file_mapping(as, getpid(), count_file_mappings,
							   (uint64_t[3]){ 0 }),
			 -ENOENT);
	/* modules are shared and stay: the same file is the same module after a new look */
	assert_int_equal(addrspaces__resolve(as, getpid(), addr_of(&addr_of), &mod, &off), 0);
	assert_ptr_equal(addrspaces__module(as, mod->id), mod);
}

static void test_addrspace_gone_process(void **state)
{
	struct addrspaces *as = *state;
	const struct module *mod;
	uint64_t off;

	assert_int_equal(addrspaces__snapshot(as, 0x3ffffff0), -ESRCH);
	assert_int_equal(addrspaces__resolve(as, 0x3ffffff0, addr_of(&addr_of), &mod, &off),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_addrspace_resolves_own_executable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_addrspace_resolves_libc_as_one_module, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_addrspace_address_outside_every_mapping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_addrspace_refresh_sees_new_mapping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_addrspace_refresh_sees_dlopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addrspace_keeps_model_until_refresh, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_addrspace_exec_and_forget_start_over, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_addrspace_gone_process, setup, teardown),
	};

	return cmocka_run_group_tests_name("addrspace", tests, NULL, NULL);
}
