/*
 * Implementation of lru.h: the process's keyed hash of the key (keys are
 * an attacker's: user names, addresses, a rule's same_* values), a
 * power-of-two table doubled at half load, and a doubly linked list from
 * newest to oldest.
 */
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/lru.h"

void
lru_init(struct lru_map *m, size_t max, void (*free_val)(void *))
{
	memset(m, 0, sizeof(*m));
	m->max = max;
	m->free_val = free_val;
}

static void
lru_unlink(struct lru_map *m, struct lru_node *x)
{
	if (x->newer)
		x->newer->older = x->older;
	else
		m->newest = x->older;
	if (x->older)
		x->older->newer = x->newer;
	else
		m->oldest = x->newer;
	x->newer = x->older = NULL;
}

static void
lru_push(struct lru_map *m, struct lru_node *x)
{
	x->older = m->newest;
	x->newer = NULL;
	if (m->newest)
		m->newest->newer = x;
	m->newest = x;
	if (m->oldest == NULL)
		m->oldest = x;
}

void
lru_remove(struct lru_map *m, struct lru_node *x)
{
	struct lru_node **pp = &m->tab[x->hash & (m->cap - 1)];

	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
	lru_unlink(m, x);
	if (m->free_val && x->val)
		m->free_val(x->val);
	free(x);
	m->n--;
}

static struct lru_node *
lru_get_hashed(struct lru_map *m, const char *key, size_t len, uint64_t h)
{
	struct lru_node *x;

	if (m->cap == 0)
		return NULL;
	for (x = m->tab[h & (m->cap - 1)]; x != NULL; x = x->hnext)
		if (x->hash == h && x->key_len == len &&
		    memcmp(x->key, key, len) == 0) {
			lru_unlink(m, x);
			lru_push(m, x);
			return x;
		}
	return NULL;
}

struct lru_node *
lru_get(struct lru_map *m, const char *key, size_t len)
{
	return lru_get_hashed(m, key, len, hash_bytes(key, len));
}

static int
lru_grow(struct lru_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, i;
	struct lru_node **tab = calloc(cap, sizeof(*tab)), *x, *next;

	if (tab == NULL)
		return -1;
	for (i = 0; i < m->cap; i++)
		for (x = m->tab[i]; x != NULL; x = next) {
			next = x->hnext;
			x->hnext = tab[x->hash & (cap - 1)];
			tab[x->hash & (cap - 1)] = x;
		}
	free(m->tab);
	m->tab = tab;
	m->cap = cap;
	return 0;
}

static struct lru_node *
lru_put_hashed(struct lru_map *m, const char *key, size_t len, uint64_t h)
{
	struct lru_node *x;

	if (m->n >= m->max && m->oldest != NULL) {
		lru_remove(m, m->oldest);
		m->evicted++;
	}
	if ((m->n + 1) * 2 > m->cap && lru_grow(m) != 0)
		return NULL;
	if ((x = calloc(1, sizeof(*x) + len + 1)) == NULL)
		return NULL;
	x->hash = h;
	x->key_len = len;
	memcpy(x->key, key, len);
	x->hnext = m->tab[x->hash & (m->cap - 1)];
	m->tab[x->hash & (m->cap - 1)] = x;
	lru_push(m, x);
	m->n++;
	return x;
}

/* A new entry (the key must not be present); evicts the oldest at cap. */
struct lru_node *
lru_put(struct lru_map *m, const char *key, size_t len)
{
	return lru_put_hashed(m, key, len, hash_bytes(key, len));
}

struct lru_node *
lru_get_or_put(struct lru_map *m, const char *key, size_t len, bool *added)
{
	uint64_t h = hash_bytes(key, len);
	struct lru_node *x = lru_get_hashed(m, key, len, h);

	*added = x == NULL;
	return x != NULL ? x : lru_put_hashed(m, key, len, h);
}

size_t
lru_longest_chain(const struct lru_map *m)
{
	const struct lru_node *x;
	size_t i, n, max = 0;

	for (i = 0; i < m->cap; i++) {
		for (n = 0, x = m->tab[i]; x != NULL; x = x->hnext)
			n++;
		if (n > max)
			max = n;
	}
	return max;
}

void
lru_release(struct lru_map *m)
{
	while (m->oldest != NULL)
		lru_remove(m, m->oldest);
	free(m->tab);
	m->tab = NULL;
	m->cap = 0;
}
