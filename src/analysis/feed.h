/*
 * The blocklist feed (<feed>): an HTTP endpoint that firewalls (FortiGate,
 * pfSense, OPNsense ...) fetch as an external threat feed. It runs in the
 * analysis child, as its unprivileged user: requests come from the
 * network. GET /blocklist.txt answers the addresses blocked now, one per
 * line; GET /blocklist.json the same as a JSON array. Both need HTTP
 * Basic credentials (the first line of <credentials_file>, user:password,
 * read while root; compared in constant time). The addresses are those
 * of the root process's block table (it writes <log_dir>/blocklist.txt
 * when the table changes) and, on a manager, those of the responses sent
 * to agents whose block is not over. Each connection has 5 s and at most
 * 8 KiB of request; at most <max_clients> are served at once, at most
 * <max_per_source> of them from one address; when every slot is taken
 * the oldest that is still reading its request is closed for a new one.
 */
#ifndef ARX_ANALYSIS_FEED_H
#define ARX_ANALYSIS_FEED_H

#include <stdint.h>

#include "config/conf.h"
#include "core/counters.h"
#include "core/evloop.h"

struct feedsrv;

struct feedsrv_stats {
	unsigned long
	    per_source;         /* closed at once: too many from one address */
	unsigned long evicted;  /* the oldest closed for a newcomer */
	unsigned long timeouts; /* closed at the 5 s deadline */
};

/* More addresses for the feed: call add for each (until: wall ms). */
typedef void feed_add_fn(const char *addr, void *actx);
typedef void feed_extra_fn(void *ctx, feed_add_fn *add, void *actx);

int feedsrv_start(struct evloop *loop, const struct conf_feed *f,
    const char *log_dir, feed_extra_fn *extra, void *ctx, struct feedsrv **out);
void feedsrv_stop(struct feedsrv *s);
void feedsrv_stats(const struct feedsrv *s, struct feedsrv_stats *st);
/* Its counters as rows (core/counters.h): the listener's
 * conn_per_source, conn_evicted, conn_slow. */
void feedsrv_counters(const struct feedsrv *s, struct counters *c);

unsigned feedsrv_port(const struct feedsrv *s);

#endif
