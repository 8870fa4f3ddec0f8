/*
 * The kernel view (kview.h): the stock programs' backends by table, and
 * per listing its reading (fw/nft.h, fw/ipt.h), its state and an open
 * hash set of the addresses it showed.
 */
#include <stdlib.h>
#include <string.h>

#include "ar/kview.h"
#include "ar/prog.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/strparse.h"
#include "fw/ipt.h"
#include "fw/nft.h"

/* An open hash set of addresses (family 0: an empty slot). */
struct addrset {
	struct arx_addr *v;
	size_t n, cap;
	bool nomem; /* an address could not be kept: tells nothing */
};

enum {
	NOT_TAKEN,
	TAKING,
	WHOLE,
	FAILED
};

struct ar_kview {
	struct {
		unsigned state;
		struct nft_listing nft; /* AR_LIST_NFT */
		struct ipt_listing ipt; /* the others */
		struct addrset addrs;
	} l[AR_NLISTINGS];
};

static size_t
addr_hash(const struct arx_addr *a)
{
	return (size_t)(hash_bytes(a->bytes, sizeof(a->bytes)) ^ a->family);
}

static struct arx_addr *
set_slot(const struct addrset *s, const struct arx_addr *a)
{
	size_t i = addr_hash(a) & (s->cap - 1);

	while (s->v[i].family != 0 && !addr_equal(&s->v[i], a))
		i = (i + 1) & (s->cap - 1);
	return &s->v[i];
}

static int
set_grow(struct addrset *s)
{
	struct addrset t = {.cap = s->cap ? 2 * s->cap : 256};

	if ((t.v = calloc(t.cap, sizeof(*t.v))) == NULL)
		return ARX_ERR_NOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i].family != 0)
			*set_slot(&t, &s->v[i]) = s->v[i];
	t.n = s->n;
	free(s->v);
	*s = t;
	return 0;
}

static void
set_add(struct addrset *s, const struct arx_addr *a)
{
	struct arx_addr *slot;

	if (2 * (s->n + 1) > s->cap && set_grow(s) != 0) {
		s->nomem = true;
		return;
	}
	slot = set_slot(s, a);
	if (slot->family == 0) {
		*slot = *a;
		s->n++;
	}
}

static bool
set_has(const struct addrset *s, const struct arx_addr *a)
{
	return s->cap > 0 && set_slot(s, a)->family != 0;
}

/* ---- backends ---- */

enum {
	OPT_NONE,
	OPT_BACKEND
};

/* The stock programs, by file name: the backend of their blocks, or
 * OPT_BACKEND: firewall-drop's --backend says. */
static const struct stock {
	const char *name;
	enum ar_backend be;
	unsigned opt;
	bool ranges; /* takes ADDR/LEN (firewall-drop: by its backend) */
} stock[] = {
    {"firewall-drop", AR_BACKEND_NFT, OPT_BACKEND, true},
    {"route-null", AR_BACKEND_PROGRAM, OPT_NONE, true},
    {"host-deny", AR_BACKEND_PROGRAM, OPT_NONE, false},
    {"webhook", AR_BACKEND_NONE, OPT_NONE, true},
    {"abuseipdb", AR_BACKEND_NONE, OPT_NONE, false},
};

static const struct {
	const char *name;
	enum ar_backend be;
} fd_backends[] = {
    {"nftables", AR_BACKEND_NFT},
    {"iptables", AR_BACKEND_IPT},
    {"ipset", AR_BACKEND_IPSET},
};

/* firewall-drop's backend from c's extra args (as the program reads
 * them: ar_prog_option); an unknown one fails every run: a program. */
static enum ar_backend
fd_backend(const struct conf_command *c)
{
	struct ar_prog_request rq;
	char name[32] = "nftables";

	memset(&rq, 0, sizeof(rq));
	if (c->extra_args != NULL)
		str_lcpy(rq.extra, c->extra_args, sizeof(rq.extra));
	(void)ar_prog_option(&rq, "backend", name, sizeof(name));
	for (size_t i = 0; i < sizeof(fd_backends) / sizeof(fd_backends[0]);
	     i++)
		if (strcmp(fd_backends[i].name, name) == 0)
			return fd_backends[i].be;
	return AR_BACKEND_PROGRAM;
}

/* The stock program c runs, or NULL. */
static const struct stock *
stock_of(const struct conf_command *c)
{
	const char *base = strrchr(c->executable, '/');

	base = base != NULL ? base + 1 : c->executable;
	for (size_t i = 0; i < sizeof(stock) / sizeof(stock[0]); i++)
		if (strcmp(stock[i].name, base) == 0)
			return &stock[i];
	return NULL;
}

enum ar_backend
ar_backend_of(const struct conf_command *c)
{
	const struct stock *s;

	if (c->builtin == CONF_BUILTIN_NFTABLES)
		return AR_BACKEND_NFT;
	if ((s = stock_of(c)) == NULL)
		return AR_BACKEND_PROGRAM;
	return s->opt == OPT_BACKEND ? fd_backend(c) : s->be;
}

