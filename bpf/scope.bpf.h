/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which processes are profiled. With -p or a launched command alone, every link is filtered
 * to the profiled PIDs by the kernel and everything that fires is in scope. With --cgroup or
 * --follow-forks, links see every process that maps a probed file, and the scope is kept
 * here: the cgroups' processes, and scope_pids, which the fork tracepoint grows before a
 * child runs (forked from any thread, vfork'd, or a daemon's second fork) when following.
 *
 * A cgroup is matched by its id at its level of the hierarchy (the task's ancestor there),
 * and its path is watched: systemd and runc remove a service's or container's cgroup and make
 * it again at the same path on a restart; the mkdir tracepoint gives the new directory's id
 * to its slot before any process can enter it, so the restarted service is profiled from its
 * first instruction.
 */
#ifndef MEMSNOOP_SCOPE_BPF_H
#define MEMSNOOP_SCOPE_BPF_H

#include "maps.bpf.h"

const volatile __u32 cgroup_cnt = 0; /* --cgroup: entries of cgroup_slots in use */
const volatile bool follow_forks = false; /* --follow-forks: scope_pids grows at fork */
/* each --cgroup path as the kernel writes it in the cgroup tracepoints ("/a/b") */
const volatile char cgroup_paths[CGROUP_TARGETS_MAX][CGROUP_PATH_MAX] = {};

struct cgroup_slot cgroup_slots[CGROUP_TARGETS_MAX] = {}; /* set by user space, then here */
__u64 unfollowed_forks = 0; /* children scope_pids had no room for: not profiled */

static __always_inline bool scope_in_kernel(void)
{
	return cgroup_cnt || follow_forks;
}

/* Written by the mkdir tracepoint on another CPU: read it afresh. */
static __always_inline __u64 slot_id(__u32 i)
{
	return *(volatile __u64 *)&cgroup_slots[i].id;
}

/* True when the current task is in a profiled cgroup's subtree. */
static __always_inline bool in_cgroups(void)
{
	for (__u32 i = 0; i < CGROUP_TARGETS_MAX; i++) {
		__u64 id;

		if (i >= cgroup_cnt)
			break;
		id = slot_id(i);
		if (id && bpf_get_current_ancestor_cgroup_id(cgroup_slots[i].level) == id)
			return true;
	}
	return false;
}

static __always_inline bool in_scope(__u32 tgid)
{
	return !scope_in_kernel() || bpf_map_lookup_elem(&scope_pids, &tgid) || in_cgroups();
}

/* 0, or the map is full (its size is set by user space). */
static __always_inline long scope_pids__add(__u32 tgid)
{
	__u8 one = 1;

	return bpf_map_update_elem(&scope_pids, &tgid, &one, BPF_ANY);
}

/* The slot a cgroup made at path fills, or -1. */
static __always_inline int cgroup_slot_of_path(const char *path)
{
	char buf[CGROUP_PATH_MAX];

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), path) <= 0)
		return -1;
	for (__u32 i = 0; i < CGROUP_TARGETS_MAX; i++) {
		if (i >= cgroup_cnt)
			break;
		if (!bpf_strncmp(buf, sizeof(buf), (const char *)cgroup_paths[i]))
			return i;
	}
	return -1;
}

/* The slot of a profiled cgroup's id, or -1. */
static __always_inline int cgroup_slot_of_id(__u64 id)
{
	for (__u32 i = 0; i < CGROUP_TARGETS_MAX; i++) {
		if (i >= cgroup_cnt)
			break;
		if (slot_id(i) == id)
			return i;
	}
	return -1;
}

#endif /* MEMSNOOP_SCOPE_BPF_H */
