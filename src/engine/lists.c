/*
 * Implementation of lists.h: open-addressing hash tables (the keyed hash of core/hash.h, linear
 * probing, load factor at most one half) over entries kept in one arena
 * per set.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/log.h"
#include "engine/lists.h"

struct list_entry {
	const char *key, *value;
	size_t key_len;
};

struct cdb_list {
	const char *path;
	struct list_entry *slots;
	size_t cap, n;
};

struct list_set {
	struct arena arena;
	struct cdb_list **lists;
	size_t n, cap;
};

static const struct list_entry *
list_get(const struct cdb_list *l, const char *key, size_t len)
{
	size_t i;

	if (l->cap == 0)
		return NULL;
	for (i = hash_bytes(key, len) & (l->cap - 1); l->slots[i].key != NULL;
	     i = (i + 1) & (l->cap - 1))
		if (l->slots[i].key_len == len &&
		    memcmp(l->slots[i].key, key, len) == 0)
			return &l->slots[i];
	return NULL;
}

static int
list_grow(struct list_set *ls, struct cdb_list *l)
{
	size_t cap = l->cap ? l->cap * 2 : 64, i, j;
	struct list_entry *s = calloc(cap, sizeof(*s));

	if (s == NULL)
		return ARX_ERR_NOMEM;
	for (i = 0; i < l->cap; i++) {
		if (l->slots[i].key == NULL)
			continue;
		for (j = hash_bytes(l->slots[i].key, l->slots[i].key_len) &
			 (cap - 1);
		     s[j].key != NULL; j = (j + 1) & (cap - 1))
			;
		s[j] = l->slots[i];
	}
	free(l->slots);
	l->slots = s;
	l->cap = cap;
	(void)ls;
	return 0;
}

/* Next token of a line up to ':' (or end); quotes allow ':' inside. */
static const char *
list_token(const char *p, const char **start, size_t *len)
{
	if (*p == '"') {
		const char *q = strchr(p + 1, '"');
		if (q != NULL) {
			*start = p + 1;
			*len = (size_t)(q - p - 1);
			return q + 1;
		}
	}
	*start = p;
	*len = strcspn(p, ":");
	return p + *len;
}

static int
list_add_line(struct list_set *ls, struct cdb_list *l, const char *line)
{
	const char *k, *v = "", *p;
	size_t klen, vlen = 0, i;
	struct list_entry *e;
	int r;

	p = list_token(line, &k, &klen);
	if (*p == ':')
		(void)list_token(p + 1, &v, &vlen);
	if (klen == 0)
		return 0;
	if (l->n >= LIST_MAX_ENTRIES)
		return ARX_ERR_TOOBIG;
	if ((l->n + 1) * 2 > l->cap && (r = list_grow(ls, l)) != 0)
		return r;
	if (list_get(l, k, klen) != NULL)
		return 0; /* first definition wins */
	for (i = hash_bytes(k, klen) & (l->cap - 1); l->slots[i].key != NULL;
	     i = (i + 1) & (l->cap - 1))
		;
	e = &l->slots[i];
	e->key = arena_strndup(&ls->arena, k, klen);
	e->value = arena_strndup(&ls->arena, v, vlen);
	e->key_len = klen;
	if (e->key == NULL || e->value == NULL)
		return ARX_ERR_NOMEM;
	l->n++;
	return 0;
}

struct list_set *
list_set_new(void)
{
	struct list_set *ls = calloc(1, sizeof(*ls));

	if (ls != NULL)
		arena_init(&ls->arena, 64 * 1024, 0);
	return ls;
}

void
list_set_free(struct list_set *ls)
{
	size_t i;

	if (ls == NULL)
		return;
	for (i = 0; i < ls->n; i++)
		free(ls->lists[i]->slots);
	free(ls->lists);
	arena_release(&ls->arena);
	free(ls);
}

static struct cdb_list *
list_new(struct list_set *ls, const char *path)
{
	struct cdb_list *l, **v;

	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 8;
		if ((v = realloc(ls->lists, cap * sizeof(*v))) == NULL)
			return NULL;
		ls->lists = v;
		ls->cap = cap;
	}
	if ((l = arena_zalloc(&ls->arena, sizeof(*l))) == NULL ||
	    (l->path = arena_strdup(&ls->arena, path)) == NULL)
		return NULL;
	ls->lists[ls->n++] = l;
	return l;
}

int
list_set_load(struct list_set *ls, const char *path)
{
	struct cdb_list *l;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *f;
	int r = 0;

	if ((f = fopen(path, "re")) == NULL) {
		log_error("%s: cannot read list: %s", path, strerror(errno));
		return ARX_ERR_NOTFOUND;
	}
	if ((l = list_new(ls, path)) == NULL)
		r = ARX_ERR_NOMEM;
	while (r == 0 && (n = getline(&line, &cap, f)) != -1) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if ((r = list_add_line(ls, l, line)) == ARX_ERR_TOOBIG)
			log_error("%s:%zu: list has more than %d entries", path,
			    lineno, LIST_MAX_ENTRIES);
	}
	free(line);
	fclose(f);
	return r;
}

const struct cdb_list *
list_set_find(const struct list_set *ls, const char *ref)
{
	const char *tail = strncmp(ref, "etc/", 4) == 0 ? ref + 4 : ref;
	size_t i, pl, tl = strlen(tail);

	for (i = 0; i < ls->n; i++) {
		const char *p = ls->lists[i]->path;
		pl = strlen(p);
		if (strcmp(p, ref) == 0 ||
		    (pl > tl && strcmp(p + pl - tl, tail) == 0 &&
			p[pl - tl - 1] == '/'))
			return ls->lists[i];
	}
	return NULL;
}

int
list_lookup_parse(const char *s)
{
	static const char *const names[] = {"match_key", "not_match_key",
	    "match_key_value", "address_match_key", "not_address_match_key",
	    "address_match_key_value"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

/* Exact key, else each prefix of the address that ends with '.'. */
static const struct list_entry *
list_get_address(const struct cdb_list *l, const char *key, size_t len)
{
	const struct list_entry *e = list_get(l, key, len);

	while (e == NULL && len > 0) {
		while (len > 0 && key[len - 1] != '.')
			len--;
		if (len == 0)
			break;
		e = list_get(l, key, len);
		len--;
	}
	return e;
}

static bool
value_ok(const struct list_entry *e, const struct pattern *check,
    struct pattern_scratch *sc)
{
	if (e == NULL)
		return false;
	if (check == NULL || check->type == PAT_NONE)
		return true;
	return pattern_match(check, e->value, strlen(e->value), NULL, sc);
}

bool
list_match(const struct cdb_list *l, enum list_lookup lookup, const char *key,
    size_t len, const struct pattern *check_value,
    struct pattern_scratch *scratch)
{
	switch (lookup) {
	case LIST_MATCH_KEY:
		return list_get(l, key, len) != NULL;
	case LIST_NOT_MATCH_KEY:
		return list_get(l, key, len) == NULL;
	case LIST_MATCH_KEY_VALUE:
		return value_ok(list_get(l, key, len), check_value, scratch);
	case LIST_ADDRESS_MATCH_KEY:
		return list_get_address(l, key, len) != NULL;
	case LIST_NOT_ADDRESS_MATCH_KEY:
		return list_get_address(l, key, len) == NULL;
	case LIST_ADDRESS_MATCH_KEY_VALUE:
		return value_ok(
		    list_get_address(l, key, len), check_value, scratch);
	}
	return false;
}

size_t
list_size(const struct cdb_list *l)
{
	return l->n;
}
