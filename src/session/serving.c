// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* --listen's snapshots and --push's series: views of the profile as it is now. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cgroup.h"
#include "clock.h"
#include "collect.h"
#include "log.h"
#include "output.h"
#include "pusher.h"
#include "server.h"
#include "session.h"
#include "where.h"

/* --listen: a request's view of the profile, up to date with the ring buffer. */
static int serve_snapshot(void *ctx, struct server_view *v)
{
	struct session *s = ctx;

	session__drain(s);
	if (collector__snapshot(s->collector, mono_ns()))
		return -ENOMEM;
	session__read_figures(s, &v->info);
	session__fill_targets(s, &v->info);
	v->info.mem = &s->mem;
	v->info.duration_s = mono_ns() / 1e9 - s->start_s;
	v->profile = s->profile;
	v->pinfo = (struct pprof_info){ .time_nanos = wall_ns(),
					.losses = &v->info.losses,
					.targets = v->info.targets,
					.target_cnt = v->info.target_cnt };
	if (s->pusher) {
		struct pusher_stats st;

		pusher__stats(s->pusher, &st);
		v->self.pushing = true;
		v->self.pushes_sent = st.sent;
		v->self.pushes_dropped = st.dropped;
		v->self.push_retries = st.retries;
	}
	return 0;
}

static bool where_profiled(void *ctx, pid_t pid)
{
	return targets__lookup(&((struct session *)ctx)->targets, pid) != NULL;
}

/* The blocks as they are now, for `where` (--listen) and --where (at exit). */
static struct where_source where_source(struct session *s, uint64_t now_ns)
{
	return (struct where_source){ s->collector, s->profile, s->opts.rate, s->opts.count_only,
				      now_ns, where_profiled, s };
}

/* --listen: /debug/memsnoop/where, up to date with the ring buffer. */
static unsigned serve_where(void *ctx, const char *pid, const char *addr, FILE *f)
{
	struct session *s = ctx;
	struct where_source src;

	session__drain(s);
	collector__resolve(s->collector);
	src = where_source(s, mono_ns());
	return where__answer_args(&src, pid, addr, f);
}

void session__answer_where_at_exit(struct session *s, uint64_t end_ns)
{
	struct where_source src = where_source(s, end_ns);

	for (size_t i = 0; i < s->opts.where_cnt; i++)
		where__answer(&src, s->targets.list[0].pid, s->opts.where[i], s->report);
}

/* A series of a --push: the processes of one --cgroup (NULL: every target), its labels and
 * its raw profiles. */
struct push_group {
	struct session *s;
	const char *cgroup;
	struct pusher_label labels[6];
	char pid[16], container[16];
	struct pusher_raw raws[2];
};

static bool in_push_group(void *ctx, uint32_t pid)
{
	const struct push_group *g = ctx;
	const struct target *t = targets__lookup(&g->s->targets, pid);

	return t && t->cgroup && cgroup_path_holds(g->cgroup, t->cgroup);
}

/* The group's labels: a cgroup's path and container, or a single process's pid, cgroup and
 * container (several -p processes: those are the samples' labels). Returns their count. */
static size_t push_labels(struct push_group *g)
{
	struct session *s = g->s;
	const struct target *t = s->targets.cnt ? &s->targets.list[0] : NULL;
	const char *cgroup = g->cgroup ?: s->targets.cnt == 1 && t ? t->cgroup : NULL;
	const char *base = g->cgroup ? strrchr(g->cgroup, '/') : NULL;
	size_t n = 0;

	g->labels[n++] = (struct pusher_label){ "__name__", "memory" };
	g->labels[n++] = (struct pusher_label){
		"service_name", s->opts.push_service ?: base && base[1] ? base + 1 : t ? t->comm : "memsnoop" };
	/* Pyroscope: already deltas, the server must not diff them again */
	if (s->opts.push_format == PUSH_PYROSCOPE)
		g->labels[n++] = (struct pusher_label){ "__delta__", "false" };
	if (!g->cgroup && t && s->targets.cnt == 1) {
		snprintf(g->pid, sizeof(g->pid), "%d", (int)t->pid);
		g->labels[n++] = (struct pusher_label){ "pid", g->pid };
	}
	if (cgroup)
		g->labels[n++] = (struct pusher_label){ "cgroup", cgroup };
	if (pusher_container_id(cgroup, g->container, sizeof(g->container)))
		g->labels[n++] = (struct pusher_label){ "container", g->container };
	return n;
}

