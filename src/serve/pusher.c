// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The worker of --push. The main thread encodes each PushRequest whole (pusher__push) and
 * appends it to a bounded queue under a mutex held for a few pointer moves; the worker takes
 * the oldest, POSTs it with libcurl (blocking, in its own thread) and retries a failure
 * (no connection, 429, 5xx) after 0.5, 1, 2 s. It never touches the profile.
 *
 * The wire format is Pyroscope's push.v1 (Connect protocol, unary, binary protobuf):
 *   PushRequest { repeated RawProfileSeries series = 1; }
 *   RawProfileSeries { repeated LabelPair labels = 1; repeated RawSample samples = 2; }
 *   LabelPair { string name = 1; string value = 2; }
 *   RawSample { bytes raw_profile = 1; string ID = 2; }
 * four messages of length-delimited fields only, encoded here rather than generated.
 *
 * Parca's is WriteRawRequest, sent as JSON to the gRPC gateway's POST /profiles/writeraw
 * (protobuf's JSON mapping: bytes in base64, lowerCamelCase names):
 *   {"series": [{"labels": {"labels": [{"name": N, "value": V}, ...]},
 *                "samples": [{"rawProfile": BASE64}, ...]}], "normalized": false}
 */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "worker_thread.h"
#include "escape.h"
#include "log.h"
#include "pusher.h"

static const struct {
	const char *path, *content_type;
} formats[] = {
	[PUSH_PYROSCOPE] = { "/push.v1.PusherService/Push", "Content-Type: application/proto" },
	[PUSH_PARCA] = { "/profiles/writeraw", "Content-Type: application/json" },
};
/*
 * A push is a few hundred KiB to a store on the network: seconds are plenty, and a server
 * that holds a request open cannot hold the worker longer than this.
 */
#define CONNECT_TIMEOUT_MS 2000
#define SEND_TIMEOUT_MS 5000
#define REPLY_MAX 200

struct push_item {
	char *body;
	size_t len;
};

struct pusher {
	char *url;
	enum push_format format;
	pthread_t thread;
	CURLM *multi;
	bool cancel; /* set once the flush time is over: the transfer in flight is abandoned */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct push_item queue[PUSHER_QUEUE_MAX];
	size_t head, cnt;
	bool stopping, sending;
	struct pusher_stats st;
};

static void pb_varint(FILE *f, uint64_t v)
{
	do {
		fputc((v & 0x7f) | (v > 0x7f ? 0x80 : 0), f);
		v >>= 7;
	} while (v);
}

/* A length-delimited field (wire type 2): string, bytes or a nested message. */
static void pb_bytes(FILE *f, unsigned field, const void *data, size_t len)
{
	pb_varint(f, (uint64_t)field << 3 | 2);
	pb_varint(f, len);
	fwrite(data, 1, len, f);
}

/* A nested message built by fill into its own buffer, then written as field. */
struct pb_msg {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *pb_begin(struct pb_msg *m)
{
	m->buf = NULL;
	m->f = open_memstream(&m->buf, &m->len);
	return m->f;
}

static int pb_end(struct pb_msg *m, FILE *parent, unsigned field)
{
	int err = fclose(m->f) ? -ENOMEM : 0;

	if (!err)
		pb_bytes(parent, field, m->buf, m->len);
	free(m->buf);
	return err;
}

/* A random version-4 UUID: the sample's ID, which lets the server drop a retried duplicate. */
static void uuid(char out[37])
{
	uint8_t b[16] = { 0 };

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = rand();
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* One RawProfileSeries into f. */
static int encode_pyroscope_series(const struct pusher_series *ps, FILE *f)
{
	struct pb_msg series, pair, sample;
	char id[37];
	int err = 0;

	if (!pb_begin(&series))
		return -ENOMEM;
	for (size_t i = 0; !err && i < ps->label_cnt; i++) {
		if (!pb_begin(&pair)) {
			err = -ENOMEM;
			break;
		}
		pb_bytes(pair.f, 1, ps->labels[i].name, strlen(ps->labels[i].name));
		pb_bytes(pair.f, 2, ps->labels[i].value, strlen(ps->labels[i].value));
		err = pb_end(&pair, series.f, 1);
	}
	for (size_t i = 0; !err && i < ps->raw_cnt; i++) {
		if (!pb_begin(&sample)) {
			err = -ENOMEM;
			break;
		}
		uuid(id);
		pb_bytes(sample.f, 1, ps->raws[i].data, ps->raws[i].len);
		pb_bytes(sample.f, 2, id, strlen(id));
		err = pb_end(&sample, series.f, 2);
	}
	return pb_end(&series, f, 1) ?: err;
}

static int encode_pyroscope(const struct pusher_series *series, size_t series_cnt, FILE *f)
{
	int err = 0;

	for (size_t i = 0; !err && i < series_cnt; i++)
		err = encode_pyroscope_series(&series[i], f);
	return err;
}

static void base64(FILE *f, const uint8_t *d, size_t len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = d[i] << 16 | (i + 1 < len ? d[i + 1] << 8 : 0) | (i + 2 < len ? d[i + 2] : 0);

		fputc(abc[v >> 18], f);
		fputc(abc[(v >> 12) & 63], f);
		fputc(i + 1 < len ? abc[(v >> 6) & 63] : '=', f);
		fputc(i + 2 < len ? abc[v & 63] : '=', f);
	}
}

static int encode_parca(const struct pusher_series *series, size_t series_cnt, FILE *f)
{
	fputs("{\"series\": [", f);
	for (size_t s = 0; s < series_cnt; s++) {
		const struct pusher_series *ps = &series[s];

		fprintf(f, "%s{\"labels\": {\"labels\": [", s ? ", " : "");
		for (size_t i = 0; i < ps->label_cnt; i++) {
			fprintf(f, "%s{\"name\": ", i ? ", " : "");
			escape_write_json(f, ps->labels[i].name);
			fputs(", \"value\": ", f);
			escape_write_json(f, ps->labels[i].value);
			fputc('}', f);
		}
		fputs("]}, \"samples\": [", f);
		for (size_t i = 0; i < ps->raw_cnt; i++) {
			fprintf(f, "%s{\"rawProfile\": \"", i ? ", " : "");
			base64(f, ps->raws[i].data, ps->raws[i].len);
			fputs("\"}", f);
		}
		fputs("]}", f);
	}
	fputs("], \"normalized\": false}\n", f);
	return 0;
}

/*
 * Whoever answers on the push URL chooses the reply: its body is kept up to REPLY_MAX bytes
 * for the error line (escaped there), never written anywhere else, and a longer one ends the
 * transfer (its status line has been read by then, and that is the answer).
 */
struct reply {
	char buf[REPLY_MAX + 1];
	size_t len;
	bool cut;
};

static size_t reply_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct reply *r = arg;
	size_t n = size * nmemb, room = REPLY_MAX - r->len;

	memcpy(r->buf + r->len, data, n < room ? n : room);
	r->len += n < room ? n : room;
	r->buf[r->len] = 0;
	if (n <= room)
		return n;
	r->cut = true;
	return 0;
}

/*
 * One transfer through the multi interface, so that pusher__free can wake the wait
 * (curl_multi_wakeup) and cancel it at once, whatever the server does.
 */
static CURLcode transfer(struct pusher *p, CURL *curl)
{
	CURLcode rc = CURLE_ABORTED_BY_CALLBACK;
	int running = 1;
	CURLMsg *msg;
	int left;

	if (curl_multi_add_handle(p->multi, curl))
		return CURLE_OUT_OF_MEMORY;
	while (running && !__atomic_load_n(&p->cancel, __ATOMIC_ACQUIRE)) {
		if (curl_multi_perform(p->multi, &running) ||
		    (running && curl_multi_poll(p->multi, NULL, 0, 1000, NULL)))
			break;
	}
	while ((msg = curl_multi_info_read(p->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == curl)
			rc = msg->data.result;
	curl_multi_remove_handle(p->multi, curl);
	return rc;
}

/* One attempt: 0 sent, -EAGAIN worth retrying, -EINVAL refused by the server. */
static int send_once(CURL *curl, struct pusher *p, const struct push_item *it)
{
	const char *url = p->url;
	struct curl_slist *hdrs = curl_slist_append(NULL, formats[p->format].content_type);
	struct reply reply = {};
	long status = 0;
	char *said;
	CURLcode rc;

	hdrs = curl_slist_append(hdrs, "Connect-Protocol-Version: 1");
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)SEND_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
	rc = transfer(p, curl);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && reply.cut))
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hdrs);
	if (!status) {
		pr_info("push to %s: %s\n", url, curl_easy_strerror(rc));
		return -EAGAIN;
	}
	if (status >= 200 && status < 300)
		return 0;
	said = escape_dup(reply.buf, "");
	pr_info("push to %s: HTTP %ld: %s%s\n", url, status, said ?: "", reply.cut ? "..." : "");
	free(said);
	return status == 429 || status >= 500 ? -EAGAIN : -EINVAL;
}

