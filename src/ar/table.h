/*
 * The block table: which (command, address) pairs are blocked and until
 * when, and what is remembered of each pair's past offences. Modelled on
 * OpenSSH's srclimit: one entry per key, found by a hash of the key and
 * ordered by expiry in a binary heap, so an add, a lookup and the next
 * deadline cost O(1) or O(log n) and nothing ever scans the table.
 *
 * Both parts are bounded. When max_active blocks are in place a new one
 * is refused and counted (existing blocks are never lifted early to make
 * room). Offence history beyond max_history forgets the key that
 * offended longest ago, and counts it. The table holds no clock: every
 * call is given the time, so tests and replay drive it directly.
 */
#ifndef ARX_AR_TABLE_H
#define ARX_AR_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/policy.h"
#include "core/addr.h"

#define AR_BLOCK_RULES 4 /* rules remembered per block */

struct ar_block {
	unsigned cmd; /* index of the command */
	struct arx_addr addr;
	int64_t added_ms;               /* first add of this block */
	int64_t expires_ms;             /* AR_NEVER: lifted only on request */
	unsigned offences;              /* offences remembered for this key */
	unsigned rules[AR_BLOCK_RULES]; /* the first distinct rules that
					 * asked for it; 0: none */
	unsigned origins; /* AR_ORIGIN_* bits of who asked; 0: not known
			   * (a journal of an older arx) */
	/* What the backend holds (not journaled): since when it should
	 * hold the block (its add or restore ended; a block read from the
	 * journal: since then), 0 while its add has not ended; and whether
	 * the last look at the kernel (or a restore) found it missing. */
	int64_t kernel_ms;
	bool missing;
	/* The backend said its add (or a restore of it) succeeded at
	 * least once (journaled: an ok record). Until then the block is
	 * pending: asked for, not known to be in place. */
	bool confirmed;
};

#define AR_NEVER INT64_MAX

/* Who placed a block. A delete lifts only what its own origin placed
 * (ar_table_drop_origin); a block several asked for stays until each
 * let go, or until it expires or the administrator lifts it. */
#define AR_ORIGIN_RULE    0x1u /* this host's rules */
#define AR_ORIGIN_MANUAL  0x2u /* arx block */
#define AR_ORIGIN_MANAGER 0x4u /* an agent's manager */

enum ar_add_result {
	AR_ADD_NEW = 0,      /* the program must run the add */
	AR_ADD_EXTENDED = 1, /* already blocked: the deadline moved */
};

struct ar_table_stats {
	size_t active, history;
	unsigned long refused_full;    /* adds refused: table full */
	unsigned long history_evicted; /* offence records forgotten */
};

struct ar_table *ar_table_new(size_t max_active, size_t max_history);
void ar_table_free(struct ar_table *t);

struct ar_add_req {
	const struct ar_escalation *e;
	int64_t now_ms;
	unsigned rule_id; /* 0: none (by hand) */
	bool offence;     /* a new attack: a rule's trigger, or a manual
			   * block asked to count */
	unsigned origin;  /* AR_ORIGIN_* */
};

/*
 * Block (cmd, addr). One attack is one offence: a trigger that counts
 * (rq->offence) records a new offence and takes ar_escalate()'s duration
 * only when the key is not blocked and its last block did not end less
 * than e->grace_s ago; otherwise (and for one that does not count) it
 * asks for the duration of the offence being answered (base_s for a
 * key without offences) and adds none. A key already blocked keeps its
 * entry and its deadline moves later, never earlier (0 s: until
 * removed). Returns an enum ar_add_result and copies the entry to *out,
 * or ARX_ERR_TOOBIG when the table is full.
 */
int ar_table_add(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    const struct ar_add_req *rq, struct ar_block *out);

/* Put back a block read from the journal, as it was (no offence added). */
int ar_table_restore(struct ar_table *t, const struct ar_block *b);

/* origin lets go of (cmd, a): ARX_ERR_NOTFOUND without a block,
 * ARX_ERR_PERM when origin did not place it; 1 and the block in *out
 * when it was the last origin (the block is lifted, as by
 * ar_table_remove); 0 when others still hold it. */
int ar_table_drop_origin(struct ar_table *t, unsigned cmd,
    const struct arx_addr *a, unsigned origin, int64_t now_ms,
    struct ar_block *out);

/* Lift a block at now_ms (0: time unknown, no grace follows);
 * ARX_ERR_NOTFOUND if there is none. History stays. */
int ar_table_remove(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    int64_t now_ms, struct ar_block *out);

const struct ar_block *ar_table_find(
    const struct ar_table *t, unsigned cmd, const struct arx_addr *a);

/* Move the deadline of (cmd, a) to dur_s after its start, when that is
 * later (never earlier; 0 s: until removed); the entry in *out.
 * ARX_ERR_NOTFOUND if it is not blocked. */
int ar_table_lengthen(struct ar_table *t, unsigned cmd,
    const struct arx_addr *a, uint64_t dur_s, struct ar_block *out);

/* Set what the backend holds of (cmd, a) (ar_block.kernel_ms, missing);
 * ARX_ERR_NOTFOUND if it is not blocked. */
int ar_table_set_kernel(struct ar_table *t, unsigned cmd,
    const struct arx_addr *a, int64_t kernel_ms, bool missing);

/* The backend confirmed the block of (cmd, a): 1 when it was pending
 * until now, 0 when it was confirmed before, ARX_ERR_NOTFOUND without
 * a block. */
int ar_table_confirm(
    struct ar_table *t, unsigned cmd, const struct arx_addr *a);

/* Deadline of the earliest block, or AR_NEVER when none expires. */
int64_t ar_table_next_deadline(const struct ar_table *t);

/* Remove up to max blocks whose deadline is <= now_ms, earliest first,
 * into out; returns how many. */
size_t ar_table_expire(
    struct ar_table *t, int64_t now_ms, struct ar_block *out, size_t max);

/* Call fn for every active block (in no particular order). */
void ar_table_foreach(const struct ar_table *t,
    void (*fn)(const struct ar_block *b, void *ctx), void *ctx);

/* Put back an offence record read from the journal; kept when it is at
 * least as recent as the one the table holds. */
void ar_table_restore_offence(struct ar_table *t, unsigned cmd,
    const struct arx_addr *a, const struct ar_offence *o);

/* The offence record of (cmd, a); ARX_ERR_NOTFOUND if none. */
int ar_table_offence(const struct ar_table *t, unsigned cmd,
    const struct arx_addr *a, struct ar_offence *out);

typedef void ar_offence_fn(unsigned cmd, const struct arx_addr *a,
    const struct ar_offence *o, void *ctx);

/* Call fn for every offence record, the one that offended longest ago
 * first (so replaying them in this order keeps the recency order). */
void ar_table_foreach_offence(
    const struct ar_table *t, ar_offence_fn *fn, void *ctx);

void ar_table_stats(const struct ar_table *t, struct ar_table_stats *st);

#endif
