// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Two threads allocate as fast as they can (malloc, calloc, realloc, free) and check every
 * block's contents before freeing it, until stdin closes. Prints its operation count and the
 * corruptions it saw: memsnoop attaching and detaching underneath must never cause one.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "target.h"

#define SLOTS 256

struct slot {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

static atomic_bool stop;
static atomic_ullong ops, corruptions;

static void fill(struct slot *s)
{
	memset(s->p, s->tag, s->size);
}

static void check(const struct slot *s)
{
	for (size_t i = 0; i < s->size; i++) {
		if (s->p[i] != s->tag) {
			atomic_fetch_add(&corruptions, 1);
			return;
		}
	}
}

NOINLINE void *stress_thread(void *arg)
{
	struct slot slots[SLOTS] = {};
	uint64_t x = (uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 1;
	unsigned long long n = 0;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct slot *s;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s = &slots[x % SLOTS];
		if (s->p) {
			check(s);
			if (x & 0x100) {
				free(s->p);
				s->p = NULL;
				n++;
				continue;
			}
			s->size = 1 + (x >> 20) % 2048;
			s->p = realloc(s->p, s->size); /* keeps the old prefix: refill all */
		} else {
			s->size = 1 + (x >> 20) % 2048;
			s->p = (x & 0x200) ? calloc(1, s->size) : malloc(s->size);
		}
		if (!s->p)
			abort();
		s->tag = (unsigned char)(x >> 40);
		fill(s);
		n++;
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			check(&slots[i]);
			free(slots[i].p);
		}
	}
	atomic_fetch_add(&ops, n);
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	char c;

	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, stress_thread, (void *)(i + 1));
	printf("pid %d\n", (int)getpid());
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		; /* runs until stdin closes */
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	target_truth("ops", ops);
	target_truth("corruptions", corruptions);
	return 0;
}
