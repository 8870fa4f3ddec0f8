/*
 * Implementation of nftbatch.h: two vectors of operations, the batch
 * being applied (cur) and the one filling (next), the script buffer,
 * the applier (libnftables in a thread of its own: fw/nftapply.h) and a
 * zero-delay timer that closes the filling batch at the end of the loop
 * turn in which its first operation came. No file: a full disk cannot
 * stop a block.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ar/nftbatch.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/log.h"
#include "fw/nft.h"
#include "fw/nftapply.h"

struct nop {
	void *op;
	const struct ar_nftbatch_client *cl;
	bool add;
	struct arx_addr a;
	uint64_t timeout_s;
};

struct nvec {
	struct nop *v;
	size_t n, cap;
};

struct ar_nftbatch {
	struct evloop *loop;
	struct evtimer flush;
	struct nvec cur, next;
	struct nft_applier *ap; /* applies cur, in a thread */
	bool set_up, retried;
	bool again; /* the next batch sets the table up again */
	struct buf script;
	struct ar_nftbatch_stats st;
	struct log_limit fail_log, retry_log; /* 5 a minute each */
};

static void batch_start(struct ar_nftbatch *b);

#define RUN_MAX 4096 /* elements in one statement */

/* The end of the run of operations from i on that one statement can
 * carry: the same verb and set (address family, address or network),
 * at most RUN_MAX. */
static size_t
run_end(const struct nvec *v, size_t i)
{
	const struct arx_addr *a = &v->v[i].a;
	size_t j = i + 1;

	while (j < v->n && j - i < RUN_MAX && v->v[j].add == v->v[i].add &&
	    v->v[j].a.family == a->family &&
	    (v->v[j].a.plen != 0) == (a->plen != 0))
		j++;
	return j;
}

/* Whether slot's address was put already in this statement (an open
 * hash of indexes into v, 2 * RUN_MAX slots; 0 is empty). A lift of the
 * same address twice in one delete statement would fail it whole. */
static bool
seen_before(const struct nvec *v, uint32_t *tab, size_t k)
{
	const struct arx_addr *a = &v->v[k].a;
	uint64_t h = hash_bytes(a->bytes, sizeof(a->bytes));

	for (h %= 2 * RUN_MAX; tab[h] != 0; h = (h + 1) % (2 * RUN_MAX))
		if (addr_equal(&v->v[tab[h] - 1].a, a))
			return true;
	tab[h] = (uint32_t)k + 1;
	return false;
}

/* Operations [i, j) as one statement; lifts as an add without timeout
 * (a no-op when the element is there) then a delete of each address
 * once, so a block the kernel already let go does not fail the whole
 * transaction. */
static int
run_put(struct buf *out, const struct nvec *v, size_t i, size_t j)
{
	static uint32_t tab[2 * RUN_MAX];
	const struct nop *o = &v->v[i];
	int r = nft_elems_begin(out, "add", &o->a);
	bool first = true;

	for (size_t k = i; k < j && r == 0; k++)
		r = nft_elems_put(
		    out, &v->v[k].a, o->add ? v->v[k].timeout_s : 0, k == i);
	if (r == 0)
		r = nft_elems_end(out);
	if (r != 0 || o->add)
		return r;
	memset(tab, 0, sizeof(tab));
	r = nft_elems_begin(out, "delete", &o->a);
	for (size_t k = i; k < j && r == 0; k++) {
		if (seen_before(v, tab, k))
			continue;
		r = nft_elems_put(out, &v->v[k].a, 0, first);
		first = false;
	}
	return r != 0 ? r : nft_elems_end(out);
}

/* The script of cur (with the table's set-up first when asked) into
 * b->script. */
static int
script_make(struct ar_nftbatch *b, bool setup)
{
	int r = 0;
	size_t i, j;

	buf_reset(&b->script);
	if (setup)
		r = nft_script_setup(&b->script);
	for (i = 0; i < b->cur.n && r == 0; i = j) {
		j = run_end(&b->cur, i);
		r = run_put(&b->script, &b->cur, i, j);
	}
	return r;
}

static long long
now_ms(const struct ar_nftbatch *b)
{
	return (long long)clock_mono_ms(evloop_clock(b->loop));
}

/* Every operation of cur is over; cur is emptied. */
static void
batch_report(struct ar_nftbatch *b, const char *why)
{
	size_t n = b->cur.n;

	b->st.batches++;
	b->st.ops += n;
	if (n > b->st.largest)
		b->st.largest = n;
	if (why != NULL) {
		unsigned long held;

		b->st.failed += n;
		if (log_limit_pass(&b->fail_log, now_ms(b), &held))
			log_error("nftables: a batch of %zu failed: %s (%lu "
				  "more failures not logged)",
			    n, why, held);
	}
	b->cur.n = 0;
	b->retried = false;
	for (size_t i = 0; i < n; i++) {
		const struct ar_nftbatch_client *cl = b->cur.v[i].cl;

		cl->done(b->cur.v[i].op, why, cl->ctx);
	}
}

