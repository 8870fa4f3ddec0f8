/*
 * Blocklist subscriptions on the root side (blocklist.h): each list's
 * entries as received, as wanted and as the kernel holds them, the
 * nftables script that takes the kernel from one to the other, and the
 * lists' counters. Owns every vector here and its nftables applier.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ar/blocklist.h"
#include "ar/policy.h"
#include "core/err.h"
#include "core/log.h"
#include "fw/nftapply.h"

#define RETRY_MS  30000u /* a refused transaction is tried again */
#define PER_LINE  512u   /* elements in one "add element" line */
#define SET_MAX   (CONF_BLOCKLIST_NAME_MAX + 4)
#define LISTS_MAX CONF_BLOCKLISTS_MAX

struct avec {
	struct arx_addr *v;
	size_t n, cap;
};

struct bl_list {
	char name[CONF_BLOCKLIST_NAME_MAX + 1];
	char set[SET_MAX];       /* name with '-' as '_' */
	unsigned max_entries;    /* of the list as received */
	struct avec have;        /* in the kernel (sorted, unique) */
	struct avec want;        /* the last list received, checked */
	struct avec next;        /* being received */
	struct avec fly;         /* what the running transaction sets */
	size_t fly_add, fly_del; /* its changes, counted when it applied */
	bool receiving, dirty, full, flying;
	uint64_t added, removed, failed;        /* since arxd started */
	uint64_t whitelisted, refused, covered; /* of the last list */
};

struct ar_lists {
	struct evloop *loop;
	struct nft_applier *ap;
	const struct arx_conf *conf;
	struct bl_list *list[LISTS_MAX];
	size_t n;
	char gone[LISTS_MAX][SET_MAX]; /* sets to delete */
	size_t ngone, ngone_fly;
	struct buf script;
	struct evtimer retry;
};

static void lists_pump(struct ar_lists *l);

/* ---- vectors of addresses ---- */

static int
avec_push(struct avec *v, const struct arx_addr *a)
{
	struct arx_addr *nv;
	size_t cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 256;
		if ((nv = realloc(v->v, cap * sizeof(*nv))) == NULL)
			return ARX_ERR_NOMEM;
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = *a;
	return 0;
}

static void
avec_free(struct avec *v)
{
	free(v->v);
	*v = (struct avec){0};
}

static int
avec_copy(struct avec *dst, const struct avec *src)
{
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		if (avec_push(dst, &src->v[i]) != 0)
			return ARX_ERR_NOMEM;
	return 0;
}

static void
avec_swap(struct avec *a, struct avec *b)
{
	struct avec t = *a;

	*a = *b;
	*b = t;
}

/* By family, first address, then the wider network first, so that an
 * entry inside another comes right after the one that holds it. */
static int
addr_cmp(const void *pa, const void *pb)
{
	const struct arx_addr *a = pa, *b = pb;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((c = memcmp(a->bytes, b->bytes, sizeof(a->bytes))) != 0)
		return c;
	return (int)addr_prefix(a) - (int)addr_prefix(b);
}

/* Sort v and drop the entries inside an entry kept before them
 * (networks nest or do not meet); how many were dropped. */
static size_t
avec_settle(struct avec *v)
{
	size_t k = 0;

	if (v->n == 0)
		return 0;
	qsort(v->v, v->n, sizeof(*v->v), addr_cmp);
	for (size_t i = 1; i < v->n; i++)
		if (!addr_overlaps(&v->v[k], &v->v[i]))
			v->v[++k] = v->v[i];
	k++;
	{
		size_t dropped = v->n - k;

		v->n = k;
		return dropped;
	}
}

/* ---- the lists ---- */

static struct bl_list *
list_find(struct ar_lists *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->list[i]->name, name) == 0)
			return l->list[i];
	return NULL;
}

static void
list_free(struct bl_list *b)
{
	if (b == NULL)
		return;
	avec_free(&b->have);
	avec_free(&b->want);
	avec_free(&b->next);
	avec_free(&b->fly);
	free(b);
}

