/*
 * The kernel check (kcheck.h): the timer, the listing jobs of one look,
 * the comparison with the table, and the restores: nftables operations
 * in the runner's batcher and add runs queued until the runner has a
 * free slot.
 */
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar/kcheck.h"
#include "ar/nftbatch.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "exec/exec.h"
#include "fw/ipt.h"
#include "fw/nft.h"

#define LIST_MS     30000u /* longest a listing may run */
#define LOG_BURST   5      /* lines about restores ... */
#define LOG_PERIOD  60000u /* ... a minute at most */
#define NFT_NOTABLE "No such file or directory"

/* How each listing is taken: the program (in /usr/sbin) and its argv. */
static const struct listing {
	const char *name;
	char *const *argv;
} listings[AR_NLISTINGS] = {
    [AR_LIST_NFT] = {"nft", nft_list_argv},
    [AR_LIST_IPT4] = {"iptables", ipt_list_argv4},
    [AR_LIST_IPT6] = {"ip6tables", ipt_list_argv6},
    [AR_LIST_IPSET] = {"ipset", ipset_list_argv},
};

struct key {
	unsigned cmd;
	struct arx_addr a;
};

/* A restore in the nftables batcher. */
struct nft_op {
	struct ar_kcheck *k;
	struct key key;
};

struct lctx {
	struct ar_kcheck *k;
	enum ar_listing l;
};

struct ar_kcheck {
	struct ar_kcheck_opts o;
	struct evtimer timer;
	struct ar_kview *view;
	struct exec_job *jobs[AR_NLISTINGS];
	struct lctx lctx[AR_NLISTINGS];
	unsigned taking;               /* listings running (1 << ar_listing) */
	int64_t look_ms;               /* wall time the look began */
	uint64_t look_mono;            /* the same, monotonic, for its length */
	char paths[AR_NLISTINGS][512]; /* of the listings' programs */
	struct key *q; /* restore adds waiting for a free slot */
	size_t qhead, qn, qcap;
	size_t inflight;  /* restores submitted and not over */
	unsigned lead[2]; /* per family: LEAD_* of this round's adds */
	struct ar_nftbatch_client restore_cl, lift_cl;
	struct ar_kcheck_stats st;
	struct log_limit round_limit, fail_limit;
};

static int64_t
now_ms(const struct ar_kcheck *k)
{
	return clock_wall_ms(k->o.clock);
}

static enum ar_backend
backend_of(const struct ar_kcheck *k, unsigned cmd)
{
	return cmd < k->o.ncommands ? k->o.backends[cmd] : AR_BACKEND_NONE;
}

static void
timer_in(struct ar_kcheck *k, uint64_t ms)
{
	(void)evloop_timer_start(k->o.loop, &k->timer, ms);
}

/* ---- restores ---- */

/* A restore of key is over (why NULL: it applied). */
static void
restore_end(struct ar_kcheck *k, const struct key *key, const char *why)
{
	const struct ar_block *b = ar_table_find(k->o.table, key->cmd, &key->a);

	if (k->inflight > 0)
		k->inflight--;
	if (why != NULL)
		k->st.failed++;
	else if (b != NULL && b->missing)
		k->st.restored++;
	else
		k->st.reapplied++;
	if (b == NULL)
		return;
	(void)ar_table_set_kernel(
	    k->o.table, key->cmd, &key->a, now_ms(k), why != NULL);
	if (why == NULL && k->o.applied != NULL)
		k->o.applied(key->cmd, &key->a, k->o.ctx);
}

/* Whether a block of any nftables command holds a. */
static bool
nft_wanted(const struct ar_kcheck *k, const struct arx_addr *a)
{
	for (unsigned c = 0; c < k->o.ncommands; c++)
		if (k->o.backends[c] == AR_BACKEND_NFT &&
		    ar_table_find(k->o.table, c, a) != NULL)
			return true;
	return false;
}

static void
lift_done(void *op, const char *why, void *ctx)
{
	(void)op;
	(void)why;
	(void)ctx;
}

static void
op_drop(void *op)
{
	free(op);
}

