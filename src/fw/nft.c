/*
 * nftables scripts for firewall-drop and builtin:nftables, and the
 * reading of a listing of their table (see nft.h).
 */
#include <inttypes.h>
#include <string.h>

#include "core/err.h"
#include "fw/nft.h"

static const char setup[] =
    "add table inet " NFT_TABLE "\n"
    "add set inet " NFT_TABLE " block4 { type ipv4_addr; flags timeout; }\n"
    "add set inet " NFT_TABLE " block6 { type ipv6_addr; flags timeout; }\n"
    "add set inet " NFT_TABLE
    " net4 { type ipv4_addr; flags interval, timeout; }\n"
    "add set inet " NFT_TABLE
    " net6 { type ipv6_addr; flags interval, timeout; }\n"
    "add chain inet " NFT_TABLE
    " input { type filter hook input priority -10; policy accept; }\n"
    "add chain inet " NFT_TABLE
    " forward { type filter hook forward priority -10; policy accept; }\n"
    "flush chain inet " NFT_TABLE " input\n"
    "flush chain inet " NFT_TABLE " forward\n"
    "add rule inet " NFT_TABLE " input ip saddr @block4 drop\n"
    "add rule inet " NFT_TABLE " input ip6 saddr @block6 drop\n"
    "add rule inet " NFT_TABLE " forward ip saddr @block4 drop\n"
    "add rule inet " NFT_TABLE " forward ip6 saddr @block6 drop\n"
    "add rule inet " NFT_TABLE " input ip saddr @net4 drop\n"
    "add rule inet " NFT_TABLE " input ip6 saddr @net6 drop\n"
    "add rule inet " NFT_TABLE " forward ip saddr @net4 drop\n"
    "add rule inet " NFT_TABLE " forward ip6 saddr @net6 drop\n";

int
nft_script_setup(struct buf *out)
{
	return buf_puts(out, setup);
}

/* One address goes in block4 or block6, a network in the interval set
 * net4 or net6 (a set of single addresses cannot hold one). */
static const char *
set_of(const struct arx_addr *a)
{
	if (a->plen != 0)
		return a->family == ADDR_V4 ? "net4" : "net6";
	return a->family == ADDR_V4 ? "block4" : "block6";
}

/* "add element" of a without timeout makes sure a "delete" that follows
 * in the same transaction finds it. */
static int
ensure(struct buf *out, const struct arx_addr *a, const char *text)
{
	int r = buf_printf(
	    out, "add element inet %s %s { %s }\n", NFT_TABLE, set_of(a), text);

	return r != 0 ? r
		      : buf_printf(out, "delete element inet %s %s { %s }\n",
			    NFT_TABLE, set_of(a), text);
}

/* "<verb> element" of a, with its timeout unless timeout_s is 0. */
static int
element(struct buf *out, const char *verb, const struct arx_addr *a,
    uint64_t timeout_s)
{
	char text[64];

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	if (timeout_s == 0)
		return buf_printf(out, "%s element inet %s %s { %s }\n", verb,
		    NFT_TABLE, set_of(a), text);
	return buf_printf(out,
	    "%s element inet %s %s { %s timeout %" PRIu64 "s }\n", verb,
	    NFT_TABLE, set_of(a), text, timeout_s);
}

int
nft_script_add(struct buf *out, const struct arx_addr *a, uint64_t timeout_s)
{
	char text[64];
	int r;

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	if ((r = ensure(out, a, text)) != 0)
		return r;
	return element(out, "add", a, timeout_s);
}

int
nft_script_delete(struct buf *out, const struct arx_addr *a)
{
	char text[64];

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	return ensure(out, a, text);
}

int
nft_script_create(struct buf *out, const struct arx_addr *a, uint64_t timeout_s)
{
	return element(out, "create", a, timeout_s);
}

int
nft_script_remove(struct buf *out, const struct arx_addr *a)
{
	char text[64];

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	return buf_printf(out, "delete element inet %s %s { %s }\n", NFT_TABLE,
	    set_of(a), text);
}

int
nft_script_put(struct buf *out, const struct arx_addr *a, uint64_t timeout_s)
{
	return element(out, "add", a, timeout_s);
}

int
nft_elems_begin(struct buf *out, const char *verb, const struct arx_addr *a)
{
	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	return buf_printf(
	    out, "%s element inet %s %s { ", verb, NFT_TABLE, set_of(a));
}

int
nft_elems_put(
    struct buf *out, const struct arx_addr *a, uint64_t timeout_s, bool first)
{
	char text[64];
	int r;

	if (a->family != ADDR_V4 && a->family != ADDR_V6)
		return ARX_ERR_INVAL;
	addr_format(a, text, sizeof(text));
	if (!first && (r = buf_puts(out, ", ")) != 0)
		return r;
	if (timeout_s == 0)
		return buf_puts(out, text);
	return buf_printf(out, "%s timeout %" PRIu64 "s", text, timeout_s);
}

int
nft_elems_end(struct buf *out)
{
	return buf_puts(out, " }\n");
}

char *const nft_list_argv[] = {"nft", "list", "table", "inet", NFT_TABLE, NULL};

/* Where a listing's line is (nft_listing.where). */
enum {
	IN_NONE,
	IN_SET4,
	IN_SET6,
	IN_NET4,
	IN_NET6,
	IN_INPUT,
	IN_FORWARD,
	IN_OTHER
};

