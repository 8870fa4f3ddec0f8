/*
 * A map with string keys that forgets its least recently used entry: a
 * chained hash table plus a use-ordered list and a cap. When a new entry
 * would pass the cap the oldest goes and is counted (evicted), so a table
 * an attacker can grow stays bounded. Used by correlation (buckets,
 * ignore windows, first-time-seen) and by the session table.
 */
#ifndef ARX_CORE_LRU_H
#define ARX_CORE_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lru_node {
	struct lru_node *hnext, *newer, *older;
	uint64_t hash;
	size_t key_len;
	void *val;
	int64_t t; /* the user's: a time (ignore windows, expiry) */
	char key[];
};

struct lru_map {
	struct lru_node **tab;
	size_t cap, n, max;
	struct lru_node *newest, *oldest;
	void (*free_val)(void *);
	unsigned long evicted;
};

/* An empty map holding at most max entries; free_val (may be NULL) frees
 * a value when its entry goes. */
void lru_init(struct lru_map *m, size_t max, void (*free_val)(void *));
/* The entry of key, now the most recently used; NULL if absent. */
struct lru_node *lru_get(struct lru_map *m, const char *key, size_t len);
/* A new entry (the key must not be present; val NULL, t 0); evicts the
 * oldest at the cap. NULL when out of memory. */
struct lru_node *lru_put(struct lru_map *m, const char *key, size_t len);
/* The entry of key, made (as lru_put(), *added set) when absent: one
 * hash of the key for both. NULL when out of memory. */
struct lru_node *lru_get_or_put(
    struct lru_map *m, const char *key, size_t len, bool *added);
void lru_remove(struct lru_map *m, struct lru_node *x);
/* Free every entry and the table. */
void lru_release(struct lru_map *m);
/* The longest chain of the table: what one lookup may walk (tests). */
size_t lru_longest_chain(const struct lru_map *m);

#endif
