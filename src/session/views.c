// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The profile as people read it: grouped by program, cgroup or not at all (--group-by). */
#include "log.h"
#include "profile.h"
#include "session.h"

/* The newest registry entry of pid, exited or not. */
static const struct target *target_of(const struct session *s, uint32_t pid)
{
	return targets__lookup(&s->targets, pid);
}

static const char *group_by_exe(void *ctx, uint32_t pid)
{
	const struct target *t = target_of(ctx, pid);

	return t ? t->comm : NULL;
}

static const char *group_by_cgroup(void *ctx, uint32_t pid)
{
	const struct target *t = target_of(ctx, pid);

	return t ? t->cgroup : NULL;
}

/* The profile as people read it: the per-process one, or a copy grouped by --group-by. Free
 * it with session__free_view(). */
struct profile *session__shown_profile(struct session *s)
{
	struct profile *p;

	switch (s->opts.group_by) {
	case GROUP_BY_EXE:
		p = profile__regroup(s->profile, group_by_exe, s);
		break;
	case GROUP_BY_CGROUP:
		p = profile__regroup(s->profile, group_by_cgroup, s);
		break;
	case GROUP_BY_NONE:
		p = profile__regroup(s->profile, NULL, s);
		break;
	default:
		return s->profile;
	}
	if (!p)
		pr_warn("out of memory: the report keeps processes apart\n");
	return p ?: s->profile;
}

struct profile *session__drawn_profile(struct session *s, struct profile *shown)
{
	struct profile *p;

	if (s->opts.group_by != GROUP_BY_PID)
		return shown;
	p = profile__regroup(s->profile, group_by_exe, s);
	if (!p)
		pr_warn("out of memory: the flame graph merges processes\n");
	return p ?: shown;
}

void session__free_view(struct session *s, struct profile *p)
{
	if (p != s->profile)
		profile__free(p);
}