static void
nft_restore_done(void *op, const char *why, void *ctx)
{
	struct nft_op *o = op;
	struct ar_kcheck *k = ctx;
	struct ar_nftbatch *nb = ar_runner_nft(k->o.runner);

	restore_end(k, &o->key, why);
	/* Lifted while it was being put back (by a program, which the
	 * batch does not wait for): take it out again. */
	if (why == NULL && nb != NULL && !nft_wanted(k, &o->key.a))
		(void)ar_nftbatch_submit(
		    nb, &k->lift_cl, false, &o->key.a, 0, NULL);
	free(o);
}

/* Put b back into arx's nftables sets. */
static void
restore_nft(struct ar_kcheck *k, const struct ar_block *b)
{
	struct ar_nftbatch *nb = ar_runner_nft(k->o.runner);
	struct nft_op *o = malloc(sizeof(*o));
	uint64_t timeout = k->o.timeout(b, now_ms(k), k->o.ctx);
	struct key key = {b->cmd, b->addr};
	bool missing = b->missing;

	if (o != NULL)
		*o = (struct nft_op){k, key};
	if (o == NULL || nb == NULL ||
	    ar_nftbatch_submit(nb, &k->restore_cl, true, &key.a, timeout, o) !=
		0) {
		free(o);
		k->inflight++;
		restore_end(k, &key, "cannot be submitted");
		return;
	}
	k->inflight++;
	(void)ar_table_set_kernel(k->o.table, key.cmd, &key.a, 0, missing);
}

/* Run the add of the block of key again, if it is still there; true
 * when it runs (and its end will be reported). */
static bool
readd_one(struct ar_kcheck *k, const struct key *key)
{
	const struct ar_block *b = ar_table_find(k->o.table, key->cmd, &key->a);
	bool missing;

	if (b == NULL)
		return false;
	missing = b->missing;
	k->inflight++;
	if (k->o.readd(b, k->o.ctx) != 0) {
		restore_end(k, key, "cannot be submitted");
		return false;
	}
	(void)ar_table_set_kernel(k->o.table, key->cmd, &key->a, 0, missing);
	return true;
}

/*
 * firewall-drop on iptables and ipset sets its chain and jumps up before
 * each add (-C, then -I): two adds of one family at once would both
 * insert the jumps. So the first add of a family in a round runs alone
 * (LEAD_RUNNING) and the others follow once it has ended (LEAD_DONE).
 */
enum {
	LEAD_NONE,
	LEAD_RUNNING,
	LEAD_DONE
};

static bool
is_ipt(const struct ar_kcheck *k, unsigned cmd)
{
	enum ar_backend be = backend_of(k, cmd);

	return be == AR_BACKEND_IPT || be == AR_BACKEND_IPSET;
}

static unsigned *
lead_of(struct ar_kcheck *k, const struct arx_addr *a)
{
	return &k->lead[a->family == ADDR_V6];
}

/* Submit the add of the queue's head if its family may go now. */
static bool
readd_next(struct ar_kcheck *k)
{
	struct key key = k->q[k->qhead];
	unsigned *lead = lead_of(k, &key.a);
	bool first = is_ipt(k, key.cmd) && *lead == LEAD_NONE;

	if (is_ipt(k, key.cmd) && *lead == LEAD_RUNNING)
		return false;
	k->qhead++;
	if (readd_one(k, &key) && first)
		*lead = LEAD_RUNNING;
	return true;
}

static int
queue_put(struct ar_kcheck *k, const struct ar_block *b)
{
	if (k->qn == k->qcap) {
		size_t cap = k->qcap ? 2 * k->qcap : 64;
		struct key *q = realloc(k->q, cap * sizeof(*q));

		if (q == NULL)
			return ARX_ERR_NOMEM;
		k->q = q;
		k->qcap = cap;
	}
	k->q[k->qn++] = (struct key){b->cmd, b->addr};
	return 0;
}

void
ar_kcheck_pump(struct ar_kcheck *k)
{
	if (k == NULL)
		return;
	while (k->qhead < k->qn && ar_runner_room(k->o.runner) > 0 &&
	    readd_next(k))
		;
	if (k->qhead == k->qn)
		k->qhead = k->qn = 0;
}

