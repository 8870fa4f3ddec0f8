/*
 * Implementation of corr.h.
 *
 * One small map type (core/lru.h) serves everything here: string keys,
 * least recently used first out at a cap, and counted. Events remembered for correlation
 * are reference-counted records shared by every bucket that holds them,
 * so "consumed" marks are seen by every rule, as in Wazuh.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/lru.h"
#include "engine/corr.h"
#include "engine/decoder.h"
#include "engine/rule.h"

/* One remembered event. */
struct crec {
	int refs;
	int64_t t;
	int matched;
	const char *type;
	char *full_log, *log;
	char *vals[CF_NFIELDS];
	size_t ndyn;
	char **dyn_names, **dyn_vals;
};

struct bucket {
	struct crec **ring;
	size_t start, n, cap;
};

struct corr {
	const struct rule_set *rs;
	struct lru_map *buckets; /* per rule index, lazily */
	struct lru_map *ignores; /* per rule index, lazily */
	unsigned long *fired;    /* per rule index */
	struct lru_map fts;
	struct crec **recent; /* ring for if_matched_regex */
	size_t recent_start, nrecent;
	const char *last[CORR_MAX_LAST];
	size_t nlast;
	struct corr_stats st;
	struct session_table sessions;
};

static const int corr_to_event[CF_NFIELDS] = {
    [CF_SRCIP] = EF_SRCIP,
    [CF_DSTIP] = EF_DSTIP,
    [CF_SRCPORT] = EF_SRCPORT,
    [CF_DSTPORT] = EF_DSTPORT,
    [CF_PROTOCOL] = EF_PROTOCOL,
    [CF_ACTION] = EF_ACTION,
    [CF_ID] = EF_ID,
    [CF_URL] = EF_URL,
    [CF_DATA] = EF_DATA,
    [CF_EXTRA_DATA] = EF_EXTRA_DATA,
    [CF_STATUS] = EF_STATUS,
    [CF_SYSTEM_NAME] = EF_SYSTEM_NAME,
    [CF_SRCUSER] = EF_SRCUSER,
    [CF_DSTUSER] = EF_DSTUSER,
    [CF_LOCATION] = -1,
    [CF_SRCGEOIP] = -2,
    [CF_DSTGEOIP] = -3,
};

int
corr_field_parse(const char *s)
{
	static const struct {
		const char *name;
		int f;
	} names[] = {
	    {"source_ip", CF_SRCIP},
	    {"srcip", CF_SRCIP},
	    {"dstip", CF_DSTIP},
	    {"src_port", CF_SRCPORT},
	    {"srcport", CF_SRCPORT},
	    {"dst_port", CF_DSTPORT},
	    {"dstport", CF_DSTPORT},
	    {"protocol", CF_PROTOCOL},
	    {"action", CF_ACTION},
	    {"id", CF_ID},
	    {"url", CF_URL},
	    {"data", CF_DATA},
	    {"extra_data", CF_EXTRA_DATA},
	    {"status", CF_STATUS},
	    {"system_name", CF_SYSTEM_NAME},
	    {"srcuser", CF_SRCUSER},
	    {"user", CF_DSTUSER},
	    {"location", CF_LOCATION},
	    {"srcgeoip", CF_SRCGEOIP},
	    {"dstgeoip", CF_DSTGEOIP},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, s) == 0)
			return names[i].f;
	return -1;
}

static void
crec_unref(struct crec *r)
{
	if (r != NULL && --r->refs <= 0)
		free(r);
}

static void
bucket_free(void *p)
{
	struct bucket *b = p;
	size_t i;

	for (i = 0; i < b->n; i++)
		crec_unref(b->ring[(b->start + i) % b->cap]);
	free(b->ring);
	free(b);
}

