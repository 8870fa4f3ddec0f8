/*
 * Block table (see table.h). Two bounded slabs: active blocks, each in a
 * hash index and in a min-heap by deadline; and offence history, each in
 * a hash index and on a recency list whose tail is forgotten first. Slots
 * are found by 32-bit indices, so the slabs are allocated once and never
 * move. Nothing is written at creation: the slabs and hash heads come
 * zeroed from calloc (a head holds index + 1, 0 for none) and slots are
 * handed out from a high-water mark, so an idle table of a million
 * entries costs address space, not memory.
 */
#include <stdlib.h>
#include <string.h>

#include "ar/table.h"
#include "core/err.h"
#include "core/hash.h"

#define NIL UINT32_MAX

struct ar_key {
	unsigned cmd;
	struct arx_addr addr;
};

/* The start of every slot: what the hash index needs. */
struct slot {
	struct ar_key key;
	uint32_t hnext;
	uint32_t used;
};

struct act {
	struct slot s;
	struct ar_block b;
	uint32_t heap; /* position in the heap */
};

struct hist {
	struct slot s;
	struct ar_offence off;
	int64_t ended_ms;    /* when its last block ended; 0: not known */
	uint32_t prev, next; /* recency list, head = latest */
};

struct index {
	uint32_t *heads; /* index + 1 of each chain's first slot, 0: none */
	uint32_t mask;
	char *base;
	size_t stride;
	uint32_t free; /* released slots, threaded through hnext */
	uint32_t hw;   /* slots [0, hw) have been handed out once */
	uint32_t max;
};

struct ar_table {
	struct act *act;
	size_t max_act, nact;
	uint32_t *heap;
	struct index act_ix;
	struct hist *hist;
	size_t max_hist, nhist;
	uint32_t head, tail;
	struct index hist_ix;
	unsigned long refused_full, history_evicted;
};

/* The keyed hash (core/hash.h): addresses are the attacker's to pick,
 * a whole IPv6 prefix of them. */
static uint32_t
key_hash(const struct ar_key *k)
{
	size_t n = k->addr.family == ADDR_V4 ? 4 : 16;
	unsigned char b[sizeof(k->cmd) + 1 + 16];

	memcpy(b, &k->cmd, sizeof(k->cmd));
	b[sizeof(k->cmd)] = (unsigned char)k->addr.family;
	memcpy(b + sizeof(k->cmd) + 1, k->addr.bytes, n);
	return (uint32_t)hash_bytes(b, sizeof(k->cmd) + 1 + n);
}

static bool
key_equal(const struct ar_key *a, const struct ar_key *b)
{
	return a->cmd == b->cmd && addr_equal(&a->addr, &b->addr);
}

static struct slot *
ix_slot(const struct index *ix, uint32_t i)
{
	return (struct slot *)(ix->base + (size_t)i * ix->stride);
}

static int
ix_init(struct index *ix, size_t max, void *base, size_t stride)
{
	size_t n = 16;

	while (n < max)
		n <<= 1;
	ix->heads = calloc(n, sizeof(*ix->heads));
	if (ix->heads == NULL)
		return ARX_ERR_NOMEM;
	ix->mask = (uint32_t)(n - 1);
	ix->base = base;
	ix->stride = stride;
	ix->free = NIL;
	ix->hw = 0;
	ix->max = (uint32_t)max;
	return 0;
}

static uint32_t
ix_find(const struct index *ix, const struct ar_key *k)
{
	uint32_t i = ix->heads[key_hash(k) & ix->mask] - 1;

	while (i != NIL && !key_equal(&ix_slot(ix, i)->key, k))
		i = ix_slot(ix, i)->hnext;
	return i;
}

static void
ix_insert(struct index *ix, uint32_t i)
{
	struct slot *s = ix_slot(ix, i);
	uint32_t *head = &ix->heads[key_hash(&s->key) & ix->mask];

	s->hnext = *head - 1;
	*head = i + 1;
}

static void
ix_remove(struct index *ix, uint32_t i)
{
	struct slot *s = ix_slot(ix, i);
	uint32_t *head = &ix->heads[key_hash(&s->key) & ix->mask];
	uint32_t j = *head - 1;

	if (j == i) {
		*head = s->hnext + 1;
		return;
	}
	while (ix_slot(ix, j)->hnext != i)
		j = ix_slot(ix, j)->hnext;
	ix_slot(ix, j)->hnext = s->hnext;
}

