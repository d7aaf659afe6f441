// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A treap keyed by (tgid, start): a binary search tree by key that is a heap by a random
 * priority, so that it stays balanced (expected depth O(log n)) whatever order blocks come
 * and go in, with no rebalancing code: insert and remove are a split and two merges.
 * Nodes live in one array and name their children by index (0: none), so a block costs
 * 32 bytes and no allocation of its own; removed nodes are reused through a free list.
 *
 * Live blocks of one process never overlap, so the block that holds addr is the one with
 * the greatest start <= addr, when addr is below its end.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include "array.h"
#include "live_index.h"

struct node {
	uint64_t ptr;
	uint64_t size;
	uint32_t tgid;
	uint32_t prio;
	uint32_t left, right; /* left also links the free list */
};

_Static_assert(sizeof(struct node) == 32, "a block costs 32 bytes");

struct live_index {
	struct node *nodes; /* nodes[0] is the empty tree */
	size_t used, cap;   /* slots handed out, free ones included */
	uint32_t root;
	uint32_t free_head;
	size_t cnt;
	uint64_t rng;
};

struct key {
	uint32_t tgid;
	uint64_t ptr;
};

struct live_index *live_index__new(void)
{
	struct live_index *ix = calloc(1, sizeof(*ix));

	if (!ix)
		return NULL;
	ix->used = 1;
	ix->rng = 0x9e3779b97f4a7c15ULL;
	if (grow_array((void **)&ix->nodes, &ix->cap, 1, sizeof(*ix->nodes))) {
		free(ix);
		return NULL;
	}
	return ix;
}

void live_index__free(struct live_index *ix)
{
	if (!ix)
		return;
	free(ix->nodes);
	free(ix);
}

static bool key_less(const struct node *n, const struct key *k)
{
	return n->tgid < k->tgid || (n->tgid == k->tgid && n->ptr < k->ptr);
}

/* The key right after k, for splitting out the one node equal to k. */
static struct key key_after(const struct key *k)
{
	return k->ptr == UINT64_MAX ? (struct key){ k->tgid + 1, 0 } : (struct key){ k->tgid, k->ptr + 1 };
}

/* t's nodes into *l (keys < k) and *r (keys >= k). */
static void split(struct live_index *ix, uint32_t t, const struct key *k, uint32_t *l, uint32_t *r)
{
	struct node *n;

	if (!t) {
		*l = *r = 0;
		return;
	}
	n = &ix->nodes[t];
	if (key_less(n, k)) {
		split(ix, n->right, k, &n->right, r);
		*l = t;
	} else {
		split(ix, n->left, k, l, &n->left);
		*r = t;
	}
}

/* Every key of l is below every key of r. */
static uint32_t merge(struct live_index *ix, uint32_t l, uint32_t r)
{
	if (!l || !r)
		return l ? l : r;
	if (ix->nodes[l].prio > ix->nodes[r].prio) {
		ix->nodes[l].right = merge(ix, ix->nodes[l].right, r);
		return l;
	}
	ix->nodes[r].left = merge(ix, l, ix->nodes[r].left);
	return r;
}

/* xorshift64: the priorities need only be independent of the keys */
static uint32_t next_prio(struct live_index *ix)
{
	ix->rng ^= ix->rng << 13;
	ix->rng ^= ix->rng >> 7;
	ix->rng ^= ix->rng << 17;
	return ix->rng >> 32;
}

/* Takes the node equal to k out of the tree, onto the free list. */
static void take_out(struct live_index *ix, const struct key *k)
{
	struct key after = key_after(k);
	uint32_t l, m, r;

	split(ix, ix->root, k, &l, &r);
	split(ix, r, &after, &m, &r);
	if (m) {
		ix->nodes[m].left = ix->free_head;
		ix->free_head = m;
		ix->cnt--;
	}
	ix->root = merge(ix, l, r);
}

int live_index__add(struct live_index *ix, uint32_t tgid, uint64_t ptr, uint64_t size)
{
	struct key k = { tgid, ptr };
	uint32_t id, l, r;

	take_out(ix, &k);
	if (ix->free_head) {
		id = ix->free_head;
		ix->free_head = ix->nodes[id].left;
	} else {
		if (ix->used > UINT32_MAX - 1 ||
		    grow_array((void **)&ix->nodes, &ix->cap, ix->used + 1, sizeof(*ix->nodes)))
			return -ENOMEM;
		id = ix->used++;
	}
	ix->nodes[id] = (struct node){ ptr, size, tgid, next_prio(ix), 0, 0 };
	split(ix, ix->root, &k, &l, &r);
	ix->root = merge(ix, merge(ix, l, id), r);
	ix->cnt++;
	return 0;
}

void live_index__remove(struct live_index *ix, uint32_t tgid, uint64_t ptr)
{
	take_out(ix, &(struct key){ tgid, ptr });
}

int live_index__find(const struct live_index *ix, uint32_t tgid, uint64_t addr, uint64_t *start)
{
	struct key k = { tgid, addr };
	uint32_t t = ix->root, best = 0;

	while (t) {
		const struct node *n = &ix->nodes[t];

		if (key_less(n, &k) || (n->tgid == tgid && n->ptr == addr)) {
			best = t;
			t = n->right;
		} else {
			t = n->left;
		}
	}
	if (best) {
		const struct node *n = &ix->nodes[best];

		if (n->tgid == tgid && addr - n->ptr < (n->size ? n->size : 1)) {
			*start = n->ptr;
			return 0;
		}
	}
	return -ENOENT;
}

size_t live_index__cnt(const struct live_index *ix)
{
	return ix->cnt;
}

size_t live_index__mem_bytes(const struct live_index *ix)
{
	return ix->cap * sizeof(*ix->nodes);
}
