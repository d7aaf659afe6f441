/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files memsnoop (root) reads because a target maps them: paths the target chose. A mapping
 * named like a deleted library can be replaced by a FIFO (an open that never returns) or a
 * symlink to any file root may read; a debuglink can point beside the library, in a directory
 * the target owns. So every such file is opened without blocking, never through a final
 * symlink the target planted, must be a regular file of bounded size, and, when it stands
 * for a mapping, the very file mapped (device and inode). Debug information is looked up
 * only in the system's debug directory, the same way.
 */
#ifndef MEMSNOOP_TARGETFILE_H
#define MEMSNOOP_TARGETFILE_H

#include <elfutils/libdwfl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "procmaps.h"

#define TARGET_FILE_MAX_SZ (16ULL << 30) /* larger than any real ELF or debug file */
#define TARGET_DEBUG_DIR "/usr/lib/debug"

/*
 * Opens path read-only without blocking (O_NONBLOCK; O_NOFOLLOW too when nofollow) and
 * checks it is a regular file no larger than TARGET_FILE_MAX_SZ, and, unless ino is 0, that
 * it has device dev and inode ino. Returns the descriptor (O_CLOEXEC) or a negative errno.
 */
int target_file_open(const char *path, bool nofollow, uint64_t dev, uint64_t ino);

/*
 * The file pid maps at m: /proc/PID/map_files/ (the mapped file itself, even deleted or
 * renamed since), else /proc/PID/root/PATH without following a final symlink; either way
 * checked as target_file_open does against the mapping's device and inode.
 */
int target_file_open_mapped(pid_t pid, const struct mapping *m);

/*
 * The standard debug file of a GNU build ID of id_sz bytes (at least 2) in path:
 * TARGET_DEBUG_DIR/.build-id/NN/NNNN....debug. 0, -EINVAL for a shorter id, -ENAMETOOLONG.
 */
int target_debug_path_of_build_id(const unsigned char *id, size_t id_sz, char *path,
				  size_t path_sz);

/*
 * A Dwfl_Callbacks.find_debuginfo that looks only in TARGET_DEBUG_DIR: by build ID, by
 * .gnu_debuglink under the module's own directory there, and a dwz file named there; each
 * opened as target_file_open does. Never in the module's directory (the target's).
 */
int target_file_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			       Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			       GElf_Word debuglink_crc, char **debuginfo_file_name);

/*
 * An Elf reading the open file fd with pread (ELF_C_READ), never through a mapping: a target
 * that truncates the file under memsnoop makes reads fail, where a mapping would raise SIGBUS.
 * libelf reads through fd as long as the Elf lives. NULL for a file that is not ELF.
 */
Elf *target_file_elf(int fd);

/*
 * Reports the ELF file open at fd (taken, closed on failure) to dwfl as module name, at the
 * file's own addresses, for libdwfl to read through target_file_elf (libdwfl's own elf_begin
 * maps the file). dwfl's callbacks must have target_file_find_elf as find_elf. NULL when the
 * file is not an ELF file with loadable segments.
 */
Dwfl_Module *target_file_report(Dwfl *dwfl, const char *name, int fd);
int target_file_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			 char **file_name, Elf **elfp);

#endif /* MEMSNOOP_TARGETFILE_H */