/* A slot for k: a released one, else the next never used; NIL if the
 * slab is full. */
static uint32_t
slab_take(struct index *ix, const struct ar_key *k)
{
	uint32_t i = ix->free;
	struct slot *s;

	if (i != NIL)
		ix->free = ix_slot(ix, i)->hnext;
	else if (ix->hw < ix->max)
		i = ix->hw++;
	else
		return NIL;
	s = ix_slot(ix, i);
	s->key = *k;
	s->used = 1;
	ix_insert(ix, i);
	return i;
}

static void
slab_put(struct index *ix, uint32_t i)
{
	struct slot *s = ix_slot(ix, i);

	ix_remove(ix, i);
	s->used = 0;
	s->hnext = ix->free;
	ix->free = i;
}

/* Min-heap of active slots by deadline. */
static int64_t
heap_key(const struct ar_table *t, size_t pos)
{
	return t->act[t->heap[pos]].b.expires_ms;
}

static void
heap_set(struct ar_table *t, size_t pos, uint32_t i)
{
	t->heap[pos] = i;
	t->act[i].heap = (uint32_t)pos;
}

static void
heap_up(struct ar_table *t, size_t pos)
{
	uint32_t i = t->heap[pos];

	while (pos > 0 && heap_key(t, (pos - 1) / 2) > t->act[i].b.expires_ms) {
		heap_set(t, pos, t->heap[(pos - 1) / 2]);
		pos = (pos - 1) / 2;
	}
	heap_set(t, pos, i);
}

static void
heap_down(struct ar_table *t, size_t pos)
{
	uint32_t i = t->heap[pos];
	size_t c;

	while ((c = 2 * pos + 1) < t->nact) {
		if (c + 1 < t->nact && heap_key(t, c + 1) < heap_key(t, c))
			c++;
		if (heap_key(t, c) >= t->act[i].b.expires_ms)
			break;
		heap_set(t, pos, t->heap[c]);
		pos = c;
	}
	heap_set(t, pos, i);
}

static void
heap_delete(struct ar_table *t, size_t pos)
{
	uint32_t last = t->heap[--t->nact];

	if (pos == t->nact)
		return;
	heap_set(t, pos, last);
	heap_up(t, pos);
	heap_down(t, t->act[last].heap);
}

/* Offence history with a recency list. */
static void
hist_unlink(struct ar_table *t, uint32_t i)
{
	struct hist *h = &t->hist[i];

	if (h->prev != NIL)
		t->hist[h->prev].next = h->next;
	else
		t->head = h->next;
	if (h->next != NIL)
		t->hist[h->next].prev = h->prev;
	else
		t->tail = h->prev;
}

static void
hist_push(struct ar_table *t, uint32_t i)
{
	struct hist *h = &t->hist[i];

	h->prev = NIL;
	h->next = t->head;
	if (t->head != NIL)
		t->hist[t->head].prev = i;
	t->head = i;
	if (t->tail == NIL)
		t->tail = i;
}

/* The history record of k, made (forgetting the oldest) if needed. */
static struct hist *
hist_get(struct ar_table *t, const struct ar_key *k)
{
	uint32_t i = ix_find(&t->hist_ix, k);

	if (i != NIL) {
		hist_unlink(t, i);
	} else {
		if (t->nhist == t->max_hist) {
			i = t->tail;
			hist_unlink(t, i);
			slab_put(&t->hist_ix, i);
			t->nhist--;
			t->history_evicted++;
		}
		i = slab_take(&t->hist_ix, k);
		t->hist[i].off = (struct ar_offence){0, 0};
		t->hist[i].ended_ms = 0;
		t->nhist++;
	}
	hist_push(t, i);
	return &t->hist[i];
}

struct ar_table *
ar_table_new(size_t max_active, size_t max_history)
{
	struct ar_table *t = calloc(1, sizeof(*t));

	if (t == NULL || max_active == 0 || max_history == 0 ||
	    max_active >= NIL || max_history >= NIL)
		goto fail;
	t->max_act = max_active;
	t->max_hist = max_history;
	t->act = calloc(max_active, sizeof(*t->act));
	t->heap = calloc(max_active, sizeof(*t->heap));
	t->hist = calloc(max_history, sizeof(*t->hist));
	if (t->act == NULL || t->heap == NULL || t->hist == NULL ||
	    ix_init(&t->act_ix, max_active, t->act, sizeof(*t->act)) != 0 ||
	    ix_init(&t->hist_ix, max_history, t->hist, sizeof(*t->hist)) != 0)
		goto fail;
	t->head = t->tail = NIL;
	return t;
fail:
	ar_table_free(t);
	return NULL;
}

