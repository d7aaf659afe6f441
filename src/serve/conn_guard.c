// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The connections of --listen in the order they were accepted, each with its state and
 * deadline. A few dozen at most: every decision is a walk of the list.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "conn_guard.h"
#include "log.h"

enum conn_state {
	CONN_WAITING,	/* for a request's headers */
	CONN_ANSWERING, /* the request is in, its answer being made or sent */
	CONN_HELD,	/* its answer waits by design */
};

struct guarded_conn {
	struct guarded_conn *prev, *next;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	enum conn_state state;
	uint64_t deadline_ns;
	bool cut;
};

struct conn_guard {
	struct guarded_conn *head, *tail; /* oldest first */
	size_t cnt;
	struct conn_guard_stats st;
};

struct conn_guard *conn_guard__new(void)
{
	return calloc(1, sizeof(struct conn_guard));
}

void conn_guard__free(struct conn_guard *g)
{
	if (!g)
		return;
	while (g->head)
		conn_guard__remove(g, g->head);
	free(g);
}

/* The HTTP library reads an end of stream and closes the connection itself. */
static void cut(struct guarded_conn *c)
{
	if (c->cut)
		return;
	c->cut = true;
	shutdown(c->fd, SHUT_RDWR);
}

static size_t peer_len(const struct sockaddr *peer)
{
	if (!peer)
		return 0;
	return peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in);
}

/* The address only: a client's connections come from different ports. */
static bool same_client(const struct guarded_conn *a, const struct guarded_conn *b)
{
	const struct sockaddr_in *a4 = (const void *)&a->peer, *b4 = (const void *)&b->peer;
	const struct sockaddr_in6 *a6 = (const void *)&a->peer, *b6 = (const void *)&b->peer;

	if (a->peer.ss_family != b->peer.ss_family)
		return false;
	if (a->peer.ss_family == AF_INET)
		return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->peer.ss_family == AF_INET6)
		return !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
	return true;
}

/*
 * Past a limit (max connections that like passes), the oldest waiting one of them is cut,
 * or c itself when none waits: a client that sent its request keeps its answer.
 */
static void enforce(struct conn_guard *g, struct guarded_conn *c, const struct guarded_conn *like,
		    size_t max)
{
	struct guarded_conn *oldest = NULL;
	size_t n = 0;

	for (struct guarded_conn *o = g->head; o; o = o->next) {
		if (o->cut || (like && !same_client(o, like)))
			continue;
		n++;
		if (!oldest && o->state == CONN_WAITING && o != c)
			oldest = o;
	}
	if (n <= max)
		return;
	g->st.evicted++;
	cut(oldest ?: c);
}

struct guarded_conn *conn_guard__add(struct conn_guard *g, int fd, const struct sockaddr *peer,
				     uint64_t now_ns)
{
	struct guarded_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		shutdown(fd, SHUT_RDWR);
		return NULL;
	}
	c->fd = fd;
	c->peer_len = peer_len(peer);
	if (c->peer_len)
		memcpy(&c->peer, peer, c->peer_len);
	c->prev = g->tail;
	if (g->tail)
		g->tail->next = c;
	else
		g->head = c;
	g->tail = c;
	g->cnt++;
	conn_guard__idle(c, now_ns);
	enforce(g, c, c, CONN_GUARD_PER_CLIENT);
	enforce(g, c, NULL, CONN_GUARD_TOTAL);
	return c;
}

void conn_guard__remove(struct conn_guard *g, struct guarded_conn *c)
{
	if (!c)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		g->tail = c->prev;
	g->cnt--;
	free(c);
}

void conn_guard__requested(struct guarded_conn *c, uint64_t now_ns)
{
	c->state = CONN_ANSWERING;
	c->deadline_ns = now_ns + CONN_GUARD_ANSWER_MS * 1000000ULL;
}

void conn_guard__held(struct guarded_conn *c)
{
	c->state = CONN_HELD;
	c->deadline_ns = 0;
}

void conn_guard__idle(struct guarded_conn *c, uint64_t now_ns)
{
	c->state = CONN_WAITING;
	c->deadline_ns = now_ns + CONN_GUARD_HEADER_MS * 1000000ULL;
}

void conn_guard__expire(struct conn_guard *g, uint64_t now_ns)
{
	for (struct guarded_conn *c = g->head; c; c = c->next) {
		if (!c->cut && c->deadline_ns && now_ns >= c->deadline_ns) {
			g->st.timed_out++;
			cut(c);
		}
	}
}

int conn_guard__timeout_ms(const struct conn_guard *g, uint64_t now_ns)
{
	int64_t best = -1;

	for (const struct guarded_conn *c = g->head; c; c = c->next) {
		int64_t ms;

		if (c->cut || !c->deadline_ns)
			continue;
		ms = c->deadline_ns > now_ns ? (int64_t)((c->deadline_ns - now_ns) / 1000000) + 1 : 0;
		if (best < 0 || ms < best)
			best = ms;
	}
	return (int)best;
}

void conn_guard__stats(const struct conn_guard *g, struct conn_guard_stats *st)
{
	*st = g->st;
}
