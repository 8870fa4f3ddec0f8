/*
 * Implementation of rule_groups.h. A rule's groups_lc is "a,b,c,": its
 * group names in lower case, each followed by a comma. An if_group
 * alternative without a comma can only occur inside one name, so the
 * rules it can match are those holding a name that contains it (or, for
 * "^alt", that starts with it). The index keeps every distinct name
 * with the rules that hold it, in an open-addressing table.
 *
 * Owns the names and their rule lists.
 */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "engine/rule.h"
#include "engine/rule_groups.h"

struct gname {
	char *s;
	size_t len;
	uint32_t *rules;
	size_t n, cap;
};

struct group_index {
	struct gname *names; /* table of cap slots, s NULL when empty */
	size_t nnames, cap;
	size_t indexed; /* rules[..indexed) are in */
};

static size_t
name_hash(const char *s, size_t len)
{
	return (size_t)hash_bytes(s, len);
}

static int
index_grow(struct group_index *gi)
{
	size_t cap = gi->cap ? gi->cap * 2 : 256, i, h;
	struct gname *t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -1;
	for (i = 0; i < gi->cap; i++) {
		if (gi->names[i].s == NULL)
			continue;
		h = name_hash(gi->names[i].s, gi->names[i].len) & (cap - 1);
		while (t[h].s != NULL)
			h = (h + 1) & (cap - 1);
		t[h] = gi->names[i];
	}
	free(gi->names);
	gi->names = t;
	gi->cap = cap;
	return 0;
}

/* The entry for name s (len bytes), created empty if new. */
static struct gname *
name_get(struct group_index *gi, const char *s, size_t len)
{
	size_t h;

	if ((gi->nnames + 1) * 2 > gi->cap && index_grow(gi) != 0)
		return NULL;
	h = name_hash(s, len) & (gi->cap - 1);
	while (gi->names[h].s != NULL &&
	    (gi->names[h].len != len || memcmp(gi->names[h].s, s, len) != 0))
		h = (h + 1) & (gi->cap - 1);
	if (gi->names[h].s == NULL) {
		if ((gi->names[h].s = malloc(len + 1)) == NULL)
			return NULL;
		memcpy(gi->names[h].s, s, len);
		gi->names[h].s[len] = '\0';
		gi->names[h].len = len;
		gi->nnames++;
	}
	return &gi->names[h];
}

static int
name_add_rule(struct gname *g, size_t idx)
{
	uint32_t *n;

	if (g->n > 0 && g->rules[g->n - 1] == (uint32_t)idx)
		return 0;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4;
		if ((n = realloc(g->rules, g->cap * sizeof(*n))) == NULL)
			return -1;
		g->rules = n;
	}
	g->rules[g->n++] = (uint32_t)idx;
	return 0;
}

static int
index_rule(struct group_index *gi, const struct rule *r, size_t idx)
{
	const char *p = r->groups_lc, *comma;
	struct gname *g;
	size_t len;

	for (; p != NULL && *p != '\0'; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if ((g = name_get(gi, p, len)) == NULL ||
		    name_add_rule(g, idx) != 0)
			return -1;
	}
	return 0;
}

static struct group_index *
index_of(struct rule_set *rs)
{
	if (rs->gindex == NULL)
		rs->gindex = calloc(1, sizeof(*rs->gindex));
	return rs->gindex;
}

int
group_index_update(struct rule_set *rs, size_t upto)
{
	struct group_index *gi = index_of(rs);

	if (gi == NULL)
		return -1;
	for (; gi->indexed < upto && gi->indexed < rs->nrules; gi->indexed++)
		if (index_rule(gi, rs->rules[gi->indexed], gi->indexed) != 0)
			return -1;
	return 0;
}

int
group_index_readd(struct rule_set *rs, size_t idx)
{
	struct group_index *gi = index_of(rs);

	if (gi == NULL)
		return -1;
	return idx < gi->indexed ? index_rule(gi, rs->rules[idx], idx) : 0;
}

/* Mark the rules of every name holding alternative a (len bytes). */
static void
mark_alt(const struct group_index *gi, const char *a, size_t len,
    uint64_t *bits, size_t nrules)
{
	bool anchored = len > 0 && a[0] == '^';
	const struct gname *g;
	size_t i, k;

	if (anchored)
		a++, len--;
	for (i = 0; i < gi->cap; i++) {
		g = &gi->names[i];
		if (g->s == NULL || g->len < len ||
		    (anchored ? memcmp(g->s, a, len) != 0
			      : memmem(g->s, g->len, a, len) == NULL))
			continue;
		for (k = 0; k < g->n; k++)
			if (g->rules[k] < nrules)
				bits[g->rules[k] / 64] |= 1ull
				    << (g->rules[k] % 64);
	}
}

int
group_index_candidates(
    struct rule_set *rs, const char *lc, uint64_t *bits, size_t nrules)
{
	const struct group_index *gi = rs->gindex;
	const char *p, *bar;
	size_t len;

	if (gi == NULL)
		return 1;
	for (p = lc;; p = bar + 1) {
		bar = strchr(p, '|');
		len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == 0 || (len == 1 && *p == '^') ||
		    memchr(p, ',', len) != NULL)
			return 1;
		if (bar == NULL)
			break;
	}
	for (p = lc;; p = bar + 1) {
		bar = strchr(p, '|');
		len = bar ? (size_t)(bar - p) : strlen(p);
		mark_alt(gi, p, len, bits, nrules);
		if (bar == NULL)
			return 0;
	}
}

void
group_index_free(struct group_index *gi)
{
	size_t i;

	if (gi == NULL)
		return;
	for (i = 0; i < gi->cap; i++) {
		free(gi->names[i].s);
		free(gi->names[i].rules);
	}
	free(gi->names);
	free(gi);
}
