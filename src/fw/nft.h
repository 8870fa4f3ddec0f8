/*
 * The nftables backend of firewall-drop, as nft scripts: one table
 * "inet arx" with a set per address family whose elements carry their own
 * timeout, so the kernel lifts a block on time even when arx is not
 * running, and input and forward chains that drop traffic from those
 * sets. Every script is one nft transaction (nft -f -): it applies whole
 * or not at all. Addresses are parsed before they are written, so a
 * script never carries text from a log line.
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

#endif
