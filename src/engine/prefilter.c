/*
 * The candidate prefilter (prefilter.h): an Aho-Corasick automaton made
 * complete (a transition for every state and byte class), so a scan is
 * one table step per byte, and per state the bitmap of candidates whose
 * literal ends there (its own and those of its failure chain).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/prefilter.h"

#define MAX_STATES 32767 /* ids fit 15 bits: the 16th marks output */
#define NONE       UINT16_MAX
#define OUT_BIT    0x8000u

struct prefilter {
	uint8_t cls[256]; /* byte -> class (0: in no literal) */
	size_t ncls;      /* classes, "other" included */
	uint16_t *next;   /* nstates * ncls: next state, OUT_BIT when it
			   * marks candidates (one load a byte, all in L1) */
	uint64_t *out;    /* nstates * nwords: candidates found there */
	uint8_t *has_out; /* state marks someone */
	size_t nstates, cap;
	size_t nwords;
	uint64_t *always; /* candidates without literals */
};

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* A new state with no transitions yet (NONE) and no output. */
static int
state_new(struct prefilter *pf)
{
	size_t cap = pf->cap ? pf->cap * 2 : 64, i;
	void *n, *o, *h;

	if (pf->nstates == MAX_STATES)
		return -1;
	if (pf->nstates == pf->cap) {
		n = realloc(pf->next, cap * pf->ncls * sizeof(*pf->next));
		if (n != NULL)
			pf->next = n;
		o = realloc(pf->out, cap * pf->nwords * sizeof(*pf->out));
		if (o != NULL)
			pf->out = o;
		h = realloc(pf->has_out, cap);
		if (h != NULL)
			pf->has_out = h;
		if (n == NULL || o == NULL || h == NULL)
			return -1;
		pf->cap = cap;
	}
	for (i = 0; i < pf->ncls; i++)
		pf->next[pf->nstates * pf->ncls + i] = NONE;
	memset(pf->out + pf->nstates * pf->nwords, 0,
	    pf->nwords * sizeof(*pf->out));
	pf->has_out[pf->nstates] = 0;
	return (int)pf->nstates++;
}

/* Add one literal of candidate c to the trie. */
static int
trie_add(struct prefilter *pf, const char *lit, size_t len, size_t c)
{
	uint16_t *t;
	uint32_t s = 0;
	size_t i;
	int ns;

	for (i = 0; i < len; i++) {
		t = &pf->next[s * pf->ncls + pf->cls[(unsigned char)lit[i]]];
		if (*t == NONE) {
			if ((ns = state_new(pf)) < 0)
				return -1;
			t = &pf->next[s * pf->ncls +
			    pf->cls[(unsigned char)lit[i]]];
			*t = (uint16_t)ns;
		}
		s = *t;
	}
	pf->out[s * pf->nwords + c / 64] |= 1ull << (c % 64);
	pf->has_out[s] = 1;
	return 0;
}

/* Failure links by breadth, then every missing transition filled from
 * the failure state's; outputs merged along the links. */
static int
complete(struct prefilter *pf)
{
	uint32_t *queue = malloc(pf->nstates * sizeof(*queue));
	uint32_t *fail = calloc(pf->nstates, sizeof(*fail));
	size_t head = 0, tail = 0, c, w;
	uint32_t s, t, f;

	if (queue == NULL || fail == NULL) {
		free(queue);
		free(fail);
		return -1;
	}
	for (c = 0; c < pf->ncls; c++) {
		t = pf->next[c];
		if (t == NONE)
			pf->next[c] = 0;
		else
			queue[tail++] = t; /* fail[t] = 0 */
	}
	while (head < tail) {
		s = queue[head++];
		for (c = 0; c < pf->ncls; c++) {
			t = pf->next[s * pf->ncls + c];
			f = pf->next[fail[s] * pf->ncls + c];
			if (t == NONE) {
				pf->next[s * pf->ncls + c] = (uint16_t)f;
				continue;
			}
			fail[t] = f;
			for (w = 0; w < pf->nwords; w++)
				pf->out[t * pf->nwords + w] |=
				    pf->out[f * pf->nwords + w];
			pf->has_out[t] |= pf->has_out[f];
			queue[tail++] = t;
		}
	}
	free(queue);
	free(fail);
	for (t = 0; t < pf->nstates * pf->ncls; t++)
		if (pf->has_out[pf->next[t]])
			pf->next[t] |= OUT_BIT;
	return 0;
}

/* Byte classes: one per distinct (lower-cased) byte of the literals;
 * upper-case letters share their lower-case class. */
static bool
classes(struct prefilter *pf, size_t n, prefilter_lits_fn *lits, void *ctx)
{
	const char *l[PREFILTER_MAX_LITS];
	size_t len[PREFILTER_MAX_LITS], i, k, j, nl, with = 0;
	unsigned b;

	pf->ncls = 1;
	for (i = 0; i < n; i++) {
		nl = lits(i, l, len, PREFILTER_MAX_LITS, ctx);
		for (k = 0; k < nl; k++)
			for (j = 0; j < len[k]; j++) {
				b = lower((unsigned char)l[k][j]);
				if (pf->cls[b] == 0 && pf->ncls < 255)
					pf->cls[b] = (uint8_t)pf->ncls++;
			}
		if (nl == 0)
			pf->always[i / 64] |= 1ull << (i % 64);
		with += nl > 0;
	}
	for (b = 'A'; b <= 'Z'; b++)
		pf->cls[b] = pf->cls[b + 32];
	/* A pass over the line costs about what a few searches do: worth it
	 * only when most candidates can be ruled out by it. */
	return with >= PREFILTER_MIN_WITH && with * 4 >= n * 3 &&
	    pf->ncls < 255;
}

struct prefilter *
prefilter_build(size_t n, prefilter_lits_fn *lits, void *ctx)
{
	struct prefilter *pf;
	const char *l[PREFILTER_MAX_LITS];
	size_t len[PREFILTER_MAX_LITS], i, k, nl;

	if (n == 0 || n > PREFILTER_MAX_CANDS ||
	    (pf = calloc(1, sizeof(*pf))) == NULL)
		return NULL;
	pf->nwords = (n + 63) / 64;
	if ((pf->always = calloc(pf->nwords, sizeof(uint64_t))) == NULL ||
	    !classes(pf, n, lits, ctx) || state_new(pf) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		nl = lits(i, l, len, PREFILTER_MAX_LITS, ctx);
		for (k = 0; k < nl; k++)
			if (trie_add(pf, l[k], len[k], i) != 0)
				goto fail;
	}
	if (complete(pf) != 0)
		goto fail;
	return pf;
fail:
	prefilter_free(pf);
	return NULL;
}

void
prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	free(pf->next);
	free(pf->out);
	free(pf->has_out);
	free(pf->always);
	free(pf);
}

size_t
prefilter_nwords(const struct prefilter *pf)
{
	return pf->nwords;
}

void
prefilter_scan(
    const struct prefilter *pf, const char *s, size_t len, uint64_t *bits)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t st = 0, v;
	size_t i, w;

	memcpy(bits, pf->always, pf->nwords * sizeof(*bits));
	for (i = 0; i < len; i++) {
		v = pf->next[st * pf->ncls + pf->cls[p[i]]];
		st = v & ~OUT_BIT;
		if (v & OUT_BIT)
			for (w = 0; w < pf->nwords; w++)
				bits[w] |= pf->out[st * pf->nwords + w];
	}
}
