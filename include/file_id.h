/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A file's real identity: the device and inode number of the inode the kernel maps. For a
 * file on overlayfs the kernel maps the underlying file (vma->vm_file is the real file), so
 * this is the identity of the real file, the same in every container that shares a layer.
 *
 * The device is kept as the kernel encodes it internally (MKDEV: major << 20 | minor), which
 * is what a BPF program reads from inode->i_sb->s_dev. User space has it from
 * /proc/PID/maps (major:minor) or stat()'s st_dev (glibc's encoding): file_id_of() converts.
 * (On btrfs, stat() reports a subvolume's anonymous device where maps shows the superblock's:
 * take the maps' pair for mapped files.)
 */
#ifndef MEMSNOOP_FILE_ID_H
#define MEMSNOOP_FILE_ID_H

#ifndef __BPF__
#include <linux/types.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#endif

#define FILE_ID_MINOR_BITS 20

struct file_id {
	__u64 dev; /* MKDEV(major, minor), the kernel's s_dev */
	__u64 ino;
};

_Static_assert(sizeof(struct file_id) == 16, "file_id layout");

#ifndef __BPF__
/* The identity of inode ino on device dev as user space encodes it (makedev, st_dev). */
static inline struct file_id file_id_of(dev_t dev, ino_t ino)
{
	return (struct file_id){ ((__u64)major(dev) << FILE_ID_MINOR_BITS) | minor(dev), ino };
}

/* The device of an identity as user space encodes it (makedev). */
static inline dev_t file_id_user_dev(const struct file_id *id)
{
	return makedev(id->dev >> FILE_ID_MINOR_BITS, id->dev & ((1U << FILE_ID_MINOR_BITS) - 1));
}
#endif

#endif /* MEMSNOOP_FILE_ID_H */
