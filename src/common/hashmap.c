// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hashmap.h"

struct entry {
	struct entry *next;
	uint64_t hash;
	size_t key_sz;
	/* value (value_sz bytes, 16-aligned) then key */
	_Alignas(16) unsigned char data[];
};

struct hashmap {
	struct entry **buckets;
	size_t bucket_cnt; /* a power of two */
	size_t size;
	size_t value_sz;
	size_t value_stride; /* value_sz rounded up to 16, so that keys follow aligned */
};

uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
	uint64_t w;

	/* word at a time, mixed with the splitmix64 finalizer */
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

const void *hashmap__key_of(const struct hashmap *map, const void *value)
{
	return (const unsigned char *)value + map->value_stride;
}

struct hashmap *hashmap__new(size_t value_sz)
{
	struct hashmap *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->bucket_cnt = 64;
	map->value_sz = value_sz;
	map->value_stride = (value_sz + 15) & ~(size_t)15;
	map->buckets = calloc(map->bucket_cnt, sizeof(*map->buckets));
	if (!map->buckets) {
		free(map);
		errno = ENOMEM;
		return NULL;
	}
	return map;
}

void hashmap__free(struct hashmap *map)
{
	if (!map)
		return;
	for (size_t i = 0; i < map->bucket_cnt; i++) {
		struct entry *e = map->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(map->buckets);
	free(map);
}

static struct entry **slot_of(const struct hashmap *map, const void *key, size_t key_sz,
			      uint64_t hash)
{
	struct entry **pe = &map->buckets[hash & (map->bucket_cnt - 1)];

	for (; *pe; pe = &(*pe)->next) {
		struct entry *e = *pe;

		if (e->hash == hash && e->key_sz == key_sz &&
		    !memcmp(e->data + map->value_stride, key, key_sz))
			break;
	}
	return pe;
}

void *hashmap__find(const struct hashmap *map, const void *key, size_t key_sz)
{
	struct entry *e = *slot_of(map, key, key_sz, hash_bytes(key, key_sz));

	return e ? e->data : NULL;
}

static void grow(struct hashmap *map)
{
	size_t cnt = map->bucket_cnt * 2;
	struct entry **buckets = calloc(cnt, sizeof(*buckets));

	if (!buckets)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < map->bucket_cnt; i++) {
		struct entry *e = map->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = buckets[e->hash & (cnt - 1)];
			buckets[e->hash & (cnt - 1)] = e;
		}
	}
	free(map->buckets);
	map->buckets = buckets;
	map->bucket_cnt = cnt;
}

void *hashmap__upsert(struct hashmap *map, const void *key, size_t key_sz, bool *created)
{
	uint64_t hash = hash_bytes(key, key_sz);
	struct entry **pe = slot_of(map, key, key_sz, hash);
	struct entry *e = *pe;

	if (created)
		*created = !e;
	if (e)
		return e->data;
	e = calloc(1, sizeof(*e) + map->value_stride + key_sz);
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	e->hash = hash;
	e->key_sz = key_sz;
	memcpy(e->data + map->value_stride, key, key_sz);
	*pe = e;
	if (++map->size > map->bucket_cnt)
		grow(map);
	return e->data;
}

bool hashmap__delete(struct hashmap *map, const void *key, size_t key_sz, void *value_out)
{
	struct entry **pe = slot_of(map, key, key_sz, hash_bytes(key, key_sz));
	struct entry *e = *pe;

	if (!e)
		return false;
	if (value_out)
		memcpy(value_out, e->data, map->value_sz);
	*pe = e->next;
	free(e);
	map->size--;
	return true;
}

size_t hashmap__size(const struct hashmap *map)
{
	return map->size;
}

void hashmap__for_each(struct hashmap *map, void (*fn)(const void *key, void *value, void *ctx),
		       void *ctx)
{
	for (size_t i = 0; i < map->bucket_cnt; i++)
		for (struct entry *e = map->buckets[i]; e; e = e->next)
			fn(e->data + map->value_stride, e->data, ctx);
}
