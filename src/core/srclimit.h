/*
 * Connections per source address, for the listeners anyone can open
 * connections to (the agent port, enrollment, the feed, syslog over
 * TCP): one source must not take every slot of a listener. A table of
 * at most `cap` sources (the listener's own slot cap, so it can never be
 * full while a slot is free) with how many connections each holds now;
 * an IPv6 source is its /64 (what one host is usually given). Owns its
 * table; the listener takes a count at accept and puts it back when the
 * connection goes (or, for the agent port, once it has authenticated).
 */
#ifndef ARX_CORE_SRCLIMIT_H
#define ARX_CORE_SRCLIMIT_H

#include "core/addr.h"

struct srclimit_ent {
	struct arx_addr addr; /* masked to the source's block */
	unsigned n;           /* connections held now; 0: a free entry */
};

struct srclimit {
	struct srclimit_ent *v;
	unsigned cap;          /* entries */
	unsigned per_source;   /* at most this many from one source */
	unsigned long refused; /* connections refused for it */
};

/* 0, or ARX_ERR_NOMEM. per_source 0 means 1. */
int srclimit_init(struct srclimit *l, unsigned cap, unsigned per_source);
void srclimit_release(struct srclimit *l);
/* Count a new connection from a: 0, or ARX_ERR_TOOBIG (counted in
 * refused) when its source holds per_source already. */
int srclimit_take(struct srclimit *l, const struct arx_addr *a);
/* The connection counted by srclimit_take() is gone. */
void srclimit_put(struct srclimit *l, const struct arx_addr *a);
/* How many connections a's source holds now. */
unsigned srclimit_count(const struct srclimit *l, const struct arx_addr *a);

#endif