/* Value of correlation field f for an event (location: ev->location). */
static struct span
ev_corr_value(const struct event *ev, int f)
{
	struct span v = {NULL, 0};

	if (f == CF_LOCATION) {
		v.p = ev->location;
		v.len = strlen(ev->location);
	} else if (corr_to_event[f] >= 0)
		v = ev->fields[corr_to_event[f]];
	else
		v = event_get(ev, f == CF_SRCGEOIP ? "srcgeoip" : "dstgeoip");
	return v;
}

/* Append one value to a bucket key; false if the value is unset. */
static bool
key_add(char *key, size_t *k, size_t size, struct span v)
{
	if (!span_is_set(v) || v.len + 1 > size - *k)
		return false;
	memcpy(key + *k, v.p, v.len);
	*k += v.len;
	key[(*k)++] = '\x1f';
	return true;
}

/* The bucket key of r for ev: its same_* values (and the agent). */
static bool
bucket_key(const struct rule *r, const struct event *ev, char *key, size_t size,
    size_t *len)
{
	struct span agent = {"000", 3};
	size_t i;

	*len = 0;
	if (!r->global_frequency && !key_add(key, len, size, agent))
		return false;
	for (i = 0; i < CF_NFIELDS; i++)
		if ((r->same_mask >> i & 1) &&
		    !key_add(key, len, size, ev_corr_value(ev, (int)i)))
			return false;
	for (i = 0; i < r->nsame_fields; i++)
		if (!key_add(key, len, size, event_get(ev, r->same_fields[i])))
			return false;
	return true;
}

static const char *
rec_dyn(const struct crec *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ndyn; i++)
		if (strcasecmp(c->dyn_names[i], name) == 0)
			return c->dyn_vals[i];
	return NULL;
}

static bool
span_eq(struct span v, const char *s)
{
	return span_is_set(v) && s != NULL && strlen(s) == v.len &&
	    memcmp(s, v.p, v.len) == 0;
}

/* different_*: an earlier event with an equal value does not count. */
static bool
rec_differs(const struct rule *r, const struct crec *c, const struct event *ev)
{
	size_t i;

	for (i = 0; i < CF_NFIELDS; i++)
		if ((r->different_mask >> i & 1) &&
		    span_eq(ev_corr_value(ev, (int)i), c->vals[i]))
			return false;
	for (i = 0; i < r->ndifferent_fields; i++)
		if (span_eq(event_get(ev, r->different_fields[i]),
			rec_dyn(c, r->different_fields[i])))
			return false;
	return true;
}

/* same_* for the unkeyed (if_matched_regex) search. */
static bool
rec_same(const struct rule *r, const struct crec *c, const struct event *ev)
{
	size_t i;

	for (i = 0; i < CF_NFIELDS; i++)
		if ((r->same_mask >> i & 1) &&
		    !span_eq(ev_corr_value(ev, (int)i), c->vals[i]))
			return false;
	for (i = 0; i < r->nsame_fields; i++)
		if (!span_eq(event_get(ev, r->same_fields[i]),
			rec_dyn(c, r->same_fields[i])))
			return false;
	return true;
}

/* Wazuh's count: the rule needs F-1 earlier events (1 without F). */
struct count {
	struct corr *c;
	const struct rule *r;
	struct event *ev;
	int64_t now_ms;
	unsigned need, n;
	struct crec *first;
	int verdict; /* 0 going on, 1 matched, -1 stopped */
};

static void
count_rec(struct count *k, struct crec *rec)
{
	const struct rule *r = k->r;

	if (k->now_ms - rec->t > (int64_t)r->timeframe * 1000) {
		k->verdict = -1;
		return;
	}
	if (!rec_differs(r, rec, k->ev))
		return;
	if (rec->matched >= r->level) {
		k->verdict = -1; /* already counted by a firing */
		return;
	}
	if (k->c->nlast < CORR_MAX_LAST &&
	    (k->c->last[k->c->nlast] =
		    arena_strdup(&k->ev->arena, rec->full_log)) != NULL)
		k->c->nlast++;
	if (++k->n < k->need) {
		if (k->first == NULL)
			k->first = rec;
		return;
	}
	k->ev->consumed_level = r->level;
	if (k->first != NULL)
		k->first->matched = r->level;
	k->verdict = 1;
}