static struct bl_list *
list_new(const struct conf_blocklist *cb)
{
	struct bl_list *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	snprintf(b->name, sizeof(b->name), "%s", cb->name);
	snprintf(b->set, sizeof(b->set), "%s", cb->name);
	for (char *p = b->set; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	b->full = true; /* the sets may hold a former run's entries */
	return b;
}

static void
on_retry(struct evloop *loop, struct evtimer *t)
{
	struct ar_lists *l = t->ctx;

	(void)loop;
	for (size_t i = 0; i < l->n; i++)
		if (l->list[i]->full && l->list[i]->failed > 0)
			l->list[i]->dirty = true;
	lists_pump(l);
}

static void on_applied(const char *why, void *ctx);

struct ar_lists *
ar_lists_new(struct evloop *loop)
{
	struct ar_lists *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->loop = loop;
	buf_init(&l->script, 64u << 20);
	evtimer_init(&l->retry, on_retry, l);
	return l;
}

void
ar_lists_free(struct ar_lists *l)
{
	if (l == NULL)
		return;
	evloop_timer_stop(l->loop, &l->retry);
	nft_applier_free(l->ap);
	for (size_t i = 0; i < l->n; i++)
		list_free(l->list[i]);
	buf_release(&l->script);
	free(l);
}

/* The lists of conf, those kept by name with their entries; the sets
 * of the others are deleted by the next transaction. */
int
ar_lists_configure(struct ar_lists *l, const struct arx_conf *conf)
{
	struct bl_list *keep[LISTS_MAX] = {0}, *b;
	size_t n =
	    conf->nblocklists < LISTS_MAX ? conf->nblocklists : LISTS_MAX;

	for (size_t i = 0; i < n; i++) {
		b = list_find(l, conf->blocklists[i].name);
		if (b == NULL && (b = list_new(&conf->blocklists[i])) == NULL)
			goto nomem;
		b->max_entries = conf->blocklists[i].max_entries;
		b->receiving = false;
		keep[i] = b; /* a new list's sets are made when it comes */
	}
	for (size_t i = 0; i < l->n; i++) {
		bool kept = false;

		for (size_t k = 0; k < n; k++)
			kept = kept || keep[k] == l->list[i];
		if (kept)
			continue;
		if (l->ngone < LISTS_MAX)
			snprintf(l->gone[l->ngone++], SET_MAX, "%s",
			    l->list[i]->set);
		list_free(l->list[i]);
	}
	memcpy(l->list, keep, sizeof(keep));
	l->n = n;
	l->conf = conf;
	lists_pump(l);
	return 0;
nomem:
	for (size_t i = 0; i < n; i++)
		if (keep[i] != NULL && list_find(l, keep[i]->name) == NULL)
			list_free(keep[i]);
	return ARX_ERR_NOMEM;
}

static struct bl_list *
list_at(struct ar_lists *l, size_t idx, const char *name)
{
	struct bl_list *b;

	if (l->conf == NULL || idx >= l->n)
		return NULL;
	b = l->list[idx];
	return name == NULL || strcmp(b->name, name) == 0 ? b : NULL;
}

const char *
ar_lists_begin(struct ar_lists *l, size_t idx, const char *name, bool first)
{
	struct bl_list *b = list_at(l, idx, name);

	if (b == NULL)
		return "blocklist: no such list";
	if (first) {
		b->next.n = 0;
		b->receiving = true;
		b->whitelisted = b->refused = 0;
	}
	return b->receiving ? NULL : "blocklist: a part without its first";
}

/* An entry as the root side takes it: parsed again here; a white-listed
 * or special address (loopback, multicast, ...) is counted, not kept. */
const char *
ar_lists_entry(struct ar_lists *l, size_t idx, const char *text)
{
	struct bl_list *b = list_at(l, idx, NULL);
	struct arx_addr a;

	if (b == NULL || !b->receiving)
		return "blocklist: an entry outside a list";
	if (addr_parse_net_str(text, &a) != 0)
		return "blocklist: an entry is not an address or network";
	if (b->next.n + b->whitelisted + b->refused >= b->max_entries)
		return "blocklist: more entries than <max_entries>";
	if (ar_whitelisted(&l->conf->global.white_list, &a))
		b->whitelisted++;
	else if (addr_kind(&a) != ADDR_UNICAST)
		b->refused++;
	else if (avec_push(&b->next, &a) != 0)
		return "blocklist: out of memory";
	return NULL;
}

const char *
ar_lists_end(struct ar_lists *l, size_t idx, bool last)
{
	struct bl_list *b = list_at(l, idx, NULL);

	if (b == NULL)
		return "blocklist: no such list";
	if (!last)
		return NULL;
	b->receiving = false;
	b->covered = avec_settle(&b->next);
	avec_swap(&b->want, &b->next);
	b->next.n = 0;
	b->dirty = true;
	if (b->whitelisted > 0)
		log_notice("blocklist %s: %" PRIu64 " white-listed entries "
			   "not loaded",
		    b->name, b->whitelisted);
	lists_pump(l);
	return NULL;
}

/* ---- the nftables transaction ---- */

static int
put_setup(struct ar_lists *l, struct buf *s)
{
	static const char *const chains[] = {"input", "forward"};
	int r = buf_puts(s, "add table inet " AR_LISTS_TABLE "\n");

	for (size_t i = 0; r == 0 && i < l->n; i++)
		r = buf_printf(s,
		    "add set inet %s %s_v4 { type ipv4_addr; flags interval; }\n"
		    "add set inet %s %s_v6 { type ipv6_addr; flags interval; }\n",
		    AR_LISTS_TABLE, l->list[i]->set, AR_LISTS_TABLE,
		    l->list[i]->set);
	for (size_t c = 0; r == 0 && c < 2; c++)
		r = buf_printf(s,
		    "add chain inet %s %s { type filter hook %s priority -11; "
		    "policy accept; }\nflush chain inet %s %s\n",
		    AR_LISTS_TABLE, chains[c], chains[c], AR_LISTS_TABLE,
		    chains[c]);
	for (size_t i = 0; r == 0 && i < l->n * 2; i++)
		r = buf_printf(s,
		    "add rule inet %s %s ip saddr @%s_v4 drop\n"
		    "add rule inet %s %s ip6 saddr @%s_v6 drop\n",
		    AR_LISTS_TABLE, chains[i % 2], l->list[i / 2]->set,
		    AR_LISTS_TABLE, chains[i % 2], l->list[i / 2]->set);
	for (size_t g = 0; r == 0 && g < l->ngone; g++)
		r = buf_printf(s,
		    "add set inet %s %s_v4 { type ipv4_addr; flags interval; }\n"
		    "delete set inet %s %s_v4\n"
		    "add set inet %s %s_v6 { type ipv6_addr; flags interval; }\n"
		    "delete set inet %s %s_v6\n",
		    AR_LISTS_TABLE, l->gone[g], AR_LISTS_TABLE, l->gone[g],
		    AR_LISTS_TABLE, l->gone[g], AR_LISTS_TABLE, l->gone[g]);
	return r;
}

/* Lines "VERB element inet arx_lists SET_vF { a, b, ... }" for the
 * entries of v whose bit in pick is set (NULL: all). */
struct elems {
	struct buf *s;
	const char *verb, *set;
	size_t in_line[2];
	int r;
};

static void
elems_put(struct elems *e, const struct arx_addr *a)
{
	char text[64];
	int f = a->family == ADDR_V6;

	if (e->r != 0)
		return;
	addr_format(a, text, sizeof(text));
	if (e->in_line[f] == 0)
		e->r = buf_printf(e->s, "%s element inet %s %s_v%c { %s",
		    e->verb, AR_LISTS_TABLE, e->set, f ? '6' : '4', text);
	else
		e->r = buf_printf(e->s, ", %s", text);
	if (e->r == 0 && ++e->in_line[f] == PER_LINE) {
		e->r = buf_puts(e->s, " }\n");
		e->in_line[f] = 0;
	}
}

/* Lines are per family, so only one may be open at a time: each entry
 * closes the other family's line first. */
static void
elems_add(struct elems *e, const struct arx_addr *a)
{
	int other = a->family == ADDR_V6 ? 0 : 1;

	if (e->r == 0 && e->in_line[other] > 0) {
		e->r = buf_puts(e->s, " }\n");
		e->in_line[other] = 0;
	}
	elems_put(e, a);
}

static int
elems_end(struct elems *e)
{
	for (int f = 0; f < 2 && e->r == 0; f++)
		if (e->in_line[f] > 0) {
			e->r = buf_puts(e->s, " }\n");
			e->in_line[f] = 0;
		}
	return e->r;
}

/* One walk over have and fly (both sorted and unique): what only have
 * holds goes to gone, what only fly holds to new (either may be NULL);
 * the counts are kept as the transaction's changes. */
static void
diff_walk(struct bl_list *b, struct elems *gone, struct elems *new)
{
	const struct avec *h = &b->have, *w = &b->fly;
	size_t i = 0, j = 0;
	int c;

	b->fly_add = b->fly_del = 0;
	while (i < h->n || j < w->n) {
		c = i == h->n   ? 1
		    : j == w->n ? -1
				: addr_cmp(&h->v[i], &w->v[j]);
		if (c < 0 && gone != NULL)
			elems_add(gone, &h->v[i]);
		if (c > 0 && new != NULL)
			elems_add(new, &w->v[j]);
		b->fly_del += c < 0;
		b->fly_add += c > 0;
		i += c <= 0;
		j += c >= 0;
	}
}

/* Deletes of what is gone, then adds of what is new. */
static int
put_diff(struct bl_list *b, struct buf *s)
{
	struct elems del = {s, "delete", b->set, {0, 0}, 0};
	struct elems add = {s, "add", b->set, {0, 0}, 0};

	diff_walk(b, &del, NULL);
	if (elems_end(&del) != 0)
		return del.r;
	diff_walk(b, NULL, &add);
	return elems_end(&add);
}

/* The whole list again: the sets emptied, every entry added. */
static int
put_full(struct bl_list *b, struct buf *s)
{
	struct elems add = {s, "add", b->set, {0, 0}, 0};
	int r =
	    buf_printf(s, "flush set inet %s %s_v4\nflush set inet %s %s_v6\n",
		AR_LISTS_TABLE, b->set, AR_LISTS_TABLE, b->set);

	for (size_t j = 0; r == 0 && j < b->fly.n; j++)
		elems_add(&add, &b->fly.v[j]);
	diff_walk(b, NULL, NULL); /* the changes, counted */
	return r != 0 ? r : elems_end(&add);
}

static int
script_make(struct ar_lists *l)
{
	int r;

	buf_reset(&l->script);
	if ((r = put_setup(l, &l->script)) != 0)
		return r;
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		struct bl_list *b = l->list[i];

		if (!b->dirty)
			continue;
		if ((r = avec_copy(&b->fly, &b->want)) != 0)
			return r;
		r = b->full ? put_full(b, &l->script) : put_diff(b, &l->script);
		b->dirty = false;
		b->flying = true;
	}
	l->ngone_fly = l->ngone;
	return r;
}

