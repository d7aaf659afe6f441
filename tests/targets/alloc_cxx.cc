// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The C pattern plus every standard form of C++ new and delete, held until attached; with
 * -DJEMALLOC_API, jemalloc's own mallocx/rallocx/sdallocx/dallocx too. leak_new() leaks
 * LEAK_NEW_CNT objects of sizeof(Node); everything else is freed.
 */
#include <new>
#include "alloc_pattern.h"
#ifdef JEMALLOC_API
#include <jemalloc/jemalloc.h>
#endif

#define LEAK_NEW_CNT 5

struct Node {
	long v[12];
};

struct alignas(64) Wide {
	char v[128];
};

static Node *volatile node_sink;
static Wide *volatile wide_sink;
static char *volatile chars_sink;

NOINLINE void leak_new(struct truth *t)
{
	for (int i = 0; i < LEAK_NEW_CNT; i++) {
		node_sink = new Node();
		count_alloc(t, sizeof(Node));
	}
	t->leaked_objects += LEAK_NEW_CNT;
	t->leaked_bytes += LEAK_NEW_CNT * sizeof(Node);
	KEEP();
}

NOINLINE void churn_new(struct truth *t)
{
	for (int i = 0; i < CHURN_CNT; i++) {
		node_sink = new Node(); /* sized delete: operator delete(void *, size_t) */
		count_alloc(t, sizeof(Node));
		delete node_sink;
		chars_sink = new char[200];
		count_alloc(t, 200);
		delete[] chars_sink;
		wide_sink = new Wide(); /* aligned new and delete */
		count_alloc(t, sizeof(Wide));
		delete wide_sink;
		node_sink = new (std::nothrow) Node();
		count_alloc(t, sizeof(Node));
		delete node_sink;
		t->frees += 4;
	}
	KEEP();
}

#ifdef JEMALLOC_API
NOINLINE void churn_jemalloc(struct truth *t)
{
	for (int i = 0; i < CHURN_CNT; i++) {
		void *p = mallocx(96, 0);

		count_alloc(t, 96);
		p = rallocx(p, 300, 0);
		count_alloc(t, 300);
		sdallocx(p, 300, 0);
		pattern_sink = mallocx(48, MALLOCX_ZERO);
		count_alloc(t, 48);
		dallocx(pattern_sink, 0);
		t->frees += 2;
	}
	KEEP();
}
#endif

int main()
{
	struct truth t = {};

	target_hold_until_attached();
	leak_c(&t);
	leak_new(&t);
	churn_c(&t);
	churn_new(&t);
#ifdef JEMALLOC_API
	churn_jemalloc(&t);
#endif
	print_truth(&t);
	return 0;
}
