/*
 * What the rules know of the decoders (rule.h, rule_set_bind()): every
 * decoder's report name and every rule's decoded_as get a number, and a
 * rule with many children gets a gate, per name the bitmap of children
 * an event of that decoder can reach: those without decoded_as and those
 * that name it. With Wazuh's ruleset most of the root's hundreds of
 * children name a decoder; an event then tries the few of its own
 * instead of failing a string comparison on each.
 *
 * Owns the gates (struct rule_gate), freed with their rule.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/decoder.h"
#include "engine/prefilter.h"
#include "engine/rule.h"

#define GATE_MIN_NAMED 8 /* children naming a decoder, at least */

struct rule_gate {
	size_t nwords;
	uint64_t *open;  /* children without decoded_as */
	uint32_t *slot;  /* name id -> 1 + its bitmap, 0 for none */
	uint64_t *named; /* per slot, the children naming it */
	size_t nnames;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted distinct report names; ids are positions + 1. */
struct names {
	const char **v;
	size_t n;
};

static int
names_collect(struct names *nm, const struct decoder_set *ds)
{
	size_t i, k = 0;

	if ((nm->v = malloc((ds->nall + 1) * sizeof(*nm->v))) == NULL)
		return -1;
	for (i = 0; i < ds->nall; i++)
		nm->v[i] = ds->all[i]->report_name;
	qsort(nm->v, ds->nall, sizeof(*nm->v), cmp_str);
	for (i = 0; i < ds->nall; i++)
		if (k == 0 || strcmp(nm->v[k - 1], nm->v[i]) != 0)
			nm->v[k++] = nm->v[i];
	nm->n = k;
	return 0;
}

static unsigned
names_id(const struct names *nm, const char *s)
{
	const char **hit = bsearch(&s, nm->v, nm->n, sizeof(*nm->v), cmp_str);

	return hit == NULL ? RULE_NO_NAME : (unsigned)(hit - nm->v) + 1;
}

void
rule_gate_free(struct rule_gate *g)
{
	if (g == NULL)
		return;
	free(g->open);
	free(g->slot);
	free(g->named);
	free(g);
}

/* The slots: one per distinct name among p's children. */
static int
gate_slots(struct rule_gate *g, const struct rule *p)
{
	size_t i, nslots = 0;
	unsigned id;

	for (i = 0; i < p->nchildren; i++) {
		id = p->children[i]->decoded_as_id;
		if (id != 0 && id != RULE_NO_NAME && g->slot[id] == 0)
			g->slot[id] = (uint32_t)++nslots;
	}
	g->named = calloc(nslots * g->nwords + 1, sizeof(uint64_t));
	return g->named == NULL ? -1 : 0;
}

static struct rule_gate *
gate_build(const struct rule *p, size_t nnames)
{
	struct rule_gate *g = calloc(1, sizeof(*g));
	uint64_t *words;
	unsigned id;
	size_t i;

	if (g == NULL)
		return NULL;
	g->nwords = (p->nchildren + 63) / 64;
	g->nnames = nnames;
	g->open = calloc(g->nwords, sizeof(uint64_t));
	g->slot = calloc(nnames + 1, sizeof(uint32_t));
	if (g->open == NULL || g->slot == NULL || gate_slots(g, p) != 0) {
		rule_gate_free(g);
		return NULL;
	}
	for (i = 0; i < p->nchildren; i++) {
		id = p->children[i]->decoded_as_id;
		if (id == RULE_NO_NAME) /* can match nothing */
			continue;
		words = id == 0 ? g->open
				: g->named + (g->slot[id] - 1) * g->nwords;
		words[i / 64] |= 1ull << (i % 64);
	}
	return g;
}

/* Whether p names enough decoders among its children for a gate. */
static bool
gate_worth(const struct rule *p)
{
	size_t i, named = 0;

	if (p->nchildren > PREFILTER_MAX_CANDS) /* the bitmaps' bound */
		return false;
	for (i = 0; i < p->nchildren; i++)
		named += p->children[i]->decoded_as_id != 0;
	return named >= GATE_MIN_NAMED;
}

void
rule_set_bind(struct rule_set *rs, struct decoder_set *ds)
{
	struct names nm = {NULL, 0};
	struct rule *r;
	size_t i;

	if (names_collect(&nm, ds) != 0)
		return;
	for (i = 0; i < ds->nall; i++)
		ds->all[i]->name_id = names_id(&nm, ds->all[i]->report_name);
	for (i = 0; i < rs->nrules; i++) {
		r = rs->rules[i];
		r->decoded_as_id =
		    r->decoded_as != NULL ? names_id(&nm, r->decoded_as) : 0;
	}
	for (i = 0; i < rs->nrules; i++) {
		r = rs->rules[i];
		rule_gate_free(r->gate);
		r->gate = gate_worth(r) ? gate_build(r, nm.n) : NULL;
	}
	free(nm.v);
}

void
rule_gate_mask(const struct rule_gate *g, unsigned name_id, uint64_t *bits)
{
	const uint64_t *named = NULL;
	uint32_t s;
	size_t k;

	if (name_id != 0 && name_id <= g->nnames && (s = g->slot[name_id]) != 0)
		named = g->named + (s - 1) * g->nwords;
	for (k = 0; k < g->nwords; k++)
		bits[k] &= g->open[k] | (named != NULL ? named[k] : 0);
}