/* Put b back through its backend; false when it has none. */
static bool
restore_one(struct ar_kcheck *k, const struct ar_block *b)
{
	enum ar_backend be = backend_of(k, b->cmd);

	if (be == AR_BACKEND_NONE)
		return false;
	if (be == AR_BACKEND_NFT) {
		restore_nft(k, b);
		return true;
	}
	if (queue_put(k, b) != 0) {
		k->st.failed++;
		return false;
	}
	return true;
}

void
ar_kcheck_run_done(
    struct ar_kcheck *k, unsigned cmd, const struct arx_addr *a, bool ok)
{
	struct key key = {cmd, *a};

	if (k == NULL)
		return;
	if (is_ipt(k, cmd) && *lead_of(k, a) == LEAD_RUNNING)
		*lead_of(k, a) = LEAD_DONE;
	restore_end(k, &key, ok ? NULL : "its add failed");
}

/* ---- a look ---- */

struct scan {
	struct ar_kcheck *k;
	int64_t at;
	unsigned need; /* listings wanted */
	bool any;      /* a block of a checked backend is active */
	struct buf keys;
};

static void
scan_one(const struct ar_block *b, void *ctx)
{
	struct scan *s = ctx;
	enum ar_backend be = backend_of(s->k, b->cmd);

	if (!ar_backend_checked(be))
		return;
	s->any = true;
	if (ar_kview_comparable(b, s->at))
		s->need |= ar_backend_listings(be, b->addr.family);
}

/* What a look now would need to list (and whether any block is to be
 * looked for at all). */
static unsigned
look_needs(struct ar_kcheck *k, bool *any)
{
	struct scan s = {.k = k, .at = now_ms(k)};

	ar_table_foreach(k->o.table, scan_one, &s);
	*any = s.any;
	return s.need;
}

/* What the round found missing, for its log line. */
struct round {
	size_t n[AR_BACKEND_IPSET + 1], total;
	bool broken;    /* a table, set, chain, rule or jump was gone */
	bool nft_again; /* the nftables set-up goes into the batch */
};

static void
round_log(struct ar_kcheck *k, const struct round *r)
{
	unsigned long held;

	if (!log_limit_pass(&k->round_limit, now_ms(k), &held))
		return;
	log_warn("kernel check: %zu blocks were not in the kernel (nftables "
		 "%zu, iptables %zu, ipset %zu)%s: putting them back%s",
	    r->total, r->n[AR_BACKEND_NFT], r->n[AR_BACKEND_IPT],
	    r->n[AR_BACKEND_IPSET],
	    r->broken ? ", the firewall set-up too" : "",
	    held > 0 ? " (and in rounds not logged since)" : "");
}

static void
compare_one(const struct ar_block *b, void *ctx)
{
	struct scan *s = ctx;
	enum ar_backend be = backend_of(s->k, b->cmd);
	struct key key = {b->cmd, b->addr};
	int held;

	if (!ar_backend_checked(be) || !ar_kview_comparable(b, s->at))
		return;
	held = ar_kview_holds(s->k->view, be, &b->addr);
	if (held == 1 && b->missing)
		(void)buf_append(&s->keys, &key, sizeof(key)); /* came back */
	else if (held == 0)
		(void)buf_append(&s->keys, &key, sizeof(key));
}

/* b, which the look did not find, is marked missing and put back. */
static void
put_back(struct ar_kcheck *k, const struct ar_block *b, struct round *r)
{
	enum ar_backend be = backend_of(k, b->cmd);
	bool whole = ar_kview_whole(k->view, be, &b->addr);
	struct ar_nftbatch *nb;

	r->broken |= !whole;
	r->n[be]++;
	r->total++;
	(void)ar_table_set_kernel(
	    k->o.table, b->cmd, &b->addr, b->kernel_ms, true);
	if (be == AR_BACKEND_NFT && !whole && !r->nft_again &&
	    (nb = ar_runner_nft(k->o.runner)) != NULL) {
		ar_nftbatch_setup_again(nb);
		r->nft_again = true;
	}
	(void)restore_one(k, b);
}