/* ms from now on CLOCK_REALTIME, pthread_cond_timedwait's clock. */
static void deadline_in(struct timespec *t, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Sleeps ms unless memsnoop is stopping (then it sends at once: the last push counts). */
static void backoff(struct pusher *p, unsigned ms)
{
	struct timespec until;

	deadline_in(&until, ms);
	pthread_mutex_lock(&p->lock);
	while (!p->stopping && pthread_cond_timedwait(&p->cond, &p->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
	struct pusher *p = arg;
	CURL *curl = curl_easy_init();

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct push_item it;
		int err = -EAGAIN;

		while (!p->cnt && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!p->cnt)
			break;
		it = p->queue[p->head];
		p->head = (p->head + 1) % PUSHER_QUEUE_MAX;
		p->cnt--;
		p->sending = true;
		pthread_mutex_unlock(&p->lock);
		for (unsigned a = 0, ms = PUSHER_BACKOFF_MS;
		     curl && a < PUSHER_ATTEMPTS && !__atomic_load_n(&p->cancel, __ATOMIC_ACQUIRE);
		     a++, ms *= 2) {
			if (a) {
				backoff(p, ms);
				__atomic_add_fetch(&p->st.retries, 1, __ATOMIC_RELAXED);
			}
			err = send_once(curl, p, &it);
			if (err != -EAGAIN)
				break;
		}
		free(it.body);
		pthread_mutex_lock(&p->lock);
		p->sending = false;
		if (err)
			p->st.dropped++;
		else
			p->st.sent++;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	curl_easy_cleanup(curl);
	return NULL;
}

struct pusher *pusher__new(const struct pusher_opts *opts)
{
	struct pusher *p = calloc(1, sizeof(*p));
	size_t base_len = strlen(opts->url);
	int err;

	if (!p)
		return NULL;
	/* a trailing slash in URL is the user's: one slash before the path */
	while (base_len && opts->url[base_len - 1] == '/')
		base_len--;
	p->format = opts->format;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(p->multi = curl_multi_init()) ||
	    asprintf(&p->url, "%.*s%s", (int)base_len, opts->url, formats[p->format].path) < 0) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	err = worker_thread_start(&p->thread, worker, p);
	if (err) {
		curl_multi_cleanup(p->multi);
		free(p->url);
		free(p);
		errno = err;
		return NULL;
	}
	return p;
}

int pusher__push(struct pusher *p, const struct pusher_series *series, size_t series_cnt)
{
	struct push_item it = {};
	FILE *f = open_memstream(&it.body, &it.len);
	int err;

	if (!f)
		return -ENOMEM;
	err = (p->format == PUSH_PARCA ? encode_parca : encode_pyroscope)(series, series_cnt, f);
	if (fclose(f) || err) {
		free(it.body);
		return err ?: -ENOMEM;
	}
	pthread_mutex_lock(&p->lock);
	if (p->cnt == PUSHER_QUEUE_MAX) { /* the oldest goes: the newest in-use figures matter more */
		free(p->queue[p->head].body);
		p->head = (p->head + 1) % PUSHER_QUEUE_MAX;
		p->cnt--;
		p->st.dropped++;
	}
	p->queue[(p->head + p->cnt) % PUSHER_QUEUE_MAX] = it;
	p->cnt++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void pusher__stats(struct pusher *p, struct pusher_stats *st)
{
	pthread_mutex_lock(&p->lock);
	*st = p->st;
	st->retries = __atomic_load_n(&p->st.retries, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&p->lock);
}

void pusher__free(struct pusher *p, unsigned flush_ms)
{
	struct timespec until;

	if (!p)
		return;
	deadline_in(&until, flush_ms);
	pthread_mutex_lock(&p->lock);
	while ((p->cnt || p->sending) &&
	       pthread_cond_timedwait(&p->cond, &p->lock, &until) != ETIMEDOUT)
		;
	/* what is still queued is given up, the send in flight abandoned: the exit waits on no server */
	p->st.dropped += p->cnt;
	for (; p->cnt; p->cnt--, p->head = (p->head + 1) % PUSHER_QUEUE_MAX)
		free(p->queue[p->head].body);
	p->stopping = true;
	__atomic_store_n(&p->cancel, true, __ATOMIC_RELEASE);
	curl_multi_wakeup(p->multi);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	curl_multi_cleanup(p->multi);
	if (p->st.dropped)
		pr_warn("--push: %llu of %llu pushes dropped (see -v for why)\n",
			(unsigned long long)p->st.dropped,
			(unsigned long long)(p->st.dropped + p->st.sent));
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	curl_global_cleanup();
	free(p->url);
	free(p);
}

bool pusher_container_id(const char *cgroup, char *out, size_t sz)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-", "" };
	const char *last = cgroup ? strrchr(cgroup, '/') : NULL;

	if (!last)
		return false;
	last++;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t plen = strlen(prefixes[i]), n = 0;
		const char *id = last + plen;

		if (strncmp(last, prefixes[i], plen))
			continue;
		while (isxdigit((unsigned char)id[n]))
			n++;
		if (n == 64 && (!id[n] || !strcmp(id + n, ".scope"))) {
			snprintf(out, sz, "%.12s", id);
			return true;
		}
	}
	return false;
}
