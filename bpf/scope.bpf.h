/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which processes are profiled. With -p or a launched command alone, every link is filtered
 * to the profiled PIDs by the kernel and everything that fires is in scope. With --cgroup or
 * --follow-forks, links see every process that maps a probed file, and the scope is kept
 * here: the cgroups' processes, and scope_pids, which the fork tracepoint grows before a
 * child runs (forked from any thread, vfork'd, or a daemon's second fork) when following.
 */
#ifndef MEMSNOOP_SCOPE_BPF_H
#define MEMSNOOP_SCOPE_BPF_H

#include "maps.bpf.h"

const volatile __u32 cgroup_cnt = 0; /* --cgroup: entries of the cgroups map in use */
const volatile bool follow_forks = false; /* --follow-forks: scope_pids grows at fork */

__u64 unfollowed_forks = 0; /* children scope_pids had no room for: not profiled */

static __always_inline bool scope_in_kernel(void)
{
	return cgroup_cnt || follow_forks;
}

/* True when the current task is in a profiled cgroup. */
static __always_inline bool in_cgroups(void)
{
	for (__u32 i = 0; i < CGROUP_TARGETS_MAX; i++) {
		if (i >= cgroup_cnt)
			break;
		if (bpf_current_task_under_cgroup(&cgroups, i) == 1)
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

#endif /* MEMSNOOP_SCOPE_BPF_H */
