/*
 * Blocklist subscriptions on the root side (<blocklist>): the analysis
 * child fetches and parses each list (untrusted content never reaches
 * root unparsed) and hands over the whole list as parsed addresses and
 * networks, in parts (transport/priv.h PRIV_BLOCKLIST). Here each entry
 * is parsed again, white-listed and special addresses (loopback,
 * multicast, ...) are refused, entries inside another entry of the same
 * list are dropped, and the list is compared with what its nftables
 * sets hold: one transaction deletes what is gone and adds what is new.
 *
 * The sets live in a table of their own, "inet arx_lists" (so the
 * blocks' table "inet arx", which arx's kernel check watches, is not
 * touched): per list NAME the interval sets NAME_v4 and NAME_v6 ('-' in
 * the name becomes '_') without timeouts, and one drop rule per set in
 * the input and forward chains (priority -11). Blocklist entries are
 * not offences and never enter the block table. Owns the lists' entries,
 * their counters and an nftables applier of its own (fw/nftapply.h).
 */
#ifndef ARX_AR_BLOCKLIST_H
#define ARX_AR_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "config/conf.h"
#include "core/buf.h"
#include "core/counters.h"
#include "core/evloop.h"

#define AR_LISTS_TABLE "arx_lists"

struct ar_lists;

/* NULL when out of memory. */
struct ar_lists *ar_lists_new(struct evloop *loop);
/* Waits for a transaction being applied (fw/nftapply.h); the sets stay
 * in the kernel. */
void ar_lists_free(struct ar_lists *l);

/*
 * Take conf's <blocklist>s (at start and on each reload; conf must
 * outlive its use here): a list kept by name keeps its entries; the sets
 * of a list that is gone are deleted. 0 or ARX_ERR_NOMEM.
 */
int ar_lists_configure(struct ar_lists *l, const struct arx_conf *conf);

/*
 * One part of list idx as the child sent it: begin (a FIRST part
 * starts the list again), each entry's text, end (a LAST part: the list
 * is whole and goes to the kernel). Each returns NULL, or why the part
 * breaks the protocol (an unknown list, a name that does not agree, a
 * part without a first, an entry that does not parse, more entries than
 * <max_entries>).
 */
const char *ar_lists_begin(
    struct ar_lists *l, size_t idx, const char *name, bool first);
const char *ar_lists_entry(struct ar_lists *l, size_t idx, const char *text);
const char *ar_lists_end(struct ar_lists *l, size_t idx, bool last);

/* Each list's counters as labelled rows (core/counters.h):
 * blocklist_entries{list} (held now) and blocklist_changes{list,change}
 * with change added, removed, whitelisted, refused, covered, failed.
 * Nothing for a NULL l. */
void ar_lists_counters(const struct ar_lists *l, struct counters *c);

/* arx status: a text line per list ("blocklist NAME: ..."), or the
 * JSON member ,"blocklists":{"NAME":{...},...}. Nothing without lists. */
int ar_lists_status(const struct ar_lists *l, bool json, struct buf *out);

/* Whether a transaction is being applied or waits (for tests and a
 * clean stop). */
bool ar_lists_busy(const struct ar_lists *l);

#endif
