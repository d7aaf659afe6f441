// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The demo `make demo` profiles: a toy server that handles requests. Parsing churns small
 * strings, thumbnails borrow large buffers, and the session cache grows without bound:
 * the leak the report should point at.
 */
#include <stdint.h>
#include <string.h>
#include "target.h"

#define REQUESTS 40000

struct session {
	struct session *next;
	char token[4000];
};

static struct session *sessions;
static unsigned char *volatile frame; /* escapes: else the compiler drops the whole buffer */

NOINLINE char *parse_header(const char *line)
{
	char *copy = strdup(line);

	KEEP();
	return copy;
}

NOINLINE void parse_request(unsigned id)
{
	char line[128];

	for (int i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), "X-Header-%d: request %u", i, id);
		free(parse_header(line));
	}
	KEEP();
}

NOINLINE void make_thumbnail(unsigned id)
{
	size_t sz = 64 * 1024 + (id % 7) * 4096;
	unsigned char *pixels = malloc(sz);

	memset(pixels, (int)id, 4096);
	frame = pixels;
	free(frame);
	KEEP();
}

NOINLINE void session_cache_insert(unsigned id)
{
	struct session *s = calloc(1, sizeof(*s));

	snprintf(s->token, sizeof(s->token), "session-%u", id);
	s->next = sessions; /* never evicted */
	sessions = s;
	KEEP();
}

NOINLINE void handle_request(unsigned id)
{
	parse_request(id);
	make_thumbnail(id);
	if (id % 4 == 0)
		session_cache_insert(id);
	KEEP();
}

int main(void)
{
	target_hold_until_attached();
	for (unsigned id = 0; id < REQUESTS; id++)
		handle_request(id);
	target_truth("sessions_leaked", REQUESTS / 4);
	target_truth("bytes_leaked", REQUESTS / 4 * sizeof(struct session));
	target_truth("session_size", sizeof(struct session));
	return 0;
}
