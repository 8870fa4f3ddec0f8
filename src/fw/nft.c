/*
 * nftables scripts for firewall-drop (see nft.h).
 */
#include <inttypes.h>

#include "core/err.h"
#include "fw/nft.h"

static const char setup[] =
    "add table inet " NFT_TABLE "\n"
    "add set inet " NFT_TABLE " block4 { type ipv4_addr; flags timeout; }\n"
    "add set inet " NFT_TABLE " block6 { type ipv6_addr; flags timeout; }\n"
    "add chain inet " NFT_TABLE
    " input { type filter hook input priority -10; policy accept; }\n"
    "add chain inet " NFT_TABLE
    " forward { type filter hook forward priority -10; policy accept; }\n"
    "flush chain inet " NFT_TABLE " input\n"
    "flush chain inet " NFT_TABLE " forward\n"
    "add rule inet " NFT_TABLE " input ip saddr @block4 drop\n"
    "add rule inet " NFT_TABLE " input ip6 saddr @block6 drop\n"
    "add rule inet " NFT_TABLE " forward ip saddr @block4 drop\n"
    "add rule inet " NFT_TABLE " forward ip6 saddr @block6 drop\n";

int
nft_script_setup(struct buf *out)
{
	return buf_puts(out, setup);
}

static const char *
set_of(const struct arx_addr *a)
{
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
