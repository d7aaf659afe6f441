/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A hash table of byte-string keys to fixed-size values, both stored inline in one
 * allocation per entry. Pointers to values stay valid until that entry is deleted.
 */
#ifndef MEMSNOOP_HASHMAP_H
#define MEMSNOOP_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashmap;

struct hashmap *hashmap__new(size_t value_sz);
void hashmap__free(struct hashmap *map);

/* The value stored under key, or NULL. */
void *hashmap__find(const struct hashmap *map, const void *key, size_t key_sz);

/*
 * The value stored under key; a new zeroed one when absent (*created tells which).
 * NULL with errno = ENOMEM.
 */
void *hashmap__upsert(struct hashmap *map, const void *key, size_t key_sz, bool *created);

/* Removes key, copying its value to value_out when not NULL. Returns false when absent. */
bool hashmap__delete(struct hashmap *map, const void *key, size_t key_sz, void *value_out);

/* The key stored with a value hashmap__upsert or hashmap__find returned: valid as long as
 * the value is (so callers need not keep a copy). */
const void *hashmap__key_of(const struct hashmap *map, const void *value);

size_t hashmap__size(const struct hashmap *map);

/* Calls fn on every entry, in no particular order; fn must not insert or delete. */
void hashmap__for_each(struct hashmap *map, void (*fn)(const void *key, void *value, void *ctx),
		       void *ctx);

/* 64-bit hash of a byte string (also useful to callers keying on their own). */
uint64_t hash_bytes(const void *data, size_t len);

#endif /* MEMSNOOP_HASHMAP_H */
