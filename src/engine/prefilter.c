/*
 * The candidate prefilter (prefilter.h): an Aho-Corasick automaton made
 * complete (a transition for every state and byte class), so a scan is
 * one table step per byte, and per state the bitmap of candidates whose
 * literal ends there (its own and those of its failure chain).
 *
 * A scan's speed is the latency of that step, so the table is laid out
 * for it: a transition holds the offset of the next state's row (no
 * multiplication), states that mark candidates are numbered last (one
 * comparison tells a mark, no masking), entries are 16 bits and
 * literals are cut to a window so that the table stays in the L1 cache.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/prefilter.h"

#define NONE     UINT32_MAX
#define TAB_MAX  65535u /* row offsets fit 16 bits */
#define WIN_LONG 16     /* literal window tried first, then halved */
#define WIN_MIN  4

struct prefilter {
	uint8_t cls[256]; /* byte -> class (0: in no literal) */
	size_t ncls;      /* classes, "other" included */
	uint16_t *tab;    /* per state a row of ncls row offsets */
	uint32_t marks;   /* offsets from here on mark candidates */
	uint64_t *out;    /* (nstates - first marking) * nwords */
	size_t nwords;
	size_t win;       /* the longest literal window */
	uint64_t *always; /* candidates without literals */
};

/* The automaton while it is built: state ids, not yet laid out. */
struct build {
	uint32_t *next; /* nstates * ncls, NONE where missing */
	uint64_t *out;  /* nstates * nwords */
	uint8_t *has_out;
	size_t nstates, cap, ncls, nwords, win;
};

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* The part of a literal the automaton keeps: its last win bytes.
 * Holding them is still necessary for holding the literal. */
static void
lit_window(const char **lit, size_t *len, size_t win)
{
	if (*len > win) {
		*lit += *len - win;
		*len = win;
	}
}

/* A new state with no transitions yet and no output. */
static int
state_new(struct build *b)
{
	size_t cap = b->cap ? b->cap * 2 : 64, i;
	void *n, *o, *h;

	if (b->nstates * b->ncls >= TAB_MAX)
		return -1;
	if (b->nstates == b->cap) {
		n = realloc(b->next, cap * b->ncls * sizeof(*b->next));
		if (n != NULL)
			b->next = n;
		o = realloc(b->out, cap * b->nwords * sizeof(*b->out));
		if (o != NULL)
			b->out = o;
		h = realloc(b->has_out, cap);
		if (h != NULL)
			b->has_out = h;
		if (n == NULL || o == NULL || h == NULL)
			return -1;
		b->cap = cap;
	}
	for (i = 0; i < b->ncls; i++)
		b->next[b->nstates * b->ncls + i] = NONE;
	memset(b->out + b->nstates * b->nwords, 0, b->nwords * sizeof(*b->out));
	b->has_out[b->nstates] = 0;
	return (int)b->nstates++;
}

/* Add one literal of candidate c to the trie. */
static int
trie_add(
    struct build *b, const uint8_t *cls, const char *lit, size_t len, size_t c)
{
	uint32_t s = 0, *t;
	size_t i;
	int ns;

	lit_window(&lit, &len, b->win);
	for (i = 0; i < len; i++) {
		t = &b->next[s * b->ncls + cls[(unsigned char)lit[i]]];
		if (*t == NONE) {
			if ((ns = state_new(b)) < 0)
				return -1;
			t = &b->next[s * b->ncls + cls[(unsigned char)lit[i]]];
			*t = (uint32_t)ns;
		}
		s = *t;
	}
	b->out[s * b->nwords + c / 64] |= 1ull << (c % 64);
	b->has_out[s] = 1;
	return 0;
}

/* Failure links by breadth, then every missing transition filled from
 * the failure state's; outputs merged along the links. */
static int
complete(struct build *b)
{
	uint32_t *queue = malloc(b->nstates * sizeof(*queue));
	uint32_t *fail = calloc(b->nstates, sizeof(*fail));
	size_t head = 0, tail = 0, c, w, nc = b->ncls;
	uint32_t s, t, f;

	if (queue == NULL || fail == NULL) {
		free(queue);
		free(fail);
		return -1;
	}
	for (c = 0; c < nc; c++) {
		if ((t = b->next[c]) == NONE)
			b->next[c] = 0;
		else
			queue[tail++] = t; /* fail[t] = 0 */
	}
	while (head < tail) {
		s = queue[head++];
		for (c = 0; c < nc; c++) {
			t = b->next[s * nc + c];
			f = b->next[fail[s] * nc + c];
			if (t == NONE) {
				b->next[s * nc + c] = f;
				continue;
			}
			fail[t] = f;
			for (w = 0; w < b->nwords; w++)
				b->out[t * b->nwords + w] |=
				    b->out[f * b->nwords + w];
			b->has_out[t] |= b->has_out[f];
			queue[tail++] = t;
		}
	}
	free(queue);
	free(fail);
	return 0;
}

