/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What keeps --listen answering whatever its clients do: every connection has a deadline
 * (its request's headers, then its answer), a client (peer address) holds a bounded number
 * of connections and all of them together a bounded total. A connection past its deadline,
 * or the oldest one still waiting for a request when a limit is reached, is cut
 * (shutdown(2): the HTTP library sees it end and closes it), so a slow or idle client can
 * hold a slot for seconds at most and a flood of connections cannot keep /healthz out.
 */
#ifndef MEMSNOOP_CONN_GUARD_H
#define MEMSNOOP_CONN_GUARD_H

#include <stdint.h>
#include <sys/socket.h>

/* A client waiting this long for its request's headers is cut. */
#define CONN_GUARD_HEADER_MS 2000
/* An answer not sent this long after the request (a client that does not read) is cut. */
#define CONN_GUARD_ANSWER_MS 10000
/* Connections of one peer address, of all. */
#define CONN_GUARD_PER_CLIENT 16
#define CONN_GUARD_TOTAL 64

struct conn_guard;
struct guarded_conn;

struct conn_guard *conn_guard__new(void);
/* Frees what is left (the HTTP library has closed every connection by then). */
void conn_guard__free(struct conn_guard *g);

/*
 * A connection accepted: its entry, waiting for a request; cuts the oldest waiting one of
 * the same client, or of anyone, when a limit is passed (the new one when none waits).
 * NULL when out of memory (the connection is then cut at once).
 */
struct guarded_conn *conn_guard__add(struct conn_guard *g, int fd, const struct sockaddr *peer,
				     uint64_t now_ns);
/* The connection closed: its entry goes. NULL is a no-op. */
void conn_guard__remove(struct conn_guard *g, struct guarded_conn *c);

/* Its request's headers are in: its answer is due within CONN_GUARD_ANSWER_MS. */
void conn_guard__requested(struct guarded_conn *c, uint64_t now_ns);
/* Its answer waits by design (a ?seconds=N window): no deadline until ..._requested again. */
void conn_guard__held(struct guarded_conn *c);
/* Its request is over: the next request's headers are due within CONN_GUARD_HEADER_MS. */
void conn_guard__idle(struct guarded_conn *c, uint64_t now_ns);

/* Cuts the connections past their deadline. */
void conn_guard__expire(struct conn_guard *g, uint64_t now_ns);
/* Milliseconds to the next deadline, -1 for none. */
int conn_guard__timeout_ms(const struct conn_guard *g, uint64_t now_ns);

struct conn_guard_stats {
	uint64_t timed_out, evicted;
};
void conn_guard__stats(const struct conn_guard *g, struct conn_guard_stats *st);

#endif /* MEMSNOOP_CONN_GUARD_H */