static bool
lists_dirty(const struct ar_lists *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->list[i]->dirty && !l->list[i]->receiving)
			return true;
	return l->ngone > 0;
}

static void
lists_pump(struct ar_lists *l)
{
	int r;

	if (!lists_dirty(l) || (l->ap != NULL && nft_applier_busy(l->ap)))
		return;
	if (l->ap == NULL &&
	    (l->ap = nft_applier_new(l->loop, on_applied, l)) == NULL) {
		log_error("blocklists: cannot apply nftables scripts");
		return;
	}
	if ((r = script_make(l)) == 0)
		r = nft_applier_start(l->ap, l->script.data, l->script.len);
	if (r != 0)
		on_applied(arx_strerror(r), l);
}

static void
list_applied(struct bl_list *b, const char *why)
{
	b->flying = false;
	if (why != NULL) {
		b->failed++;
		b->full = true; /* what the kernel holds is not known */
		log_warn("blocklist %s: nftables refused the list: %s", b->name,
		    why);
		return;
	}
	avec_swap(&b->have, &b->fly);
	b->added += b->fly_add;
	b->removed += b->fly_del;
	if (b->fly_add > 0 || b->fly_del > 0 || b->full)
		log_notice("blocklist %s: %zu entries loaded (%zu added, %zu "
			   "removed)",
		    b->name, b->have.n, b->fly_add, b->fly_del);
	b->full = false;
}