bool
ar_command_ranges(const struct conf_command *c)
{
	const struct stock *s;

	if (c->builtin == CONF_BUILTIN_NFTABLES)
		return true;
	if ((s = stock_of(c)) == NULL || !s->ranges)
		return false;
	return s->opt != OPT_BACKEND || fd_backend(c) != AR_BACKEND_IPSET;
}

bool
ar_backend_checked(enum ar_backend be)
{
	return be == AR_BACKEND_NFT || be == AR_BACKEND_IPT ||
	    be == AR_BACKEND_IPSET;
}

unsigned
ar_backend_listings(enum ar_backend be, int family)
{
	unsigned ipt = 1u << (family == ADDR_V4 ? AR_LIST_IPT4 : AR_LIST_IPT6);

	switch (be) {
	case AR_BACKEND_NFT:
		return 1u << AR_LIST_NFT;
	case AR_BACKEND_IPT:
		return ipt;
	case AR_BACKEND_IPSET:
		return ipt | 1u << AR_LIST_IPSET;
	default:
		return 0;
	}
}

/* ---- the view ---- */

struct ar_kview *
ar_kview_new(void)
{
	return calloc(1, sizeof(struct ar_kview));
}

void
ar_kview_free(struct ar_kview *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < AR_NLISTINGS; i++)
		free(v->l[i].addrs.v);
	free(v);
}

void
ar_kview_reset(struct ar_kview *v)
{
	for (size_t i = 0; i < AR_NLISTINGS; i++) {
		struct addrset *s = &v->l[i].addrs;

		if (s->cap > 0)
			memset(s->v, 0, s->cap * sizeof(*s->v));
		s->n = 0;
		s->nomem = false;
		memset(&v->l[i].nft, 0, sizeof(v->l[i].nft));
		memset(&v->l[i].ipt, 0, sizeof(v->l[i].ipt));
		v->l[i].state = NOT_TAKEN;
	}
}

static void
on_elem(const struct arx_addr *a, void *ctx)
{
	set_add(ctx, a);
}

void
ar_kview_line(
    struct ar_kview *v, enum ar_listing l, const char *line, size_t len)
{
	struct addrset *s = &v->l[l].addrs;

	v->l[l].state = TAKING;
	if (l == AR_LIST_NFT)
		nft_listing_line(&v->l[l].nft, line, len, on_elem, s);
	else if (l == AR_LIST_IPSET)
		ipset_listing_line(&v->l[l].ipt, line, len, on_elem, s);
	else
		ipt_listing_line(&v->l[l].ipt, line, len, on_elem, s);
}

void
ar_kview_end(struct ar_kview *v, enum ar_listing l, bool ok)
{
	v->l[l].state = ok && !v->l[l].addrs.nomem ? WHOLE : FAILED;
}

/* The iptables chain and its jumps for family (and the set's match). */
static bool
ipt_whole(const struct ar_kview *v, int family, bool set)
{
	unsigned want = IPT_SEEN_CHAIN | IPT_SEEN_INPUT | IPT_SEEN_FORWARD;
	enum ar_listing l = family == ADDR_V4 ? AR_LIST_IPT4 : AR_LIST_IPT6;

	if (set)
		want |= IPT_SEEN_MATCH;
	return (v->l[l].ipt.seen & want) == want;
}

bool
ar_kview_whole(
    const struct ar_kview *v, enum ar_backend be, const struct arx_addr *a)
{
	int family = a->family;
	unsigned set = family == ADDR_V4 ? IPT_SEEN_SET4 : IPT_SEEN_SET6;

	switch (be) {
	case AR_BACKEND_NFT:
		return nft_listing_whole(&v->l[AR_LIST_NFT].nft, a);
	case AR_BACKEND_IPT:
		return ipt_whole(v, family, false);
	case AR_BACKEND_IPSET:
		return ipt_whole(v, family, true) &&
		    (v->l[AR_LIST_IPSET].ipt.seen & set) != 0;
	default:
		return false;
	}
}

int
ar_kview_holds(
    const struct ar_kview *v, enum ar_backend be, const struct arx_addr *a)
{
	unsigned need = ar_backend_listings(be, a->family);
	enum ar_listing where = be == AR_BACKEND_NFT ? AR_LIST_NFT
	    : be == AR_BACKEND_IPSET                 ? AR_LIST_IPSET
	    : a->family == ADDR_V4                   ? AR_LIST_IPT4
						     : AR_LIST_IPT6;

	if (need == 0)
		return -1;
	for (size_t i = 0; i < AR_NLISTINGS; i++)
		if ((need & 1u << i) && v->l[i].state != WHOLE)
			return -1;
	if (!ar_kview_whole(v, be, a))
		return 0;
	return set_has(&v->l[where].addrs, a) ? 1 : 0;
}

bool
ar_kview_comparable(const struct ar_block *b, int64_t look_ms)
{
	return b->kernel_ms != 0 && b->kernel_ms <= look_ms;
}