static bool
search_bucket(struct count *k)
{
	char key[4096];
	struct lru_node *x;
	struct bucket *b;
	size_t len, i;

	if (k->c->buckets[k->r->index].max == 0 ||
	    !bucket_key(k->r, k->ev, key, sizeof(key), &len) ||
	    (x = lru_get(&k->c->buckets[k->r->index], key, len)) == NULL)
		return false;
	b = x->val;
	for (i = b->n; i > 0 && k->verdict == 0; i--)
		count_rec(k, b->ring[(b->start + i - 1) % b->cap]);
	return k->verdict == 1;
}

static bool
search_recent(struct count *k, struct pattern_scratch *sc)
{
	const struct rule *r = k->r;
	const char *type = decoder_event_type(k->ev);
	struct crec *rec;
	size_t i;

	for (i = k->c->nrecent; i > 0 && k->verdict == 0; i--) {
		rec = k->c->recent[(k->c->recent_start + i - 1) %
		    CORR_MAX_RECENT];
		if (k->now_ms - rec->t > (int64_t)r->timeframe * 1000)
			break;
		if (strcmp(rec->type, type) != 0 || !rec_same(r, rec, k->ev) ||
		    !pattern_match(&r->if_matched_regex, rec->log,
			strlen(rec->log), NULL, sc))
			continue;
		count_rec(k, rec);
	}
	return k->verdict == 1;
}

bool
corr_search(struct corr *c, const struct rule *r, struct event *ev,
    int64_t now_ms, struct pattern_scratch *scratch)
{
	struct count k = {c, r, ev, now_ms, 1, 0, NULL, 0};

	c->nlast = 0;
	if (r->frequency > 2)
		k.need = r->frequency - 1;
	if (r->if_matched_sid == 0 && r->if_matched_group.type == PAT_NONE)
		return search_recent(&k, scratch);
	return search_bucket(&k);
}

size_t
corr_last_events(const struct corr *c, const char *const **logs)
{
	*logs = c->last;
	return c->nlast;
}

/* What an event's record will hold, gathered once: the values of the
 * correlation fields and of the dynamic fields its watchers compare. */
#define REC_DYN_MAX 32 /* more are looked up again while copying */

struct rec_plan {
	struct span vals[CF_NFIELDS];
	struct span dyn_vals[REC_DYN_MAX];
	const char *dyn_names[REC_DYN_MAX];
	size_t ndyn, bytes;
};

/* The names of the dynamic fields r's watchers compare, one by one. */
struct dyn_iter {
	const struct rule *r;
	size_t w, i;
};

static const char *
dyn_next(struct dyn_iter *it)
{
	const struct rule *wr;
	size_t i;

	for (; it->w < it->r->nwatchers; it->w++, it->i = 0) {
		wr = it->r->watchers[it->w];
		if ((i = it->i++) < wr->nsame_fields)
			return wr->same_fields[i];
		if (i < wr->nsame_fields + wr->ndifferent_fields)
			return wr->different_fields[i - wr->nsame_fields];
	}
	return NULL;
}

static void
plan_dyn(struct rec_plan *pl, const struct rule *r, const struct event *ev)
{
	struct dyn_iter it = {r, 0, 0};
	const char *name;
	struct span v;

	while ((name = dyn_next(&it)) != NULL) {
		if (!span_is_set(v = event_get(ev, name)))
			continue;
		if (pl->ndyn < REC_DYN_MAX) {
			pl->dyn_vals[pl->ndyn] = v;
			pl->dyn_names[pl->ndyn] = name;
		}
		pl->bytes += v.len + strlen(name) + 2;
		pl->ndyn++;
	}
}

