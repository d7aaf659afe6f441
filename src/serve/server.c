// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The HTTP side of --listen. libmicrohttpd parses HTTP (malformed requests, oversized
 * headers and slow clients are its business: 4xx, a per-connection memory limit and an idle
 * timeout); this file routes the few paths memsnoop serves.
 *
 * Threading: none. The daemon runs in "external epoll" mode: server__fd() is its epoll fd,
 * which the event loop watches beside the ring buffer, and server__run() does the I/O that
 * is ready. Every answer is built on the main thread from a snapshot the hook brings up to
 * date, so the profile is never shared with another thread and never locked.
 *
 * ?seconds=N (Go's delta profiles): the first pass takes a baseline (a copy of every
 * stack's values, ids are stable) and suspends the connection; server__timeout_ms() makes
 * the loop wake when the window ends, server__run() resumes it, and the second pass answers
 * with the profile minus the baseline. Meanwhile the loop goes on draining the ring buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "clock.h"
#include "conn_guard.h"
#include "log.h"
#include "output_heaptext.h"
#include "output_metrics.h"
#include "server.h"
#include "where.h"

/*
 * conn_guard keeps the connections to CONN_GUARD_TOTAL by cutting; the library's own limit,
 * which refuses rather than cuts, is only a backstop above it (cut connections linger until
 * it reads their end). A connection that makes no progress is closed after the idle timeout.
 */
#define MAX_CONNECTIONS (2 * CONN_GUARD_TOTAL)
#define IDLE_TIMEOUT_S 10
#define CONNECTION_MEMORY 16384
#define LISTEN_BACKLOG 4096
#define SERVER_STOP_PASSES 8 /* libmicrohttpd passes at stop, for the resumed requests */

/* A ?seconds=N request waiting for the end of its window. */
struct pending {
	struct MHD_Connection *conn;
	uint64_t start_ns, due_ns;
	struct stack_values *base; /* every stack's values at the start */
	size_t base_cnt;
	bool suspended;
	struct pending *next;
};

struct server {
	struct server_opts opts;
	struct MHD_Daemon *daemon;
	struct conn_guard *guard;
	struct pending *pending;
	size_t pending_cnt;
	bool stopping;
	uint64_t requests;
	double start_time_s;
};

int server_parse_addr(const char *s, struct sockaddr_storage *out, bool *loopback)
{
	const char *colon = strrchr(s, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t host_len = colon ? (size_t)(colon - s) : 0;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (!colon || !host_len || host_len >= sizeof(host))
		return -EINVAL;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
		return -EINVAL;
	memcpy(host, s, host_len);
	host[host_len] = '\0';
	if (host[0] == '[' && host[host_len - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
		const uint8_t *b = a6->sin6_addr.s6_addr;

		host[host_len - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return -EINVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) ||
			    (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) && b[12] == 127);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;

	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return -EINVAL;
	a4->sin_family = AF_INET;
	a4->sin_port = htons(port);
	*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	return 0;
}

/* The listening socket, made here so that a bind failure says exactly why. */
static int open_socket(const struct sockaddr_storage *addr)
{
	socklen_t len = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						     : sizeof(struct sockaddr_in);
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/*
	 * A full accept queue drops a new client's SYN, which it sends again only a second
	 * later: the queue holds a flood (the kernel caps it at net.core.somaxconn) and
	 * conn_guard cuts what it accepts beyond its limits.
	 */
	if (bind(fd, (const struct sockaddr *)addr, len) || listen(fd, LISTEN_BACKLOG)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type,
			      char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!resp) {
		free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	char *body = strdup(text);

	return body ? answer(conn, status, "text/plain; charset=utf-8", body, strlen(body)) : MHD_NO;
}

static void self_stats(const struct server *s, struct metrics_self *self)
{
	struct rusage ru;
	unsigned long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f && fscanf(f, "%lu %lu", &pages, &rss) != 2)
		rss = 0;
	if (f)
		fclose(f);
	self->cpu_s = self_cpu_s(&ru);
	self->rss_bytes = (uint64_t)rss * sysconf(_SC_PAGESIZE);
	self->start_time_s = s->start_time_s;
	self->scrapes = s->requests;
}

enum doc { DOC_HEAP, DOC_ALLOCS, DOC_METRICS, DOC_TEXT /* ?debug=1, as Go's */ };

/* The document, from a fresh snapshot; base (or NULL) makes a pprof a delta. */
static enum MHD_Result serve(struct server *s, struct MHD_Connection *conn, enum doc doc,
			     const struct pending *base)
{
	struct server_view view = {};
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	err = s->opts.snapshot(s->opts.ctx, &view);
	self_stats(s, &view.self);
	if (err)
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no profile yet\n");
	f = open_memstream(&body, &len);
	if (!f)
		return MHD_NO;
	if (doc == DOC_METRICS) {
		err = output_metrics__write(view.profile, &view.info, &view.self, f);
	} else if (doc == DOC_TEXT) {
		err = output_heaptext__write(view.profile, f);
	} else {
		struct profile *delta = NULL;

		view.pinfo.default_type = doc == DOC_HEAP ? VALUE_INUSE_SPACE : VALUE_ALLOC_SPACE;
		if (base) {
			delta = profile__view(view.profile,
					      &(struct profile_view_opts){ .base = base->base,
									   .base_cnt = base->base_cnt });
			view.pinfo.duration_nanos = mono_ns() - base->start_ns;
		}
		err = base && !delta ? -ENOMEM
				     : output_pprof__write(delta ?: view.profile, &view.pinfo, f);
		profile__free(delta);
	}
	if (fclose(f) || err) {
		free(body);
		return answer_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write the profile\n");
	}
	return answer(conn, MHD_HTTP_OK,
		      doc == DOC_METRICS ? "text/plain; version=0.0.4; charset=utf-8"
		      : doc == DOC_TEXT	 ? "text/plain; charset=utf-8"
					 : "application/octet-stream",
		      body, len);
}

static struct guarded_conn *guarded(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* /debug/memsnoop/where?pid=PID&addr=ADDR: the hook writes the answer and its status. */
static enum MHD_Result serve_where(struct server *s, struct MHD_Connection *conn)
{
	const char *pid = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "pid");
	const char *addr = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "addr");
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	unsigned status;

	if (!f)
		return MHD_NO;
	status = s->opts.where(s->opts.ctx, pid, addr, f);
	if (fclose(f)) {
		free(body);
		return MHD_NO;
	}
	return answer(conn, status, "text/plain; charset=utf-8", body, len);
}

/* ?seconds=N: the baseline now, the answer when the window has passed. */
static enum MHD_Result start_delta(struct server *s, struct MHD_Connection *conn,
				   const char *arg, void **req_cls)
{
	struct server_view view = {};
	struct pending *pd;
	char *end;
	long secs;

	errno = 0;
	secs = strtol(arg, &end, 10);
	if (errno || end == arg || *end || secs < 1 || secs > SERVER_MAX_SECONDS)
		return answer_text(conn, MHD_HTTP_BAD_REQUEST,
				   "seconds: expected a whole number from 1 to 3600\n");
	if (s->pending_cnt >= SERVER_MAX_PENDING)
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "too many delta profiles at once\n");
	if (s->opts.snapshot(s->opts.ctx, &view))
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no profile yet\n");
	pd = calloc(1, sizeof(*pd));
	if (!pd || !(pd->base = profile__baseline(view.profile, &pd->base_cnt))) {
		free(pd);
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
	}
	pd->conn = conn;
	pd->start_ns = mono_ns();
	pd->due_ns = pd->start_ns + secs * 1000000000ULL;
	pd->suspended = true;
	pd->next = s->pending;
	s->pending = pd;
	s->pending_cnt++;
	*req_cls = pd;
	if (guarded(conn))
		conn_guard__held(guarded(conn));
	MHD_suspend_connection(conn);
	return MHD_YES;
}

static const char index_page[] =
	"memsnoop\n"
	"/debug/pprof/heap           heap profile (inuse and alloc sample types; ?seconds=N: delta)\n"
	"/debug/pprof/allocs         the same, alloc_space by default (?seconds=N: delta)\n"
	"                            ?debug=1: as text, as Go's handler answers it\n"
	"/metrics                    Prometheus metrics\n"
	"/debug/memsnoop/where       ?pid=PID&addr=ADDR: the live block holding ADDR, its stack\n"
	"/healthz                    ok\n";

/* Every connection is known to the guard from its accept to its close. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;
	const union MHD_ConnectionInfo *fd, *peer;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		conn_guard__remove(s->guard, *socket_ctx);
		*socket_ctx = NULL;
		return;
	}
	fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	peer = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (fd)
		*socket_ctx = conn_guard__add(s->guard, fd->connect_fd,
					      peer ? peer->client_addr : NULL, mono_ns());
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_sz, void **req_cls)
{
	struct server *s = cls;
	struct pending *pd = *req_cls;
	const char *secs, *debug;
	enum doc doc;

	(void)version;
	(void)upload;
	if (guarded(conn))
		conn_guard__requested(guarded(conn), mono_ns());
	/* a request read by the last pass at stop (or resumed by it) is answered at once:
	 * suspending it then would leave libmicrohttpd a suspended connection at its stop,
	 * where it aborts */
	if (s->stopping)
		return answer_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "memsnoop is stopping\n");
	if (pd) { /* resumed: its window has passed */
		pd->suspended = false;
		return serve(s, conn, strstr(url, "allocs") ? DOC_ALLOCS : DOC_HEAP, pd);
	}
	s->requests++;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (*upload_sz)
		return answer_text(conn, MHD_HTTP_BAD_REQUEST, "no request body expected\n");
	if (!strcmp(url, "/healthz"))
		return answer_text(conn, MHD_HTTP_OK, "ok\n");
	if (!strcmp(url, "/") || !strcmp(url, "/debug/pprof/"))
		return answer_text(conn, MHD_HTTP_OK, index_page);
	if (s->opts.where && !strcmp(url, WHERE_PATH))
		return serve_where(s, conn);
	if (!strcmp(url, "/metrics"))
		doc = DOC_METRICS;
	else if (!strcmp(url, "/debug/pprof/heap"))
		doc = DOC_HEAP;
	else if (!strcmp(url, "/debug/pprof/allocs"))
		doc = DOC_ALLOCS;
	else
		return answer_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	secs = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "seconds");
	if (secs && doc != DOC_METRICS)
		return start_delta(s, conn, secs, req_cls);
	debug = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "debug");
	if (debug && strcmp(debug, "0") && doc != DOC_METRICS)
		doc = DOC_TEXT;
	return serve(s, conn, doc, NULL);
}