/* The look is over: compare, put back what is missing. */
static void
look_compare(struct ar_kcheck *k)
{
	struct scan s = {.k = k, .at = k->look_ms};
	struct round r = {0};
	const struct key *keys;
	size_t n;

	buf_init(&s.keys, SIZE_MAX / 2);
	ar_table_foreach(k->o.table, compare_one, &s);
	keys = (const struct key *)(const void *)s.keys.data;
	n = s.keys.len / sizeof(*keys);
	for (size_t i = 0; i < n; i++) {
		const struct ar_block *b =
		    ar_table_find(k->o.table, keys[i].cmd, &keys[i].a);

		if (b == NULL)
			continue;
		if (ar_kview_holds(k->view, backend_of(k, b->cmd), &b->addr) ==
		    1)
			(void)ar_table_set_kernel(k->o.table, b->cmd, &b->addr,
			    b->kernel_ms, false); /* it came back */
		else
			put_back(k, b, &r);
	}
	buf_release(&s.keys);
	if (r.total > 0) {
		k->st.rounds++;
		round_log(k, &r);
		ar_kcheck_pump(k);
	}
}

/* After a look of took ms, the next: CHECK_MS after this one began, or,
 * for a look that took more than half of that, three times its length
 * after it ended (listing a set of many thousands costs seconds). */
static uint64_t
next_look_in(uint64_t took)
{
	if (took < CHECK_MS / 2)
		return CHECK_MS - took;
	return 3 * took;
}

static void
look_end(struct ar_kcheck *k)
{
	uint64_t took = clock_mono_ms(k->o.clock) - k->look_mono;

	k->st.looks++;
	look_compare(k);
	timer_in(k, next_look_in(took));
}

static void
look_line(struct exec_job *job, const char *line, size_t len, void *ctx)
{
	struct lctx *c = ctx;

	(void)job;
	ar_kview_line(c->k->view, c->l, line, len);
}

/* Whether a listing read whole; nft's of a table that is gone is. */
static bool
look_ok(enum ar_listing l, const struct exec_result *res)
{
	if (res->timed_out || res->dropped > 0 || !WIFEXITED(res->status))
		return false;
	if (WEXITSTATUS(res->status) == 0)
		return true;
	return l == AR_LIST_NFT && strstr(res->err, NFT_NOTABLE) != NULL;
}

