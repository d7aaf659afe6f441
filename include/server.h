/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --listen ADDR:PORT: the live profile over HTTP, as Go's net/http/pprof serves it, with
 * Prometheus metrics. libmicrohttpd runs without a thread of its own: its epoll fd sits in
 * the event loop's, and every request is answered from the main thread between ring buffer
 * batches, so that nothing locks the profile. A ?seconds=N request is suspended with its
 * baseline and answered by a later pass of the loop once its window has passed.
 */
#ifndef MEMSNOOP_SERVER_H
#define MEMSNOOP_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include "output.h"
#include "output_metrics.h"
#include "profile.h"

/* What a request is answered from: the profile, brought up to date by the hook. */
struct server_view {
	const struct profile *profile;
	struct report_info info;
	struct pprof_info pinfo;
	struct metrics_self self; /* the hook fills the push figures; the server the rest */
};

struct server_opts {
	const char *listen;  /* "127.0.0.1:6060", "[::1]:6060" */
	bool listen_any;     /* an address other than loopback is allowed */
	void *ctx;
	/* fills view from a profile current now; 0 or a negative errno */
	int (*snapshot)(void *ctx, struct server_view *view);
	/* /debug/memsnoop/where: the answer to pid and addr (as given, NULL when missing) into
	 * f; returns the HTTP status. NULL: not served */
	unsigned (*where)(void *ctx, const char *pid, const char *addr, FILE *f);
};

/* At most this many ?seconds=N requests wait at once; more get 503. */
#define SERVER_MAX_PENDING 8
/* The longest window of ?seconds=N. */
#define SERVER_MAX_SECONDS 3600

struct server;

/*
 * Binds and listens (requests wait in the backlog until the loop runs). NULL with errno set
 * after saying why on stderr: EINVAL (not ADDR:PORT), EPERM (not loopback without
 * listen_any), EADDRINUSE, ...
 */
struct server *server__new(const struct server_opts *opts);
/* Answers the suspended requests (503), then closes every connection. NULL is a no-op. */
void server__free(struct server *s);

/* The fd to watch for readiness (libmicrohttpd's epoll fd). */
int server__fd(const struct server *s);
/* Does every I/O that is ready and answers what can be: call when the fd is readable and
 * whenever server__timeout_ms() has passed. */
void server__run(struct server *s);
/* Milliseconds until server__run() is due anyway (a window ending, a connection timing out);
 * -1: none. */
int server__timeout_ms(struct server *s);

/* "127.0.0.1:6060" parsed; 0 or -EINVAL. Loopback is 127.0.0.0/8, ::1 and ::ffff:127.x. */

int server_parse_addr(const char *s, struct sockaddr_storage *out, bool *loopback);

#endif /* MEMSNOOP_SERVER_H */
