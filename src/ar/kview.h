/*
 * What the kernel holds of arx's blocks, as far as arx can look. Two
 * things, both pure so tests feed them text:
 *
 *  - which backend a command's blocks live in (ar_backend_of): arx's
 *    nftables sets (builtin:nftables, and the stock firewall-drop on its
 *    default backend, which share the table), firewall-drop's iptables
 *    chain or ipset sets, a program arx cannot look behind, or no block
 *    at all (the stock webhook only tells someone);
 *  - a view of one look (struct ar_kview): the listings of nftables
 *    (nft list table), iptables and ip6tables (-S) and ipset (save),
 *    handed in line by line, read into the addresses each holds and
 *    whether each backend's set-up (table, sets, chains, rules, jumps)
 *    is whole; then, per block, whether the look shows it held.
 *
 * Owns the address sets of the last look; holds no pointer to what it
 * is given.
 */
#ifndef ARX_AR_KVIEW_H
#define ARX_AR_KVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/table.h"
#include "config/conf.h"
#include "core/addr.h"

enum ar_backend {
	AR_BACKEND_NONE = 0, /* no block to keep: never put back */
	AR_BACKEND_PROGRAM,  /* a program: its add again at start, unchecked */
	AR_BACKEND_NFT,      /* arx's nftables sets */
	AR_BACKEND_IPT,      /* firewall-drop --backend iptables */
	AR_BACKEND_IPSET,    /* firewall-drop --backend ipset */
};

/* The backend of command c's blocks. A program is known by its file
 * name (firewall-drop, route-null, host-deny, webhook: the stock ones
 * in the response directory); firewall-drop's backend by its
 * "--backend" among the extra args (nftables when absent). */
enum ar_backend ar_backend_of(const struct conf_command *c);

/* Whether command c can block a network (ADDR/LEN): builtin:nftables,
 * firewall-drop on nftables or iptables, route-null and webhook. Not
 * ipset's hash:ip sets, host-deny, nor a program arx does not know. */
bool ar_command_ranges(const struct conf_command *c);

/* Whether arx looks at what be holds (nftables, iptables, ipset). */
bool ar_backend_checked(enum ar_backend be);

/* The listings of one look. */
enum ar_listing {
	AR_LIST_NFT,   /* nft list table inet arx */
	AR_LIST_IPT4,  /* iptables -w -S */
	AR_LIST_IPT6,  /* ip6tables -w -S */
	AR_LIST_IPSET, /* ipset save */
	AR_NLISTINGS
};

/* The listings be's blocks of family need (a mask of 1 << ar_listing). */
unsigned ar_backend_listings(enum ar_backend be, int family);

struct ar_kview;

struct ar_kview *ar_kview_new(void);
void ar_kview_free(struct ar_kview *v);

/* Forget the last look (every listing not taken). */
void ar_kview_reset(struct ar_kview *v);

/* One line of listing l (without its newline). */
void ar_kview_line(
    struct ar_kview *v, enum ar_listing l, const char *line, size_t len);

/* Listing l is over: read whole (ok), or it failed and tells nothing.
 * (nft's listing of a table that is not there is whole and empty.) */
void ar_kview_end(struct ar_kview *v, enum ar_listing l, bool ok);

/* Whether the look shows a's block in be held: 1 held, 0 missing (not
 * there, or the set-up that would drop it is not whole), -1 it cannot
 * tell (a listing it needs was not taken or failed). */
int ar_kview_holds(
    const struct ar_kview *v, enum ar_backend be, const struct arx_addr *a);

/* Whether be's set-up for a's kind (family; nftables: address or
 * network) was whole in the look. */
bool ar_kview_whole(
    const struct ar_kview *v, enum ar_backend be, const struct arx_addr *a);

/* Whether block b is to be judged by a look that began at look_ms: its
 * add or restore ended before (so the kernel had it then). */
bool ar_kview_comparable(const struct ar_block *b, int64_t look_ms);

#endif
