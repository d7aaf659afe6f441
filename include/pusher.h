/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --push URL: profiles sent to Grafana Pyroscope's Connect API
 * (URL/push.v1.PusherService/Push, application/proto) or to Parca's WriteRaw (its HTTP/JSON
 * gateway, URL/profiles/writeraw) by a worker thread that only sends
 * buffers the main thread prepared: the event loop never waits on the network. The queue is
 * bounded (the oldest push is dropped and counted when it is full); a failed send is retried
 * with exponential backoff.
 */
#ifndef MEMSNOOP_PUSHER_H
#define MEMSNOOP_PUSHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Pushes waiting at most; attempts per push; the first retry's delay, doubled each time. */
#define PUSHER_QUEUE_MAX 4
#define PUSHER_ATTEMPTS 4
#define PUSHER_BACKOFF_MS 500

struct pusher_label {
	const char *name, *value;
};

enum push_format {
	PUSH_PYROSCOPE, /* URL/push.v1.PusherService/Push: Connect, binary protobuf */
	PUSH_PARCA,	/* URL/profiles/writeraw: Parca's WriteRaw through its HTTP/JSON gateway */
};

struct pusher_opts {
	const char *url; /* the server's base URL: http://pyroscope:4040 */
	enum push_format format;
};

/* One raw profile of a push: a gzipped pprof. */
struct pusher_raw {
	const void *data;
	size_t len;
};

struct pusher_stats {
	uint64_t sent, retries;
	uint64_t dropped; /* pushes given up: queue full, or every attempt failed */
};

struct pusher;

/* Starts the worker. NULL with errno set. */
struct pusher *pusher__new(const struct pusher_opts *opts);
/* Waits up to flush_ms for the queue to be sent (the run's last push), then stops. */
void pusher__free(struct pusher *p, unsigned flush_ms);

/* A series of a push: its labels and raw profiles. */
struct pusher_series {
	const struct pusher_label *labels;
	size_t label_cnt;
	const struct pusher_raw *raws;
	size_t raw_cnt;
};

/*
 * Queues one request holding these series, in the pusher's format. Copies what it needs;
 * never blocks on the network. 0 or -ENOMEM.
 */
int pusher__push(struct pusher *p, const struct pusher_series *series, size_t series_cnt);
void pusher__stats(struct pusher *p, struct pusher_stats *st);

/*
 * The container a cgroup path names, as runtimes name their scopes (docker-ID.scope,
 * cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope, or a 64-hex-digit last
 * component): the first 12 digits of ID into out. False when the path names none.
 */
bool pusher_container_id(const char *cgroup, char *out, size_t sz);

#endif /* MEMSNOOP_PUSHER_H */