/* One raw profile of a group into *raw (free its data): allocations a delta since the last
 * push, in-use as it is now. */
static int push_pprof(struct push_group *g, const struct server_view *v, enum pprof_types types,
		      struct pusher_raw *raw)
{
	struct session *s = g->s;
	struct pprof_info pinfo = v->pinfo;
	struct profile_view_opts vo = { .keep = g->cgroup ? in_push_group : NULL, .keep_ctx = g };
	struct profile *view;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -ENOMEM;
	pinfo.types = types;
	pinfo.default_type = types == PPROF_TYPES_ALLOC ? VALUE_ALLOC_SPACE : VALUE_INUSE_SPACE;
	if (types != PPROF_TYPES_INUSE) {
		vo.base = s->push_base;
		vo.base_cnt = s->push_base_cnt;
		vo.base_alloc_only = true;
		pinfo.time_nanos = s->push_wall_ns;
		pinfo.duration_nanos = mono_ns() - s->push_ns;
	}
	view = profile__view(s->profile, &vo);
	err = view ? output_pprof__write(view, &pinfo, f) : -ENOMEM;
	profile__free(view);
	err = fclose(f) ? -ENOMEM : err;
	*raw = (struct pusher_raw){ buf, len };
	return err;
}

/* --push: the profile since the last push, a series per --cgroup (or one), queued for the
 * pusher's thread: one pprof for Pyroscope, an allocation delta (duration_nanos set) and an
 * in-use snapshot for Parca. */
void session__push_profile(struct session *s)
{
	bool parca = s->opts.push_format == PUSH_PARCA;
	size_t cnt;
	struct report_info scope = {};
	const char *const *cgroups;
	struct push_group *groups;
	struct pusher_series *series;
	struct server_view v = {};
	uint64_t now = mono_ns();
	int err;

	if (s->mode->describe)
		s->mode->describe(s, &scope);
	cgroups = scope.scope.cgroup_cnt ? scope.scope.cgroups : NULL;
	cnt = cgroups ? scope.scope.cgroup_cnt : 1;
	groups = calloc(cnt, sizeof(*groups));
	series = calloc(cnt, sizeof(*series));
	err = groups && series ? serve_snapshot(s, &v) : -ENOMEM;

	for (size_t i = 0; !err && i < cnt; i++) {
		struct push_group *g = &groups[i];

		*g = (struct push_group){ .s = s, .cgroup = cgroups ? cgroups[i] : NULL };
		err = push_pprof(g, &v, parca ? PPROF_TYPES_ALLOC : PPROF_TYPES_ALL, &g->raws[0]);
		if (!err && parca)
			err = push_pprof(g, &v, PPROF_TYPES_INUSE, &g->raws[1]);
		series[i] = (struct pusher_series){ g->labels, push_labels(g), g->raws, parca ? 2 : 1 };
	}
	if (!err)
		err = pusher__push(s->pusher, series, cnt);
	for (size_t i = 0; groups && i < cnt; i++) {
		free((void *)groups[i].raws[0].data);
		free((void *)groups[i].raws[1].data);
	}
	free(groups);
	free(series);
	if (err) {
		pr_warn("--push: cannot prepare a push: %s\n", strerror(-err));
		return;
	}
	free(s->push_base);
	s->push_base = profile__baseline(s->profile, &s->push_base_cnt);
	s->push_ns = now;
	s->push_wall_ns = wall_ns();
}

void session__serve_requests(void *ctx)
{
	server__run(((struct session *)ctx)->server);
}

int session__serve_timeout_ms(void *ctx)
{
	return server__timeout_ms(((struct session *)ctx)->server);
}

/* --listen: bound before attaching (a port taken is a refusal), served once the loop runs. */
int session__open_server(struct session *s)
{
	if (!s->opts.listen)
		return 0;
	s->server = server__new(&(struct server_opts){ s->opts.listen, s->opts.listen_any, s,
						       serve_snapshot, serve_where });
	return s->server ? 0 : -errno;
}

int session__open_pusher(struct session *s)
{
	if (!s->opts.push_url)
		return 0;
	s->pusher = pusher__new(&(struct pusher_opts){ s->opts.push_url, s->opts.push_format });
	return s->pusher ? 0 : -errno;
}