static void
plan_rec(struct rec_plan *pl, const struct rule *r, const struct event *ev)
{
	size_t i;

	pl->ndyn = 0;
	pl->bytes = ev->full_len + ev->log_len + 2;
	for (i = 0; i < CF_NFIELDS; i++) {
		pl->vals[i] = ev_corr_value(ev, (int)i);
		if (span_is_set(pl->vals[i]))
			pl->bytes += pl->vals[i].len + 1;
	}
	plan_dyn(pl, r, ev);
}

static char *
put_str(char **at, const char *p, size_t len)
{
	char *s = *at;

	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	*at += len + 1;
	return s;
}

/* The dynamic values past the plan's cache, looked up again. */
static void
copy_dyn_rest(
    struct crec *rec, char **at, const struct rule *r, const struct event *ev)
{
	struct dyn_iter it = {r, 0, 0};
	const char *name;
	struct span v;
	size_t k = 0;

	while ((name = dyn_next(&it)) != NULL) {
		if (!span_is_set(v = event_get(ev, name)) || k++ < REC_DYN_MAX)
			continue;
		rec->dyn_vals[k - 1] = put_str(at, v.p, v.len);
		rec->dyn_names[k - 1] = put_str(at, name, strlen(name));
	}
}

/* A record is one block: the struct, its dynamic-field arrays and every
 * string it holds, so remembering an event is one malloc and one free. */
static struct crec *
rec_new(const struct rule *r, const struct event *ev, int64_t now_ms)
{
	struct rec_plan pl;
	struct crec *rec;
	size_t head, i;
	char *at;

	plan_rec(&pl, r, ev);
	head = sizeof(*rec) + 2 * pl.ndyn * sizeof(char *);
	if ((rec = malloc(head + pl.bytes)) == NULL)
		return NULL;
	memset(rec, 0, sizeof(*rec));
	rec->dyn_names = (char **)(rec + 1);
	rec->dyn_vals = rec->dyn_names + pl.ndyn;
	at = (char *)rec + head;
	rec->full_log = put_str(&at, ev->full_log, ev->full_len);
	rec->log = put_str(&at, ev->log, ev->log_len);
	for (i = 0; i < CF_NFIELDS; i++)
		if (span_is_set(pl.vals[i]))
			rec->vals[i] =
			    put_str(&at, pl.vals[i].p, pl.vals[i].len);
	for (i = 0; i < pl.ndyn && i < REC_DYN_MAX; i++) {
		rec->dyn_vals[i] =
		    put_str(&at, pl.dyn_vals[i].p, pl.dyn_vals[i].len);
		rec->dyn_names[i] =
		    put_str(&at, pl.dyn_names[i], strlen(pl.dyn_names[i]));
	}
	rec->ndyn = pl.ndyn;
	if (pl.ndyn > REC_DYN_MAX)
		copy_dyn_rest(rec, &at, r, ev);
	rec->t = now_ms;
	rec->matched = ev->consumed_level;
	rec->type = decoder_event_type(ev);
	return rec;
}

static void
bucket_add(
    struct corr *c, const struct rule *w, struct bucket *b, struct crec *rec)
{
	struct crec *old;
	size_t cap;

	/* Drop what w can no longer count: too old, or over the bound. */
	while (b->n > 0 &&
	    ((old = b->ring[b->start]),
		rec->t - old->t > (int64_t)w->timeframe * 1000 ||
		    b->n >= CORR_MAX_PER_BUCKET)) {
		if (b->n >= CORR_MAX_PER_BUCKET)
			c->st.evicted_events++;
		crec_unref(old);
		b->start = (b->start + 1) % b->cap;
		b->n--;
	}
	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 8;
		struct crec **ring = malloc(cap * sizeof(*ring));
		if (ring == NULL)
			return;
		for (size_t i = 0; i < b->n; i++)
			ring[i] = b->ring[(b->start + i) % b->cap];
		free(b->ring);
		b->ring = ring;
		b->cap = cap;
		b->start = 0;
	}
	b->ring[(b->start + b->n++) % b->cap] = rec;
	rec->refs++;
}

