/*
 * The kernel keeps what the block table says: blocks are put back
 * through their backend when arx starts, and looked for in the kernel
 * while it runs.
 *
 *  - At start (ar_kcheck_restore_all), every block read back from the
 *    journal goes back: into arx's nftables sets (builtin:nftables and
 *    firewall-drop on nftables) as operations of the runner's nftables
 *    batcher, so in one batch, each with its remaining time (plus the
 *    margin its add had) as the kernel timeout; for any other program
 *    but the stock webhook, its add runs again through the runner with
 *    that time, paced so the runner's queue never overflows.
 *  - While blocks of a backend arx can look at (nftables, iptables,
 *    ipset) are active, a look every CHECK_MS (longer when one look
 *    takes long: three times its length after it ends): the listings
 *    (nft list table inet arx; iptables/ip6tables -w -S; ipset save)
 *    are run by argv through exec, read line by line on the event loop
 *    (kview.h) and compared with the table. A block the kernel does not
 *    hold (its element, rule or set gone, or the table, chain or set
 *    that would drop it) is marked missing and put back: nftables
 *    elements in one batch with the table set up again when part of it
 *    was gone, iptables and ipset blocks by their add again. Each round
 *    that puts something back is logged once (at most five lines a
 *    minute). Blocks whose add or restore has not ended when a look begins
 *    wait for the next.
 *
 * The state of each block (kernel_ms, missing) lives in the table. Owns
 * its timer, its listing jobs, the queue of adds waiting for room and
 * the restore operations in flight; uses the table and the runner it is
 * given, which must outlive it.
 */
#ifndef ARX_AR_KCHECK_H
#define ARX_AR_KCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/kview.h"
#include "ar/runner.h"
#include "ar/table.h"
#include "core/clock.h"
#include "core/evloop.h"

#define CHECK_MS 2000u /* between the starts of two looks, at least */

struct ar_kcheck_opts {
	struct evloop *loop;
	const struct arx_clock *clock;
	struct ar_table *table;
	struct ar_runner *runner;
	const enum ar_backend *backends; /* per command index */
	size_t ncommands;
	/* Where nft, iptables, ip6tables and ipset are; NULL: /usr/sbin
	 * (tests give a directory of their own listings). */
	const char *tools_dir;
	/* Run b's add again as a restore (ar_run_spec.restore: its end
	 * comes back through ar_kcheck_run_done); 0 when submitted. */
	int (*readd)(const struct ar_block *b, void *ctx);
	/* The kernel timeout of b put back at now_ms (0: none). */
	uint64_t (*timeout)(
	    const struct ar_block *b, int64_t now_ms, void *ctx);
	/* A restore of (cmd, a) succeeded (NULL: not told). */
	void (*applied)(unsigned cmd, const struct arx_addr *a, void *ctx);
	void *ctx;
};

struct ar_kcheck_stats {
	unsigned long looks;     /* looks at the kernel taken */
	unsigned long rounds;    /* looks that found blocks missing */
	unsigned long restored;  /* blocks found missing and put back */
	unsigned long failed;    /* restores that failed */
	unsigned long reapplied; /* blocks put back at start */
};

struct ar_kcheck;

struct ar_kcheck *ar_kcheck_new(const struct ar_kcheck_opts *o);
void ar_kcheck_free(struct ar_kcheck *k);

/* A block of a checked backend is in place: make sure looks are due. */
void ar_kcheck_arm(struct ar_kcheck *k);

/* Put every active block back through its backend (arxd's start);
 * returns how many restores were started or queued. */
size_t ar_kcheck_restore_all(struct ar_kcheck *k);

/* Restores not over yet (queued, running, in a batch). */
size_t ar_kcheck_restoring(const struct ar_kcheck *k);

/* A restore's add run ended (ok: exit 0). */
void ar_kcheck_run_done(
    struct ar_kcheck *k, unsigned cmd, const struct arx_addr *a, bool ok);

/* The runner may have room: submit queued restore adds. */
void ar_kcheck_pump(struct ar_kcheck *k);

void ar_kcheck_stats(const struct ar_kcheck *k, struct ar_kcheck_stats *st);

#endif
