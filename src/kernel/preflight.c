// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "preflight.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int effective_caps(__u64 *caps)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*caps = data[0].effective | ((__u64)data[1].effective << 32);
	return 0;
}

static int has_cap(__u64 caps, int cap)
{
	return !!(caps & (1ULL << cap));
}

int preflight_check(void)
{
	__u64 caps = 0;

	/* attaching needs BPF and perf rights; reading other processes' maps needs ptrace */
	if (effective_caps(&caps) ||
	    !(has_cap(caps, CAP_SYS_ADMIN) || (has_cap(caps, CAP_BPF) && has_cap(caps, CAP_PERFMON))) ||
	    !has_cap(caps, CAP_SYS_PTRACE)) {
		pr_warn("must run as root (needs CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE, or CAP_SYS_ADMIN)\n");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		pr_warn("kernel has no BTF (/sys/kernel/btf/vmlinux missing): needs CONFIG_DEBUG_INFO_BTF=y\n");
		return -ENOTSUP;
	}
	if (access("/sys/bus/event_source/devices/uprobe/type", R_OK)) {
		pr_warn("kernel has no uprobe support (/sys/bus/event_source/devices/uprobe missing): needs CONFIG_UPROBE_EVENTS=y\n");
		return -ENOTSUP;
	}
	return 0;
}
