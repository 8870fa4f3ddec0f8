/*
 * The nftables backend of firewall-drop, as nft scripts: one table
 * "inet arx" with a set per address family whose elements carry their own
 * timeout, so the kernel lifts a block on time even when arx is not
 * running, an interval set per family for blocked networks (net4, net6:
 * the kernel refuses overlapping elements there), and input and forward
 * chains that drop traffic from those sets. Every script is one nft transaction (nft -f -): it applies whole
 * or not at all. Addresses are parsed before they are written, so a
 * script never carries text from a log line. The other way round, a
 * listing of the table (nft list table inet arx) is read back line by
 * line into what of the set-up is there and which addresses the sets
 * hold, so arx can tell what a firewall reload took away.
 */
#ifndef ARX_FW_NFT_H
#define ARX_FW_NFT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"

#define NFT_TABLE "arx"

/* Create the table, sets and chains if missing; rules are rewritten. */
int nft_script_setup(struct buf *out);

/* Block a for timeout_s seconds (0: until deleted); an existing block
 * gets the new timeout. */
int nft_script_add(
    struct buf *out, const struct arx_addr *a, uint64_t timeout_s);

/* Lift the block of a; not an error if the kernel already did. */
int nft_script_delete(struct buf *out, const struct arx_addr *a);

/*
 * The cheap forms, for the usual case: "create" a block that is not
 * there yet (fails when it is, or when the set is missing), "delete"
 * one that is. An add or delete of an element in the same transaction
 * as its delete makes the kernel wait for a grace period (measured: 20
 * ms against 5 ms), so the forms above are the fallbacks.
 */
int nft_script_create(
    struct buf *out, const struct arx_addr *a, uint64_t timeout_s);
int nft_script_remove(struct buf *out, const struct arx_addr *a);

/* For batches of many addresses in one transaction, where no line may
 * fail: "add" a (a no-op when a is already there; timeout_s 0 for
 * none). Lifts in batches use nft_script_delete(). */
int nft_script_put(
    struct buf *out, const struct arx_addr *a, uint64_t timeout_s);

/*
 * One statement for many elements of one family (a's set), which nft
 * parses far faster than a statement each: nft_elems_begin() with the
 * verb ("add" or "delete"), then nft_elems_put() for each (timeout_s 0:
 * none; first tells whether a separator is due), then nft_elems_end().
 */
int nft_elems_begin(
    struct buf *out, const char *verb, const struct arx_addr *a);
int nft_elems_put(
    struct buf *out, const struct arx_addr *a, uint64_t timeout_s, bool first);
int nft_elems_end(struct buf *out);

/* The argv that lists arx's table (for /usr/sbin/nft). */
extern char *const nft_list_argv[];

/* What a listing showed of the set-up (nft_script_setup). */
enum nft_seen {
	NFT_SEEN_TABLE = 1u << 0,
	NFT_SEEN_SET4 = 1u << 1,
	NFT_SEEN_SET6 = 1u << 2,
	NFT_SEEN_INPUT = 1u << 3,   /* chain input */
	NFT_SEEN_FORWARD = 1u << 4, /* chain forward */
	NFT_SEEN_IN4 = 1u << 5,     /* input: ip saddr @block4 drop */
	NFT_SEEN_IN6 = 1u << 6,
	NFT_SEEN_FWD4 = 1u << 7, /* forward: ip saddr @block4 drop */
	NFT_SEEN_FWD6 = 1u << 8,
	NFT_SEEN_NET4 = 1u << 9, /* the interval sets of networks */
	NFT_SEEN_NET6 = 1u << 10,
	NFT_SEEN_NIN4 = 1u << 11, /* input: ip saddr @net4 drop */
	NFT_SEEN_NIN6 = 1u << 12,
	NFT_SEEN_NFWD4 = 1u << 13, /* forward: ip saddr @net4 drop */
	NFT_SEEN_NFWD6 = 1u << 14,
};

/* One element of a set, as a listing shows it. */
typedef void nft_elem_fn(const struct arx_addr *a, void *ctx);

/* The reading of one listing, line by line; zero it to start. */
struct nft_listing {
	unsigned seen;       /* enum nft_seen */
	unsigned where;      /* the set or chain the line is in */
	bool elements;       /* inside "elements = { ... }" */
	unsigned long noise; /* element texts that were no address */
};

/* One line of `nft list table inet arx` (without its newline): elem is
 * called for each element of block4, block6, net4 and net6. */
void nft_listing_line(struct nft_listing *l, const char *line, size_t len,
    nft_elem_fn *elem, void *ctx);

/* Whether what the listing showed drops the set a would be in (its
 * family's, of addresses or of networks): table, set, both chains and
 * their rule for it. */
bool nft_listing_whole(const struct nft_listing *l, const struct arx_addr *a);

#endif
