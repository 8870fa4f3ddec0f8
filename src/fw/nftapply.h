/*
 * nft scripts applied through libnftables (the library the nft program
 * is made of) instead of starting /usr/sbin/nft for each: a start of
 * nft costs 2-15 ms on these machines, the netlink transaction itself
 * well under one. A worker thread takes one script at a time, so the
 * event loop never waits on the kernel, and hands it to a helper
 * process forked once (named arx-nft; again after it dies), because
 * libnftables ends its process when it cannot open its netlink socket
 * or allocate: that ends the helper, never arxd, and fails one batch.
 * A script not answered within 60 s fails and its helper is killed.
 * The end comes back to the loop through an eventfd, as a job's end
 * does in exec.h. The worker has every signal blocked (they stay the
 * loop's, through its signalfd); the helper keeps that mask and dies
 * with its parent. Owns the thread, the eventfd, the helper and the
 * copy of the running script.
 */
#ifndef ARX_FW_NFTAPPLY_H
#define ARX_FW_NFTAPPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/evloop.h"

/* A script's end: why NULL when it applied whole, else nft's first
 * line of complaint ("Error: ..."). */
typedef void nft_applied_fn(const char *why, void *ctx);

struct nft_applier;

/* NULL when the thread or the eventfd cannot be had (errno says). */
struct nft_applier *nft_applier_new(
    struct evloop *loop, nft_applied_fn *fn, void *ctx);
/* Waits for a script being applied to end (not reported; at most 60 s),
 * ends the helper, then frees. */
void nft_applier_free(struct nft_applier *ap);

/* Apply script[0..len) (one nft transaction): 0, ARX_ERR_STATE while
 * another is applied, ARX_ERR_TOOBIG (over 64 MiB), ARX_ERR_NOMEM. fn
 * is called from the loop. */
int nft_applier_start(struct nft_applier *ap, const char *script, size_t len);
bool nft_applier_busy(const struct nft_applier *ap);

#endif