void
ar_table_free(struct ar_table *t)
{
	if (t == NULL)
		return;
	free(t->act);
	free(t->heap);
	free(t->hist);
	free(t->act_ix.heads);
	free(t->hist_ix.heads);
	free(t);
}

static int
act_insert(struct ar_table *t, const struct ar_block *b)
{
	struct ar_key k = {b->cmd, b->addr};
	uint32_t i = slab_take(&t->act_ix, &k);

	if (i == NIL) {
		t->refused_full++;
		return ARX_ERR_TOOBIG;
	}
	t->act[i].b = *b;
	t->heap[t->nact] = i;
	t->act[i].heap = (uint32_t)t->nact++;
	heap_up(t, t->act[i].heap);
	return 0;
}

static int64_t
deadline(int64_t now_ms, uint64_t dur_s)
{
	if (dur_s == 0 || dur_s > (uint64_t)(AR_NEVER - now_ms) / 1000)
		return AR_NEVER;
	return now_ms + (int64_t)dur_s * 1000;
}

/* Remember rule_id among the rules that asked for b. */
static void
rules_note(struct ar_block *b, unsigned rule_id)
{
	size_t i;

	for (i = 0; rule_id != 0 && i < AR_BLOCK_RULES; i++) {
		if (b->rules[i] == rule_id)
			return;
		if (b->rules[i] == 0) {
			b->rules[i] = rule_id;
			return;
		}
	}
}

/* The duration rq asks for, recording an offence when it is one. */
static uint64_t
asked_duration(struct hist *h, const struct ar_add_req *rq, bool blocked)
{
	const struct ar_escalation *e = rq->e;
	bool grace = h->ended_ms != 0 &&
	    rq->now_ms - h->ended_ms <= (int64_t)e->grace_s * 1000;

	if (rq->offence && !blocked && !grace)
		return ar_escalate(e, &h->off, rq->now_ms);
	return ar_offence_duration(e, h->off.count);
}

int
ar_table_add(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    const struct ar_add_req *rq, struct ar_block *out)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->act_ix, &k);
	struct ar_block b = {.cmd = cmd, .addr = *a, .added_ms = rq->now_ms};
	struct act *x;
	struct hist *h;
	int r;

	if (i == NIL && t->nact == t->max_act) {
		t->refused_full++;
		return ARX_ERR_TOOBIG;
	}
	h = hist_get(t, &k);
	b.expires_ms = deadline(rq->now_ms, asked_duration(h, rq, i != NIL));
	b.offences = h->off.count;
	rules_note(&b, rq->rule_id);
	b.origins = rq->origin;
	if (i == NIL) {
		if ((r = act_insert(t, &b)) != 0)
			return r;
		*out = b;
		return AR_ADD_NEW;
	}
	x = &t->act[i];
	x->b.offences = b.offences;
	x->b.origins |= rq->origin;
	rules_note(&x->b, rq->rule_id);
	if (b.expires_ms > x->b.expires_ms) {
		x->b.expires_ms = b.expires_ms;
		heap_down(t, x->heap);
	}
	*out = x->b;
	return AR_ADD_EXTENDED;
}

int
ar_table_restore(struct ar_table *t, const struct ar_block *b)
{
	struct ar_key k = {b->cmd, b->addr};
	struct hist *h;
	uint32_t i = ix_find(&t->act_ix, &k);

	if (i != NIL)
		return ARX_ERR_EXISTS;
	if (act_insert(t, b) != 0)
		return ARX_ERR_TOOBIG;
	h = hist_get(t, &k);
	if (h->off.count < b->offences)
		h->off = (struct ar_offence){b->offences, b->added_ms};
	return 0;
}

/* The block in slot i ended at now_ms: out of the table, and its
 * history knows when (for the grace after it). */
static void
act_end(struct ar_table *t, uint32_t i, int64_t now_ms)
{
	uint32_t h = ix_find(&t->hist_ix, &t->act[i].s.key);

	if (h != NIL)
		t->hist[h].ended_ms = now_ms;
	heap_delete(t, t->act[i].heap);
	slab_put(&t->act_ix, i);
}