static void
on_applied(const char *why, void *ctx)
{
	struct ar_lists *l = ctx;

	for (size_t i = 0; i < l->n; i++)
		if (l->list[i]->flying)
			list_applied(l->list[i], why);
	if (why == NULL) {
		memmove(l->gone, l->gone + l->ngone_fly,
		    (l->ngone - l->ngone_fly) * sizeof(l->gone[0]));
		l->ngone -= l->ngone_fly;
	} else
		(void)evloop_timer_start(l->loop, &l->retry, RETRY_MS);
	l->ngone_fly = 0;
	if (why == NULL)
		lists_pump(l);
}

bool
ar_lists_busy(const struct ar_lists *l)
{
	return l->ap != NULL && nft_applier_busy(l->ap);
}

/* ---- what is shown ---- */

static const struct {
	const char *what;
	size_t off;
	bool counter; /* a uint64_t field; else the entries held */
} shown[] = {
    {"loaded", 0, false},
    {"added", offsetof(struct bl_list, added), true},
    {"removed", offsetof(struct bl_list, removed), true},
    {"whitelisted", offsetof(struct bl_list, whitelisted), true},
    {"refused", offsetof(struct bl_list, refused), true},
    {"covered", offsetof(struct bl_list, covered), true},
    {"failed", offsetof(struct bl_list, failed), true},
};