/* The applier's end of cur's transaction (why NULL: applied). */
static void
on_applied(const char *why, void *ctx)
{
	struct ar_nftbatch *b = ctx;
	unsigned long held;

	if (why != NULL && !b->retried) {
		if (log_limit_pass(&b->retry_log, now_ms(b), &held))
			log_warn("nftables: a batch of %zu failed (%s); trying "
				 "it again with the table set up (%lu more "
				 "not logged)",
			    b->cur.n, why, held);
		b->retried = true; /* the table may be gone: set it up again */
		b->set_up = false;
		batch_start(b);
		return;
	}
	b->set_up |= why == NULL;
	batch_report(b, why);
	if (b->next.n > 0)
		batch_start(b);
}

/* How many of the waiting operations the next transaction takes: up to
 * NFTB_MAX, and a network alone. The kernel refuses a network that
 * overlaps one it holds, failing the whole transaction; a network's
 * operation must not take thousands of others with it (nor two
 * networks, where the delete of one and the add of another may race). */
static size_t
batch_size(const struct nvec *next)
{
	size_t n = next->n < NFTB_MAX ? next->n : NFTB_MAX, i;

	if (n > 0 && next->v[0].a.plen != 0)
		return 1;
	for (i = 1; i < n; i++)
		if (next->v[i].a.plen != 0)
			return i;
	return n;
}

/* Move the next transaction's waiting operations into cur (unless it is
 * being retried) and run nft on them. */
static void
batch_take(struct ar_nftbatch *b)
{
	size_t n = batch_size(&b->next);
	struct nvec t = b->cur;

	if (n == b->next.n) { /* all of it: swap the vectors */
		b->cur = b->next;
		b->next = t;
		b->next.n = 0;
		return;
	}
	if (b->cur.cap < n) {
		struct nop *v = realloc(b->cur.v, n * sizeof(*v));

		if (v == NULL)
			return;
		b->cur.v = v;
		b->cur.cap = n;
	}
	memcpy(b->cur.v, b->next.v, n * sizeof(*b->cur.v));
	b->cur.n = n;
	memmove(b->next.v, b->next.v + n, (b->next.n - n) * sizeof(*b->next.v));
	b->next.n -= n;
}

/* Apply cur (in-process, libnftables: fw/nftapply.h). */
static void
batch_start(struct ar_nftbatch *b)
{
	int r;

	if (nft_applier_busy(b->ap))
		return;
	if (!b->retried)
		batch_take(b);
	if (b->cur.n == 0)
		return;
	if (b->again)
		b->set_up = b->again = false;
	if ((r = script_make(b, !b->set_up)) != 0 ||
	    (r = nft_applier_start(b->ap, b->script.data, b->script.len)) != 0)
		batch_report(b, arx_strerror(r));
}

static void
on_flush(struct evloop *loop, struct evtimer *t)
{
	(void)loop;
	batch_start(t->ctx);
}

struct ar_nftbatch *
ar_nftbatch_new(struct evloop *loop)
{
	struct ar_nftbatch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->loop = loop;
	if ((b->ap = nft_applier_new(loop, on_applied, b)) == NULL) {
		log_error("nftables: cannot start the thread that applies "
			  "batches: %s",
		    strerror(errno));
		free(b);
		return NULL;
	}
	b->fail_log = (struct log_limit)LOG_LIMIT_INIT(5, 60000);
	b->retry_log = (struct log_limit)LOG_LIMIT_INIT(5, 60000);
	buf_init(&b->script, (size_t)NFTB_MAX * 256 + 4096);
	evtimer_init(&b->flush, on_flush, b);
	return b;
}

void
ar_nftbatch_free(struct ar_nftbatch *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->cur.n; i++)
		b->cur.v[i].cl->drop(b->cur.v[i].op);
	for (size_t i = 0; i < b->next.n; i++)
		b->next.v[i].cl->drop(b->next.v[i].op);
	evloop_timer_stop(b->loop, &b->flush);
	nft_applier_free(b->ap); /* waits for a batch being applied */
	buf_release(&b->script);
	free(b->cur.v);
	free(b->next.v);
	free(b);
}

int
ar_nftbatch_submit(struct ar_nftbatch *b, const struct ar_nftbatch_client *cl,
    bool add, const struct arx_addr *a, uint64_t timeout_s, void *op)
{
	struct nvec *q = &b->next;

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;
		struct nop *v = realloc(q->v, cap * sizeof(*v));

		if (v == NULL)
			return ARX_ERR_NOMEM;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = (struct nop){op, cl, add, *a, timeout_s};
	if (!nft_applier_busy(b->ap) && !b->flush.active)
		(void)evloop_timer_start(b->loop, &b->flush, 0);
	return 0;
}

void
ar_nftbatch_setup_again(struct ar_nftbatch *b)
{
	b->again = true;
}

size_t
ar_nftbatch_pending(const struct ar_nftbatch *b)
{
	return b->cur.n + b->next.n;
}

void
ar_nftbatch_stats(const struct ar_nftbatch *b, struct ar_nftbatch_stats *st)
{
	*st = b->st;
}
