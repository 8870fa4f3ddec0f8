/*
 * The manager's agent port in a <cluster> (remote_int.h): an agent's
 * HELLO waits for the database's word on where it stands (the last
 * sequence number analysed anywhere in the fleet, the blocks it has not
 * had), its events are acknowledged only once the database has their
 * sequence number (so the next manager it goes to starts after them),
 * and the fleet's blocks reach the connected agents they are for. While
 * the database is away the manager goes on with what it knows: HELLO is
 * answered at once and events are acknowledged as before.
 */
#include "analysis/cluster.h"
#include "analysis/remote_int.h"

#define FLUSH_MS 250u  /* agents' progress to the database */
#define HOLD_MS  5000u /* an agent's events wait this long for its place */

bool
rm_clustered(const struct remote_srv *s)
{
	return s->cl != NULL && cluster_up(s->cl);
}

uint64_t
rm_ackable(const struct remote_srv *s, const struct seen *sn)
{
	return rm_clustered(s) ? sn->db_seq : sn->last_seq;
}

static struct rconn *
conn_of(const struct remote_srv *s, uint64_t serial)
{
	for (struct rconn *c = rm_conn_first(s); c != NULL; c = rm_conn_next(c))
		if (c->hello && c->serial == serial)
			return c;
	return NULL;
}

static uint64_t
remaining(const struct cluster_row *r, int64_t now)
{
	int64_t left = r->deadline_ms - now;

	if (r->deadline_ms >= CLUSTER_NEVER_MS)
		return 0; /* never lifted, as decided */
	return left <= 1000 ? 1 : (uint64_t)((left + 999) / 1000);
}

static void
deliver(struct rconn *c, const struct cluster_row *r, int64_t now)
{
	if (r->deadline_ms <= now)
		return;
	if (rm_response_send(c, r->command, "add", r->address,
		remaining(r, now), r->rule_id, r->alert_id) == 0) {
		c->s->st.responses++;
		log_info("response %s of %s (decided by %s) delivered to "
			 "agent %s",
		    r->command, r->address, r->manager, c->name);
	}
}

/* The database's answer to c's HELLO: its place, then the blocks it has
 * not had; its events go on once the last part is in. */
static void
on_hello_answer(void *ctx, uint64_t tag, const struct cluster_hello *h)
{
	struct remote_srv *s = ctx;
	struct rconn *c = conn_of(s, tag);
	struct seen *sn;
	int64_t now = clock_wall_ms(clock_real());

	if (c == NULL)
		return;
	if (h->ok)
		c->place_known = true;
	if (h->done)
		c->asking = false;
	if (h->ok && (sn = rm_seen_of(s, c->id)) != NULL) {
		if (h->last_seq > sn->last_seq)
			sn->last_seq = h->last_seq;
		if (h->last_seq > sn->db_seq)
			sn->db_seq = sn->db_sent = h->last_seq;
		if (h->last_block > c->cursor)
			c->cursor = c->cursor_sent = h->last_block;
	}
	for (size_t i = 0; i < h->nrows; i++) {
		deliver(c, &h->rows[i], now);
		if (h->rows[i].id > c->cursor)
			c->cursor = h->rows[i].id;
	}
	if (!h->done || s->cl == NULL)
		return; /* more to come, or stopping: it stays held */
	c->held = false;
	chan_resume(c->ch); /* may close c: nothing after */
}

void
rm_cluster_hello(struct rconn *c)
{
	c->place_known = false; /* until the database says it */
	if (!rm_clustered(c->s))
		return; /* asked once it is back (rm_on_flush) */
	c->asking = true;
	c->held = true;
	c->held_ms = clock_mono_ms(clock_real());
	chan_hold(c->ch);
	cluster_hello(c->s->cl, c->id, on_hello_answer, c->s, c->serial);
}