/* A request ended (answered, or its client gone): its baseline goes. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct server *s = cls;
	struct pending *pd = *req_cls, **pp;

	(void)why;
	if (guarded(conn)) /* keep-alive: the next request is due like a first one */
		conn_guard__idle(guarded(conn), mono_ns());
	if (!pd)
		return;
	for (pp = &s->pending; *pp && *pp != pd; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = pd->next;
		s->pending_cnt--;
	}
	free(pd->base);
	free(pd);
	*req_cls = NULL;
}

struct server *server__new(const struct server_opts *opts)
{
	struct sockaddr_storage addr;
	bool loopback = false;
	struct server *s;
	int fd;

	if (server_parse_addr(opts->listen, &addr, &loopback)) { /* cli_parse() checked it */
		errno = EINVAL;
		return NULL;
	}
	if (!loopback && !opts->listen_any) {
		pr_warn("--listen %s: not a loopback address; anyone who reaches it reads the profile (the targets' code and memory use, no authentication): add --listen-any to serve it anyway\n",
			opts->listen);
		errno = EPERM;
		return NULL;
	}
	fd = open_socket(&addr);
	if (fd < 0) {
		pr_warn("--listen %s: %s\n", opts->listen, strerror(-fd));
		errno = -fd;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return NULL;
	}
	s->opts = *opts;
	s->start_time_s = wall_ns() / 1e9;
	s->guard = conn_guard__new();
	s->daemon = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
					     (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, NULL, NULL, on_request, s,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				     MHD_OPTION_END);
	if (!s->guard || !s->daemon) {
		pr_warn("--listen %s: cannot start the HTTP server\n", opts->listen);
		if (s->daemon)
			MHD_stop_daemon(s->daemon);
		else
			close(fd);
		conn_guard__free(s->guard);
		free(s);
		errno = EIO;
		return NULL;
	}
	pr_info("serving http://%s/debug/pprof/heap and /metrics\n", opts->listen);
	return s;
}

