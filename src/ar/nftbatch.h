/*
 * The built-in nftables backend (<executable>builtin:nftables
 * </executable>): blocks and lifts become elements of arx's nftables
 * sets (fw/nft.h, the table firewall-drop uses) without a response
 * program per block. Every operation submitted in the same turn of the
 * event loop, or while a batch is being applied, goes into the next
 * batch: one nft transaction (applied in-process through libnftables,
 * in a thread of its own, no program started: fw/nftapply.h; no file,
 * so a full disk does not stop a block) of at most NFTB_MAX operations
 * (a network alone), applied whole or not at all, in the order they
 * were submitted. The table is set up by the first batch (and by the
 * next one after ar_nftbatch_setup_again()). A batch that fails is
 * tried once more with the table set up again; if it fails again, each
 * of its operations is reported failed with nft's message (logged at
 * most 5 times a minute, with the count of those not logged). Operations
 * come from clients (the runner's builtin:nftables runs, the kernel
 * check's restores), each told of its own operations' end.
 */
#ifndef ARX_AR_NFTBATCH_H
#define ARX_AR_NFTBATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/evloop.h"

#define NFTB_MAX      20000u
#define NFTB_NFT_PATH "/usr/sbin/nft"

struct ar_nftbatch;

/* One operation is over: op as submitted, why NULL when it applied. */
typedef void ar_nftbatch_done_fn(void *op, const char *why, void *ctx);

/* Who submits operations: told when each is over (done), or dropped
 * unreported when the batcher is freed first (drop). */
struct ar_nftbatch_client {
	ar_nftbatch_done_fn *done;
	void (*drop)(void *op);
	void *ctx;
};

struct ar_nftbatch_stats {
	unsigned long batches, ops, failed, largest;
};

struct ar_nftbatch *ar_nftbatch_new(struct evloop *loop);
/* Each operation not over yet goes to its client's drop (nothing is
 * reported). */
void ar_nftbatch_free(struct ar_nftbatch *b);
/* Block a (add, for timeout_s seconds, 0 for no kernel timeout) or lift
 * it (!add), for cl (which must outlive op). 0, or ARX_ERR_INVAL /
 * ARX_ERR_NOMEM (nothing will be reported for op). */
int ar_nftbatch_submit(struct ar_nftbatch *b,
    const struct ar_nftbatch_client *cl, bool add, const struct arx_addr *a,
    uint64_t timeout_s, void *op);
/* The next batch sets the table up again (a table, set, chain or rule
 * was seen missing). */
void ar_nftbatch_setup_again(struct ar_nftbatch *b);
/* Operations not over yet (waiting or being applied). */
size_t ar_nftbatch_pending(const struct ar_nftbatch *b);
void ar_nftbatch_stats(
    const struct ar_nftbatch *b, struct ar_nftbatch_stats *st);

#endif