/* Why a listing tells nothing, for the log. */
static const char *
look_why(const struct exec_result *res, char *buf, size_t size)
{
	if (res->timed_out)
		return "no answer in time";
	if (res->dropped > 0)
		return "a line too long";
	if (res->err_len > 0)
		snprintf(
		    buf, size, "%.*s", (int)strcspn(res->err, "\n"), res->err);
	else if (WIFEXITED(res->status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(res->status));
	else
		snprintf(
		    buf, size, "killed by signal %d", WTERMSIG(res->status));
	return buf;
}

static void
look_done(struct exec_job *job, const struct exec_result *res, void *ctx)
{
	struct lctx *c = ctx;
	struct ar_kcheck *k = c->k;
	bool ok = look_ok(c->l, res);
	unsigned long held;
	char buf[256];

	(void)job;
	k->jobs[c->l] = NULL;
	k->taking &= ~(1u << c->l);
	ar_kview_end(k->view, c->l, ok);
	if (!ok && log_limit_pass(&k->fail_limit, now_ms(k), &held))
		log_warn("kernel check: %s cannot list what it holds: %s",
		    k->paths[c->l], look_why(res, buf, sizeof(buf)));
	if (k->taking == 0)
		look_end(k);
}

static void
look_start(struct ar_kcheck *k, unsigned need)
{
	ar_kview_reset(k->view);
	k->lead[0] = k->lead[1] = LEAD_NONE;
	k->look_ms = now_ms(k);
	k->look_mono = clock_mono_ms(k->o.clock);
	for (unsigned l = 0; l < AR_NLISTINGS; l++) {
		struct exec_spec spec = {.path = k->paths[l],
		    .argv = listings[l].argv,
		    .timeout_ms = LIST_MS,
		    .on_line = look_line,
		    .on_done = look_done,
		    .ctx = &k->lctx[l]};

		if (!(need & 1u << l))
			continue;
		if (exec_start(k->o.loop, &spec, &k->jobs[l]) != 0) {
			k->jobs[l] = NULL;
			ar_kview_end(k->view, l, false);
			continue;
		}
		exec_close_stdin(k->jobs[l]);
		k->taking |= 1u << l;
	}
	if (k->taking == 0)
		look_end(k);
}

static void
on_timer(struct evloop *loop, struct evtimer *t)
{
	struct ar_kcheck *k = t->ctx;
	unsigned need;
	bool any;

	(void)loop;
	if (k->taking != 0 || k->inflight > 0 || k->qhead < k->qn) {
		timer_in(k, CHECK_MS); /* the last round is not over */
		return;
	}
	need = look_needs(k, &any);
	if (!any)
		return; /* nothing to look for: idle until a block comes */
	if (need == 0) {
		timer_in(k, CHECK_MS);
		return;
	}
	look_start(k, need);
}

/* ---- the rest of the API ---- */

struct ar_kcheck *
ar_kcheck_new(const struct ar_kcheck_opts *o)
{
	struct ar_kcheck *k = calloc(1, sizeof(*k));

	if (k == NULL || (k->view = ar_kview_new()) == NULL) {
		free(k);
		return NULL;
	}
	k->o = *o;
	evtimer_init(&k->timer, on_timer, k);
	for (unsigned l = 0; l < AR_NLISTINGS; l++) {
		k->lctx[l] = (struct lctx){k, l};
		snprintf(k->paths[l], sizeof(k->paths[l]), "%s/%s",
		    o->tools_dir != NULL ? o->tools_dir : "/usr/sbin",
		    listings[l].name);
	}
	k->restore_cl =
	    (struct ar_nftbatch_client){nft_restore_done, op_drop, k};
	k->lift_cl = (struct ar_nftbatch_client){lift_done, op_drop, k};
	k->round_limit =
	    (struct log_limit)LOG_LIMIT_INIT(LOG_BURST, LOG_PERIOD);
	k->fail_limit = (struct log_limit)LOG_LIMIT_INIT(LOG_BURST, LOG_PERIOD);
	return k;
}

void
ar_kcheck_free(struct ar_kcheck *k)
{
	if (k == NULL)
		return;
	evloop_timer_stop(k->o.loop, &k->timer);
	for (unsigned l = 0; l < AR_NLISTINGS; l++)
		if (k->jobs[l] != NULL)
			exec_abandon(k->jobs[l]);
	ar_kview_free(k->view);
	free(k->q);
	free(k);
}

void
ar_kcheck_arm(struct ar_kcheck *k)
{
	if (k != NULL && !k->timer.active && k->taking == 0)
		timer_in(k, CHECK_MS);
}

static void
collect_key(const struct ar_block *b, void *ctx)
{
	struct key key = {b->cmd, b->addr};

	(void)buf_append(ctx, &key, sizeof(key));
}

size_t
ar_kcheck_restore_all(struct ar_kcheck *k)
{
	struct buf keys;
	const struct key *v;
	size_t n, done = 0;

	buf_init(&keys, SIZE_MAX / 2);
	k->lead[0] = k->lead[1] = LEAD_NONE;
	ar_table_foreach(k->o.table, collect_key, &keys);
	v = (const struct key *)(const void *)keys.data;
	n = keys.len / sizeof(*v);
	for (size_t i = 0; i < n; i++) {
		const struct ar_block *b =
		    ar_table_find(k->o.table, v[i].cmd, &v[i].a);

		if (b != NULL && b->expires_ms > now_ms(k))
			done += restore_one(k, b);
	}
	buf_release(&keys);
	ar_kcheck_pump(k);
	ar_kcheck_arm(k);
	return done;
}

size_t
ar_kcheck_restoring(const struct ar_kcheck *k)
{
	return k != NULL ? k->inflight + (k->qn - k->qhead) : 0;
}

void
ar_kcheck_stats(const struct ar_kcheck *k, struct ar_kcheck_stats *st)
{
	if (k == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = k->st;
}