/* Number the states, marking ones last, and write the scan's table of
 * row offsets and its outputs. */
static int
layout(struct prefilter *pf, const struct build *b)
{
	uint32_t *id = malloc(b->nstates * sizeof(*id)), nquiet = 0, q, m, s;
	size_t c, nc = b->ncls, nw = b->nwords;
	int r = -1;

	if (id == NULL)
		return -1;
	for (s = 0; s < b->nstates; s++)
		nquiet += !b->has_out[s];
	for (s = 0, q = 0, m = nquiet; s < b->nstates; s++)
		id[s] = b->has_out[s] ? m++ : q++;
	pf->marks = (uint32_t)(nquiet * nc); /* the start (0) is quiet */
	pf->tab = malloc(b->nstates * nc * sizeof(*pf->tab));
	pf->out = calloc(b->nstates - nquiet + 1, nw * sizeof(*pf->out));
	if (pf->tab == NULL || pf->out == NULL)
		goto done;
	for (s = 0; s < b->nstates; s++) {
		for (c = 0; c < nc; c++)
			pf->tab[id[s] * nc + c] =
			    (uint16_t)(id[b->next[s * nc + c]] * nc);
		if (b->has_out[s])
			memcpy(pf->out + (id[s] - nquiet) * nw, b->out + s * nw,
			    nw * sizeof(*pf->out));
	}
	r = 0;
done:
	free(id);
	return r;
}

/* Byte classes: one per distinct (lower-cased) byte of the literals'
 * windows; upper-case letters share their lower-case class. A candidate
 * with no literal, or an empty one, is always possible. */
static bool
classes(struct prefilter *pf, size_t n, size_t win, prefilter_lits_fn *lits,
    void *ctx, bool sparse)
{
	const char *l[PREFILTER_MAX_LITS];
	size_t len[PREFILTER_MAX_LITS], i, k, j, nl, with = 0;
	unsigned b;
	bool empty;

	memset(pf->cls, 0, sizeof(pf->cls));
	pf->ncls = 1;
	for (i = 0; i < n; i++) {
		nl = lits(i, l, len, PREFILTER_MAX_LITS, ctx);
		for (k = 0, empty = nl == 0; k < nl; k++) {
			lit_window(&l[k], &len[k], win);
			empty |= len[k] == 0;
			for (j = 0; j < len[k]; j++) {
				b = lower((unsigned char)l[k][j]);
				if (pf->cls[b] == 0 && pf->ncls < 255)
					pf->cls[b] = (uint8_t)pf->ncls++;
			}
		}
		if (empty)
			pf->always[i / 64] |= 1ull << (i % 64);
		with += !empty;
	}
	for (b = 'A'; b <= 'Z'; b++)
		pf->cls[b] = pf->cls[b + 32];
	/* A pass over the line costs about what a few searches do: worth it
	 * only when most candidates can be ruled out by it. */
	return with >= PREFILTER_MIN_WITH && (sparse || with * 4 >= n * 3) &&
	    pf->ncls < 255;
}

static void
build_free(struct build *b)
{
	free(b->next);
	free(b->out);
	free(b->has_out);
	memset(b, 0, sizeof(*b));
}

/* The automaton over the literals' windows of win bytes; -1 when its
 * table would not fit (a smaller window is then tried) or on failure. */
static int
automaton(struct prefilter *pf, size_t n, size_t win, prefilter_lits_fn *lits,
    void *ctx)
{
	struct build b = {0};
	const char *l[PREFILTER_MAX_LITS];
	size_t len[PREFILTER_MAX_LITS], i, k, nl;
	int r = -1;

	b.ncls = pf->ncls;
	b.nwords = pf->nwords;
	b.win = win;
	if (state_new(&b) != 0)
		goto done;
	for (i = 0; i < n; i++) {
		if ((pf->always[i / 64] >> (i % 64)) & 1)
			continue;
		nl = lits(i, l, len, PREFILTER_MAX_LITS, ctx);
		for (k = 0; k < nl; k++)
			if (trie_add(&b, pf->cls, l[k], len[k], i) != 0)
				goto done;
	}
	if (complete(&b) == 0)
		r = layout(pf, &b);
done:
	build_free(&b);
	return r;
}

static struct prefilter *
build(size_t n, prefilter_lits_fn *lits, void *ctx, bool sparse)
{
	struct prefilter *pf;
	size_t win;

	if (n == 0 || n > PREFILTER_MAX_CANDS ||
	    (pf = calloc(1, sizeof(*pf))) == NULL)
		return NULL;
	pf->nwords = (n + 63) / 64;
	if ((pf->always = calloc(pf->nwords, sizeof(uint64_t))) == NULL)
		goto fail;
	for (win = WIN_LONG; win >= WIN_MIN; win /= 2) {
		memset(pf->always, 0, pf->nwords * sizeof(uint64_t));
		if (!classes(pf, n, win, lits, ctx, sparse))
			goto fail;
		pf->win = win;
		if (automaton(pf, n, win, lits, ctx) == 0)
			return pf;
		free(pf->tab);
		free(pf->out);
		pf->tab = NULL;
		pf->out = NULL;
	}
fail:
	prefilter_free(pf);
	return NULL;
}

