/*
 * Correlation state: everything about rules that changes while events flow
 * and is kept apart from the immutable rule set. Per correlating rule R
 * (one with if_matched_sid / if_matched_group / if_matched_regex), the
 * events it may count are kept in buckets keyed by R's same_* values (a
 * hash lookup, never a scan of all events), each bucket a short list of
 * recent events; plus fired counters, the "first time seen" set and the
 * ignore windows. Everything is bounded; what does not fit is dropped
 * oldest-first and counted.
 *
 * Counting follows Wazuh 4.x: a rule with frequency F fires on the F-th
 * event (the current one included) within its timeframe; the current event
 * and the most recent counted one are then marked consumed, so the next
 * firing needs F new events. Time is the event clock given by the caller
 * (arrival time in the daemon, the log's time in replay).
 */
#ifndef ARX_ENGINE_CORR_H
#define ARX_ENGINE_CORR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/counters.h"
#include "engine/event.h"
#include "engine/pattern.h"
#include "engine/session.h"

#define CORR_MAX_BUCKETS    65536 /* per correlating rule */
#define CORR_MAX_PER_BUCKET 512   /* events kept per bucket */
#define CORR_MAX_RECENT     8192  /* events kept for if_matched_regex */
#define CORR_MAX_LAST       11    /* previous events copied to an alert */
#define CORR_MAX_FTS        65536

/* Fields that same_* / different_* compare (bit numbers). */
enum corr_field {
	CF_SRCIP = 0,
	CF_DSTIP,
	CF_SRCPORT,
	CF_DSTPORT,
	CF_PROTOCOL,
	CF_ACTION,
	CF_ID,
	CF_URL,
	CF_DATA,
	CF_EXTRA_DATA,
	CF_STATUS,
	CF_SYSTEM_NAME,
	CF_SRCUSER,
	CF_DSTUSER,
	CF_LOCATION,
	CF_SRCGEOIP,
	CF_DSTGEOIP,
	CF_NFIELDS
};

/* Name of a same_/different_ element suffix -> field; -1 if unknown. */
int corr_field_parse(const char *suffix);

struct rule;
struct rule_set;
struct corr;

struct corr *corr_new(const struct rule_set *rs);
void corr_free(struct corr *c);
/* Forget all state (logtest: a new session). */
void corr_reset(struct corr *c);

/*
 * Whether correlating rule r matches ev now: enough earlier events in its
 * buckets. On a match, marks the consumed events and collects up to
 * CORR_MAX_LAST previous full logs (for the alert).
 */
bool corr_search(struct corr *c, const struct rule *r, struct event *ev,
    int64_t now_ms, struct pattern_scratch *scratch);

/* Remember ev, whose final rule is r, for the rules that watch r. */
void corr_store(struct corr *c, const struct rule *r, const struct event *ev,
    int64_t now_ms);

/* First time this combination is seen (if_fts)? Records it. */
bool corr_fts_first(struct corr *c, const char *key, size_t len);

/* Fired counter of r, incremented by corr_fired(). */
unsigned long corr_fired(struct corr *c, const struct rule *r);
unsigned long corr_firedtimes(const struct corr *c, const struct rule *r);

/*
 * ignore="N": true if r fired for the same source (srcip, else the whole
 * rule) less than N seconds ago; otherwise opens a new window.
 */
bool corr_ignored(struct corr *c, const struct rule *r, const struct event *ev,
    int64_t now_ms);

/* The previous events collected by the last successful corr_search(). */
size_t corr_last_events(const struct corr *c, const char *const **logs);

struct corr_stats {
	unsigned long stored, evicted_events, evicted_buckets, dropped_fts;
	size_t buckets, ignores; /* held now (windows that can still count) */
	size_t sessions;         /* sessions by process held now */
	unsigned long sessions_evicted, sessions_filled;
};
void corr_get_stats(const struct corr *c, struct corr_stats *st);
/* Its counters as rows (core/counters.h): correlation_buckets,
 * correlation_dropped (buckets and events), sessions, sessions_dropped,
 * addresses_from_session, first_seen_dropped. */
void corr_counters(const struct corr *c, struct counters *rows);

/* The sessions by process (session.h), kept with correlation. */
struct session_table *corr_sessions(struct corr *c);

#endif