/* The newest event a bucket holds, or NULL. */
static const struct crec *
bucket_newest(const struct bucket *b)
{
	return b != NULL && b->n > 0 ? b->ring[(b->start + b->n - 1) % b->cap]
				     : NULL;
}

/*
 * Forget, least recently used first, at most two buckets of w whose
 * newest event has left w's window: none of their events can count any
 * more, and an attacker who went quiet would otherwise keep them for
 * good. Two per store keeps the work constant and the maps small.
 */
static void
prune_idle(const struct rule *w, struct lru_map *m, int64_t now_ms)
{
	const struct crec *last;
	int k;

	for (k = 0; k < 2 && m->oldest != NULL; k++) {
		last = bucket_newest(m->oldest->val);
		if (last != NULL &&
		    now_ms - last->t <= (int64_t)w->timeframe * 1000)
			return;
		lru_remove(m, m->oldest);
	}
}

static void
store_watcher(struct corr *c, const struct rule *w, const struct event *ev,
    struct crec *rec)
{
	struct lru_map *m = &c->buckets[w->index];
	char key[4096];
	struct lru_node *x;
	unsigned long before;
	bool added;
	size_t len;

	if (!bucket_key(w, ev, key, sizeof(key), &len))
		return;
	if (m->max == 0)
		lru_init(m, CORR_MAX_BUCKETS, bucket_free);
	before = m->evicted;
	if ((x = lru_get_or_put(m, key, len, &added)) == NULL)
		return;
	if (added) {
		c->st.evicted_buckets += m->evicted - before;
		if ((x->val = calloc(1, sizeof(struct bucket))) == NULL)
			return;
	}
	bucket_add(c, w, x->val, rec);
	prune_idle(w, m, rec->t);
}

void
corr_store(struct corr *c, const struct rule *r, const struct event *ev,
    int64_t now_ms)
{
	struct crec *rec;
	size_t i;

	if (r->nwatchers == 0 && c->rs->nregex_rules == 0)
		return;
	if ((rec = rec_new(r, ev, now_ms)) == NULL)
		return;
	rec->refs = 1; /* held while storing */
	for (i = 0; i < r->nwatchers; i++)
		store_watcher(c, r->watchers[i], ev, rec);
	if (c->rs->nregex_rules > 0) {
		size_t pos = (c->recent_start + c->nrecent) % CORR_MAX_RECENT;
		if (c->nrecent == CORR_MAX_RECENT) {
			crec_unref(c->recent[c->recent_start]);
			c->recent_start =
			    (c->recent_start + 1) % CORR_MAX_RECENT;
			c->nrecent--;
		}
		c->recent[pos] = rec;
		c->nrecent++;
		rec->refs++;
	}
	c->st.stored++;
	crec_unref(rec);
}

bool
corr_fts_first(struct corr *c, const char *key, size_t len)
{
	unsigned long before = c->fts.evicted;
	bool added;

	if (lru_get_or_put(&c->fts, key, len, &added) != NULL && !added)
		return false;
	c->st.dropped_fts += c->fts.evicted - before;
	return true;
}

unsigned long
corr_fired(struct corr *c, const struct rule *r)
{
	return ++c->fired[r->index];
}

unsigned long
corr_firedtimes(const struct corr *c, const struct rule *r)
{
	return c->fired[r->index];
}

/*
 * Wazuh keeps one window per rule, so a second attacker crossing the
 * threshold inside it goes unalerted (and unblocked). arx keeps one window
 * per source address: the first attacker is still suppressed, the second
 * one fires.
 */