int
ar_table_remove(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    int64_t now_ms, struct ar_block *out)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->act_ix, &k);

	if (i == NIL)
		return ARX_ERR_NOTFOUND;
	if (out != NULL)
		*out = t->act[i].b;
	act_end(t, i, now_ms);
	return 0;
}

int
ar_table_drop_origin(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    unsigned origin, int64_t now_ms, struct ar_block *out)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->act_ix, &k);
	struct ar_block *b;

	if (i == NIL)
		return ARX_ERR_NOTFOUND;
	b = &t->act[i].b;
	if (b->origins != 0 && !(b->origins & origin))
		return ARX_ERR_PERM;
	b->origins &= ~origin;
	if (b->origins != 0)
		return 0;
	*out = *b;
	act_end(t, i, now_ms);
	return 1;
}

const struct ar_block *
ar_table_find(const struct ar_table *t, unsigned cmd, const struct arx_addr *a)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->act_ix, &k);

	return i == NIL ? NULL : &t->act[i].b;
}

int
ar_table_set_kernel(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    int64_t kernel_ms, bool missing)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->act_ix, &k);

	if (i == NIL)
		return ARX_ERR_NOTFOUND;
	t->act[i].b.kernel_ms = kernel_ms;
	t->act[i].b.missing = missing;
	return 0;
}

int
ar_table_confirm(struct ar_table *t, unsigned cmd, const struct arx_addr *a)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->act_ix, &k);

	if (i == NIL)
		return ARX_ERR_NOTFOUND;
	if (t->act[i].b.confirmed)
		return 0;
	t->act[i].b.confirmed = true;
	return 1;
}

int64_t
ar_table_next_deadline(const struct ar_table *t)
{
	return t->nact == 0 ? AR_NEVER : heap_key(t, 0);
}

size_t
ar_table_expire(
    struct ar_table *t, int64_t now_ms, struct ar_block *out, size_t max)
{
	size_t n = 0;
	uint32_t i;

	while (n < max && t->nact > 0 && heap_key(t, 0) != AR_NEVER &&
	    heap_key(t, 0) <= now_ms) {
		i = t->heap[0];
		out[n++] = t->act[i].b;
		act_end(t, i, now_ms);
	}
	return n;
}

void
ar_table_foreach(const struct ar_table *t,
    void (*fn)(const struct ar_block *b, void *ctx), void *ctx)
{
	size_t i;

	for (i = 0; i < t->nact; i++)
		fn(&t->act[t->heap[i]].b, ctx);
}

void
ar_table_restore_offence(struct ar_table *t, unsigned cmd,
    const struct arx_addr *a, const struct ar_offence *o)
{
	struct ar_key k = {cmd, *a};
	struct hist *h = hist_get(t, &k);

	if (o->last_ms >= h->off.last_ms)
		h->off = *o;
}

int
ar_table_offence(const struct ar_table *t, unsigned cmd,
    const struct arx_addr *a, struct ar_offence *out)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->hist_ix, &k);

	if (i == NIL)
		return ARX_ERR_NOTFOUND;
	*out = t->hist[i].off;
	return 0;
}

void
ar_table_foreach_offence(const struct ar_table *t, ar_offence_fn *fn, void *ctx)
{
	uint32_t i;

	for (i = t->tail; i != NIL; i = t->hist[i].prev)
		fn(t->hist[i].s.key.cmd, &t->hist[i].s.key.addr,
		    &t->hist[i].off, ctx);
}

void
ar_table_stats(const struct ar_table *t, struct ar_table_stats *st)
{
	st->active = t->nact;
	st->history = t->nhist;
	st->refused_full = t->refused_full;
	st->history_evicted = t->history_evicted;
}

int
ar_table_lengthen(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    uint64_t dur_s, struct ar_block *out)
{
	struct ar_key k = {cmd, *a};
	uint32_t i = ix_find(&t->act_ix, &k);
	struct act *x;
	int64_t until;

	if (i == NIL)
		return ARX_ERR_NOTFOUND;
	x = &t->act[i];
	until = deadline(x->b.added_ms, dur_s);
	if (x->b.expires_ms != AR_NEVER && until > x->b.expires_ms) {
		x->b.expires_ms = until;
		heap_down(t, x->heap);
	}
	*out = x->b;
	return 0;
}