struct prefilter *
prefilter_build(size_t n, prefilter_lits_fn *lits, void *ctx)
{
	return build(n, lits, ctx, false);
}

struct prefilter *
prefilter_build_sparse(size_t n, prefilter_lits_fn *lits, void *ctx)
{
	return build(n, lits, ctx, true);
}

void
prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	free(pf->tab);
	free(pf->out);
	free(pf->always);
	free(pf);
}

size_t
prefilter_nwords(const struct prefilter *pf)
{
	return pf->nwords;
}

size_t
prefilter_window(const struct prefilter *pf)
{
	return pf->win;
}

bool
prefilter_always(const struct prefilter *pf, size_t i)
{
	return (pf->always[i / 64] >> (i % 64)) & 1;
}

static inline void
scan_mark(const struct prefilter *pf, uint32_t off, uint64_t *bits)
{
	const uint64_t *out =
	    pf->out + (off - pf->marks) / pf->ncls * pf->nwords;
	size_t w;

	for (w = 0; w < pf->nwords; w++)
		bits[w] |= out[w];
}

/* One chain from state off over p[0..n). */
static void
scan_from(const struct prefilter *pf, uint32_t off, const unsigned char *p,
    size_t n, uint64_t *bits)
{
	const uint16_t *tab = pf->tab;
	const uint8_t *cls = pf->cls;
	uint32_t marks = pf->marks;
	size_t i;

	for (i = 0; i < n; i++)
		if ((off = tab[off + cls[p[i]]]) >= marks)
			scan_mark(pf, off, bits);
}

#define STEP(st, byte) ((st) = tab[(st) + cls[(byte)]])
#define MARK(st)                                   \
	do {                                       \
		if ((st) >= marks)                 \
			scan_mark(pf, (st), bits); \
	} while (0)

/* Two chains: p[0..h) then win - 1 bytes on, and p[h..len). */
static void
scan_halves(const struct prefilter *pf, const unsigned char *p, size_t len,
    uint64_t *bits)
{
	const uint16_t *tab = pf->tab;
	const uint8_t *cls = pf->cls;
	const uint32_t marks = pf->marks;
	const size_t h = len / 2;
	uint32_t a = 0, b = 0;
	size_t i;

	for (i = 0; i < h; i++) {
		STEP(a, p[i]);
		STEP(b, p[h + i]);
		if ((a >= marks) | (b >= marks)) {
			MARK(a);
			MARK(b);
		}
	}
	for (i = h; i < h + pf->win - 1; i++) {
		STEP(a, p[i]);
		MARK(a);
	}
	scan_from(pf, b, p + 2 * h, len - 2 * h, bits);
}

/* Four chains over the quarters, then the first three win - 1 bytes
 * into the next quarter (at once too), the last to the end. */
static void
scan_quarters(const struct prefilter *pf, const unsigned char *p, size_t len,
    uint64_t *bits)
{
	const uint16_t *tab = pf->tab;
	const uint8_t *cls = pf->cls;
	const uint32_t marks = pf->marks;
	const size_t q = len / 4;
	uint32_t a = 0, b = 0, c = 0, d = 0;
	size_t i;

	for (i = 0; i < q; i++) {
		STEP(a, p[i]);
		STEP(b, p[q + i]);
		STEP(c, p[2 * q + i]);
		STEP(d, p[3 * q + i]);
		if ((a >= marks) | (b >= marks) | (c >= marks) | (d >= marks)) {
			MARK(a);
			MARK(b);
			MARK(c);
			MARK(d);
		}
	}
	for (i = q; i < q + pf->win - 1; i++) {
		STEP(a, p[i]);
		STEP(b, p[q + i]);
		STEP(c, p[2 * q + i]);
		if ((a >= marks) | (b >= marks) | (c >= marks)) {
			MARK(a);
			MARK(b);
			MARK(c);
		}
	}
	scan_from(pf, d, p + 4 * q, len - 4 * q, bits);
}

/*
 * A step is one add and one load, each waiting for the last: the time
 * is the load's latency, not the work. So a line is read in two or four
 * parts at once, independent chains in one loop. Each part's chain runs
 * win - 1 bytes into the next, so a literal (its window) that starts in
 * a part is seen whole by that part's chain.
 */
void
prefilter_scan(
    const struct prefilter *pf, const char *s, size_t len, uint64_t *bits)
{
	const unsigned char *p = (const unsigned char *)s;

	memcpy(bits, pf->always, pf->nwords * sizeof(*bits));
	if (len >= 4 * pf->win)
		scan_quarters(pf, p, len, bits);
	else if (len >= 2 * pf->win)
		scan_halves(pf, p, len, bits);
	else
		scan_from(pf, 0, p, len, bits);
}