bool
corr_ignored(struct corr *c, const struct rule *r, const struct event *ev,
    int64_t now_ms)
{
	struct lru_map *m = &c->ignores[r->index];
	struct span key = ev->fields[EF_SRCIP];
	struct lru_node *x;

	if (!span_is_set(key))
		key.p = "", key.len = 0;
	if (m->max == 0)
		lru_init(m, CORR_MAX_BUCKETS, NULL);
	if ((x = lru_get(m, key.p, key.len)) != NULL &&
	    now_ms - x->t < (int64_t)r->ignore * 1000)
		return true;
	if (x == NULL && (x = lru_put(m, key.p, key.len)) == NULL)
		return false;
	x->t = now_ms;
	/* Windows that have ended are forgotten, oldest first (x is the
	 * newest now, so it stays). */
	while (m->oldest != x &&
	    now_ms - m->oldest->t >= (int64_t)r->ignore * 1000)
		lru_remove(m, m->oldest);
	return false;
}

struct corr *
corr_new(const struct rule_set *rs)
{
	struct corr *c = calloc(1, sizeof(*c));
	size_t n = rs->nrules ? rs->nrules : 1;

	if (c == NULL)
		return NULL;
	c->rs = rs;
	c->buckets = calloc(n, sizeof(*c->buckets));
	c->ignores = calloc(n, sizeof(*c->ignores));
	c->fired = calloc(n, sizeof(*c->fired));
	c->recent = calloc(CORR_MAX_RECENT, sizeof(*c->recent));
	lru_init(&c->fts, CORR_MAX_FTS, NULL);
	session_table_init(&c->sessions);
	if (c->buckets == NULL || c->ignores == NULL || c->fired == NULL ||
	    c->recent == NULL) {
		corr_free(c);
		return NULL;
	}
	return c;
}

void
corr_reset(struct corr *c)
{
	size_t i;

	for (i = 0; i < c->rs->nrules; i++) {
		lru_release(&c->buckets[i]);
		lru_release(&c->ignores[i]);
		c->buckets[i].max = 0;
		c->ignores[i].max = 0;
		c->fired[i] = 0;
	}
	for (i = 0; i < c->nrecent; i++)
		crec_unref(c->recent[(c->recent_start + i) % CORR_MAX_RECENT]);
	c->nrecent = c->recent_start = 0;
	lru_release(&c->fts);
	lru_init(&c->fts, CORR_MAX_FTS, NULL);
	session_table_release(&c->sessions);
	c->nlast = 0;
}

void
corr_free(struct corr *c)
{
	if (c == NULL)
		return;
	if (c->buckets && c->ignores && c->fired && c->recent)
		corr_reset(c);
	session_table_release(&c->sessions);
	free(c->buckets);
	free(c->ignores);
	free(c->fired);
	free(c->recent);
	free(c);
}

void
corr_get_stats(const struct corr *c, struct corr_stats *st)
{
	size_t i;

	*st = c->st;
	st->buckets = st->ignores = 0;
	for (i = 0; i < c->rs->nrules; i++) {
		st->buckets += c->buckets[i].n;
		st->ignores += c->ignores[i].n;
	}
	st->sessions = c->sessions.map.n;
	st->sessions_evicted = c->sessions.map.evicted;
	st->sessions_filled = c->sessions.filled;
}

struct session_table *
corr_sessions(struct corr *c)
{
	return &c->sessions;
}

void
corr_counters(const struct corr *c, struct counters *rows)
{
	struct corr_stats st;

	corr_get_stats(c, &st);
	(void)counters_add(rows, "correlation_buckets", st.buckets);
	(void)counters_add(rows, "correlation_dropped",
	    st.evicted_buckets + st.evicted_events);
	(void)counters_add(rows, "sessions", st.sessions);
	(void)counters_add(rows, "sessions_dropped", st.sessions_evicted);
	(void)counters_add(rows, "addresses_from_session", st.sessions_filled);
	(void)counters_add(rows, "first_seen_dropped", st.dropped_fts);
}