/* The lines of the set-up a listing shows: text (trimmed), the block it
 * must be in (IN_NONE: any), what it says is there and where the lines
 * after it are. */
static const struct shape {
	const char *text;
	unsigned in, seen, then;
} shapes[] = {
    {"table inet " NFT_TABLE " {", IN_NONE, NFT_SEEN_TABLE, IN_NONE},
    {"set block4 {", IN_NONE, NFT_SEEN_SET4, IN_SET4},
    {"set block6 {", IN_NONE, NFT_SEEN_SET6, IN_SET6},
    {"chain input {", IN_NONE, NFT_SEEN_INPUT, IN_INPUT},
    {"chain forward {", IN_NONE, NFT_SEEN_FORWARD, IN_FORWARD},
    {"ip saddr @block4 drop", IN_INPUT, NFT_SEEN_IN4, IN_INPUT},
    {"ip6 saddr @block6 drop", IN_INPUT, NFT_SEEN_IN6, IN_INPUT},
    {"ip saddr @block4 drop", IN_FORWARD, NFT_SEEN_FWD4, IN_FORWARD},
    {"ip6 saddr @block6 drop", IN_FORWARD, NFT_SEEN_FWD6, IN_FORWARD},
    {"set net4 {", IN_NONE, NFT_SEEN_NET4, IN_NET4},
    {"set net6 {", IN_NONE, NFT_SEEN_NET6, IN_NET6},
    {"ip saddr @net4 drop", IN_INPUT, NFT_SEEN_NIN4, IN_INPUT},
    {"ip6 saddr @net6 drop", IN_INPUT, NFT_SEEN_NIN6, IN_INPUT},
    {"ip saddr @net4 drop", IN_FORWARD, NFT_SEEN_NFWD4, IN_FORWARD},
    {"ip6 saddr @net6 drop", IN_FORWARD, NFT_SEEN_NFWD6, IN_FORWARD},
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The set an element of a's kind is listed in (see set_of). */
static unsigned
set_where(const struct arx_addr *a)
{
	if (a->plen != 0)
		return a->family == ADDR_V4 ? IN_NET4 : IN_NET6;
	return a->family == ADDR_V4 ? IN_SET4 : IN_SET6;
}

/* The elements in p[0..n): "a, b timeout 1m expires 59s, c }" (the
 * first line's "elements = {" already skipped); a '}' ends them. */
static void
elems_read(struct nft_listing *l, const char *p, size_t n, nft_elem_fn *elem,
    void *ctx)
{
	const char *end = p + n, *w;
	struct arx_addr a;

	while (p < end) {
		while (p < end && (is_blank(*p) || *p == ','))
			p++;
		if (p < end && *p == '}') {
			l->elements = false;
			return;
		}
		for (w = p; p < end && !is_blank(*p) && *p != ',' && *p != '}';)
			p++;
		if (p > w && addr_parse_net(w, (size_t)(p - w), &a) == 0 &&
		    l->where == set_where(&a))
			elem(&a, ctx);
		else if (p > w)
			l->noise++;
		while (p < end && *p != ',' && *p != '}') /* timeout, expires */
			p++;
	}
}

/* A line that opens or closes a block, or is one of the rules. */
static void
shape_read(struct nft_listing *l, const char *p, size_t n)
{
	size_t i;

	if (n == 1 && p[0] == '}') {
		l->where = IN_NONE;
		return;
	}
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];

		if (strlen(s->text) == n && memcmp(s->text, p, n) == 0 &&
		    (s->in == IN_NONE || s->in == l->where)) {
			l->seen |= s->seen;
			l->where = s->then;
			return;
		}
	}
	if (n > 0 && p[n - 1] == '{' && l->where == IN_NONE)
		l->where = IN_OTHER; /* a set or chain of someone else's */
}

void
nft_listing_line(struct nft_listing *l, const char *line, size_t len,
    nft_elem_fn *elem, void *ctx)
{
	static const char opening[] = "elements = {";
	const char *p = line, *end = line + len;

	while (p < end && is_blank(*p))
		p++;
	while (end > p && is_blank(end[-1]))
		end--;
	if (l->elements) {
		elems_read(l, p, (size_t)(end - p), elem, ctx);
		return;
	}
	if ((size_t)(end - p) >= sizeof(opening) - 1 &&
	    memcmp(p, opening, sizeof(opening) - 1) == 0) {
		l->elements = true;
		p += sizeof(opening) - 1;
		elems_read(l, p, (size_t)(end - p), elem, ctx);
		return;
	}
	shape_read(l, p, (size_t)(end - p));
}

bool
nft_listing_whole(const struct nft_listing *l, const struct arx_addr *a)
{
	unsigned all = NFT_SEEN_TABLE | NFT_SEEN_INPUT | NFT_SEEN_FORWARD;
	bool v4 = a->family == ADDR_V4;

	if (a->plen != 0)
		all |= v4 ? NFT_SEEN_NET4 | NFT_SEEN_NIN4 | NFT_SEEN_NFWD4
			  : NFT_SEEN_NET6 | NFT_SEEN_NIN6 | NFT_SEEN_NFWD6;
	else
		all |= v4 ? NFT_SEEN_SET4 | NFT_SEEN_IN4 | NFT_SEEN_FWD4
			  : NFT_SEEN_SET6 | NFT_SEEN_IN6 | NFT_SEEN_FWD6;
	return (l->seen & all) == all;
}
