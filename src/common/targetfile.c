// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "targetfile.h"

int target_file_open(const char *path, bool nofollow, uint64_t dev, uint64_t ino)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	struct stat st;
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if ((uint64_t)st.st_size > TARGET_FILE_MAX_SZ)
		err = -EFBIG;
	else if (ino && (st.st_ino != ino || st.st_dev != dev))
		err = -ESTALE; /* not the file mapped: replaced since */
	if (err) {
		pr_debug("not reading %s: %s\n", path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

int target_file_open_mapped(pid_t pid, const struct mapping *m)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	/* a kernel link to the mapped file itself: following it is the point */
	fd = target_file_open(path, false, m->dev, m->inode);
	if (fd != -ENOENT && fd != -EPERM && fd != -EACCES)
		return fd;
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, m->path);
	return target_file_open(path, true, m->dev, m->inode);
}

/* path inside the debug directory, without a way out of it. */
static int open_debug_file(const char *path, char **debuginfo_file_name)
{
	int fd;

	if (strncmp(path, TARGET_DEBUG_DIR "/", strlen(TARGET_DEBUG_DIR) + 1) ||
	    strstr(path, "/../"))
		return -EPERM;
	fd = target_file_open(path, false, 0, 0);
	if (fd >= 0)
		*debuginfo_file_name = strdup(path);
	return fd;
}

int target_debug_path_of_build_id(const unsigned char *id, size_t id_sz, char *path,
				  size_t path_sz)
{
	size_t n;

	if (id_sz < 2)
		return -EINVAL;
	n = snprintf(path, path_sz, TARGET_DEBUG_DIR "/.build-id/%02x/", id[0]);
	for (size_t i = 1; i < id_sz && n < path_sz; i++)
		n += snprintf(path + n, path_sz - n, "%02x", id[i]);
	if (n < path_sz)
		n += snprintf(path + n, path_sz - n, ".debug");
	return n < path_sz ? 0 : -ENAMETOOLONG;
}

int target_file_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			       Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			       GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const unsigned char *id;
	char path[PATH_MAX];
	GElf_Addr vaddr;
	int len, fd = -ENOENT;

	(void)userdata, (void)base, (void)file_name, (void)debuglink_crc;
	*debuginfo_file_name = NULL;
	/* libdw asks for a dwz file (.gnu_debugaltlink) by its absolute name */
	if (debuglink_file && debuglink_file[0] == '/') {
		fd = open_debug_file(debuglink_file, debuginfo_file_name);
		goto out;
	}
	len = dwfl_module_build_id(mod, &id, &vaddr);
	if (len > 0 && !target_debug_path_of_build_id(id, len, path, sizeof(path)))
		fd = open_debug_file(path, debuginfo_file_name);
	if (fd < 0 && debuglink_file && !strchr(debuglink_file, '/') && modname &&
	    modname[0] == '/') {
		const char *slash = strrchr(modname, '/');

		snprintf(path, sizeof(path), TARGET_DEBUG_DIR "%.*s/%s", (int)(slash - modname),
			 modname, debuglink_file);
		fd = open_debug_file(path, debuginfo_file_name);
	}
out:
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

Elf *target_file_elf(int fd)
{
	Elf *elf;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		elf = NULL;
	}
	return elf;
}

/* What target_file_report hands target_file_find_elf through the module's userdata. */
struct reported_file {
	int fd;
	Elf *elf;
};

/* The addresses the file's loadable segments span, from the first one's aligned start. */
static bool load_span(Elf *elf, GElf_Addr *low, GElf_Addr *high)
{
	size_t n;

	*low = *high = 0;
	if (elf_getphdrnum(elf, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (!*high)
			*low = ph.p_vaddr & -(ph.p_align ?: 1);
		if (ph.p_vaddr + ph.p_memsz > *high)
			*high = ph.p_vaddr + ph.p_memsz;
	}
	return *high > *low;
}

Dwfl_Module *target_file_report(Dwfl *dwfl, const char *name, int fd)
{
	struct reported_file *rf = malloc(sizeof(*rf));
	Dwfl_Module *mod = NULL;
	GElf_Addr low, high;
	void **userdata;

	if (!rf) {
		close(fd);
		return NULL;
	}
	*rf = (struct reported_file){ .fd = fd, .elf = target_file_elf(fd) };
	if (rf->elf && load_span(rf->elf, &low, &high))
		mod = dwfl_report_module(dwfl, name, low, high);
	if (!mod) {
		elf_end(rf->elf);
		close(fd);
		free(rf);
		return NULL;
	}
	dwfl_module_info(mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = rf;
	return mod;
}

int target_file_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			 char **file_name, Elf **elfp)
{
	struct reported_file *rf = *userdata;
	int fd;

	(void)mod, (void)base;
	*elfp = NULL;
	if (!rf)
		return -1; /* never a path for libdwfl to open by itself */
	*elfp = rf->elf;
	fd = rf->fd;
	*file_name = strdup(modname);
	*userdata = NULL;
	free(rf);
	return fd;
}