void
remote_cluster_row(const struct cluster_row *r, void *ctx)
{
	struct remote_srv *s = ctx;
	int64_t now = clock_wall_ms(clock_real());

	for (struct rconn *c = rm_conn_first(s); c != NULL;
	     c = rm_conn_next(c)) {
		if (!c->hello || c->held || c->cursor >= r->id)
			continue;
		/* this manager's own went to its agents when decided */
		if (!r->mine && rm_targeted(c, r->target, r->agent))
			deliver(c, r, now);
		c->cursor = r->id;
	}
}

/* The database has an agent's events up to seq (ok), or is away: its
 * connection, if still there, is acknowledged up to it either way. */
static void
on_progress(void *ctx, uint64_t tag, bool ok, uint64_t seq)
{
	struct remote_srv *s = ctx;
	struct rconn *c = conn_of(s, tag);
	struct seen *sn;

	if (c == NULL || (sn = rm_seen_of(s, c->id)) == NULL)
		return;
	c->writing = false;
	if (ok && seq > sn->db_seq)
		sn->db_seq = seq;
	if (c->ch != NULL)
		rm_send_ack(c, seq);
}

/* An agent whose place the database has not given within HOLD_MS goes
 * on with what this manager knows (a database that stopped answering
 * without closing the connection). */
static void
release_late(struct remote_srv *s)
{
	int64_t now = clock_mono_ms(clock_real());
	struct rconn *c, *next;

	for (c = rm_conn_first(s); c != NULL; c = next) {
		next = rm_conn_next(c);
		if (!c->hello || !c->held || now - c->held_ms < HOLD_MS)
			continue;
		log_warn("cluster: no word from the database on agent %s's "
			 "place within %u s; going on with this manager's",
		    c->name, HOLD_MS / 1000);
		c->held = false;
		chan_resume(c->ch); /* may close c */
	}
}

/* Write c's agent's progress when it moved (fn: told when written). The
 * last block it had goes only once the database has said its place (a
 * guess would hide the blocks it missed from every manager). */
static void
progress(struct remote_srv *s, struct rconn *c, cluster_progress_fn *fn)
{
	struct seen *sn = rm_seen_of(s, c->id);
	uint64_t events;

	if (sn == NULL ||
	    (sn->last_seq <= sn->db_sent && c->cursor <= c->cursor_sent))
		return;
	events = sn->events - sn->db_events;
	sn->db_events = sn->events;
	sn->db_sent = sn->last_seq;
	c->cursor_sent = c->cursor;
	c->writing = fn != NULL;
	cluster_progress(s->cl, c->id, sn->last_seq, events,
	    c->place_known ? c->cursor : 0, fn, s, c->serial);
}

/* Each connected agent's progress to the database, four times a second,
 * one write at a time for each; an agent whose place the database has
 * not given (it was away at HELLO) is asked again. While the database
 * is away nothing is queued (one write covers the whole time once it is
 * back) and the agents are acknowledged as a lone manager does
 * (on_check). */
void
rm_on_flush(struct evloop *loop, struct evtimer *t)
{
	struct remote_srv *s = t->ctx;

	release_late(s);
	for (struct rconn *c = rm_conn_first(s); c != NULL && rm_clustered(s);
	     c = rm_conn_next(c)) {
		if (!c->hello || c->held || c->writing)
			continue;
		if (!c->place_known && !c->asking) {
			c->asking = true;
			cluster_hello(
			    s->cl, c->id, on_hello_answer, s, c->serial);
			continue;
		}
		progress(s, c, on_progress);
	}
	(void)evloop_timer_start(loop, t, FLUSH_MS);
}

void
rm_cluster_closed(struct rconn *c)
{
	if (c->hello && rm_clustered(c->s))
		progress(c->s, c, NULL);
}

void
remote_set_cluster(struct remote_srv *s, struct cluster *cl)
{
	s->cl = cl;
	/* what this manager analysed before (remote.state) is in the
	 * database's count already, or lost with a crash: only what comes
	 * from now on is added */
	for (size_t i = 0; i < s->nseen; i++)
		s->seen[i].db_events = s->seen[i].events;
	if (cl != NULL)
		(void)evloop_timer_start(s->loop, &s->flush, FLUSH_MS);
}