static uint64_t
shown_value(const struct bl_list *b, size_t k)
{
	if (!shown[k].counter)
		return b->have.n;
	return *(const uint64_t *)((const char *)b + shown[k].off);
}

void
ar_lists_counters(const struct ar_lists *l, struct counters *c)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
			(void)counters_add_l(c,
			    shown[k].counter ? "blocklist_changes"
					     : "blocklist_entries",
			    "list", l->list[i]->name,
			    shown[k].counter ? "change" : NULL,
			    shown[k].counter ? shown[k].what : NULL,
			    shown_value(l->list[i], k));
}

int
ar_lists_status(const struct ar_lists *l, bool json, struct buf *out)
{
	int r = 0;

	if (l == NULL || l->n == 0)
		return 0;
	if (json)
		r = buf_puts(out, ",\"blocklists\":{");
	for (size_t i = 0; r == 0 && i < l->n; i++) {
		const struct bl_list *b = l->list[i];

		r = json
		    ? buf_printf(out, "%s\"%s\":{", i > 0 ? "," : "", b->name)
		    : buf_printf(out, "blocklist %s:", b->name);
		for (size_t k = 0;
		     r == 0 && k < sizeof(shown) / sizeof(shown[0]); k++)
			r = buf_printf(out,
			    json ? "%s\"%s\":%" PRIu64 : "%s %s %" PRIu64,
			    k > 0 ? "," : "", shown[k].what, shown_value(b, k));
		if (r == 0)
			r = buf_puts(out, json ? "}" : "\n");
	}
	return r == 0 && json ? buf_puts(out, "}") : r;
}