/* Resumes the requests whose window has passed (all of them when stopping). */
static void resume_due(struct server *s)
{
	uint64_t now = mono_ns();

	for (struct pending *pd = s->pending; pd; pd = pd->next)
		if (pd->suspended && (s->stopping || now >= pd->due_ns)) {
			pd->suspended = false;
			MHD_resume_connection(pd->conn);
		}
}

void server__run(struct server *s)
{
	resume_due(s);
	conn_guard__expire(s->guard, mono_ns());
	MHD_run(s->daemon);
}

int server__fd(const struct server *s)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);

	return di ? di->epoll_fd : -1;
}

int server__timeout_ms(struct server *s)
{
	MHD_UNSIGNED_LONG_LONG mhd_ms;
	int64_t best = -1, ms;
	uint64_t now = mono_ns();

	if (MHD_get_timeout(s->daemon, &mhd_ms) == MHD_YES)
		best = mhd_ms > 60000 ? 60000 : (int64_t)mhd_ms;
	for (struct pending *pd = s->pending; pd; pd = pd->next) {
		ms = pd->due_ns > now ? (int64_t)((pd->due_ns - now) / 1000000) + 1 : 0;

		if (pd->suspended && (best < 0 || ms < best))
			best = ms;
	}
	ms = conn_guard__timeout_ms(s->guard, now);
	if (ms >= 0 && (best < 0 || ms < best))
		best = ms;
	return (int)best;
}

void server__free(struct server *s)
{
	if (!s)
		return;
	s->stopping = true;
	resume_due(s);
	/* the resumed requests get their 503: a resumed connection leaves libmicrohttpd's
	 * suspended list at a pass, and is answered at that pass or the next (a few passes, not
	 * a wait: a client that does not read its answer is closed by the stop) */
	for (int pass = 0; pass < SERVER_STOP_PASSES && (pass == 0 || s->pending); pass++)
		MHD_run(s->daemon);
	MHD_stop_daemon(s->daemon);
	conn_guard__free(s->guard);
	free(s);
}
