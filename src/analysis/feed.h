/*
 * The blocklist feed (<feed>): an HTTP or HTTPS endpoint that firewalls
 * (FortiGate, MikroTik, pfSense, OPNsense ...) and web servers fetch as
 * an external threat feed. It runs in the analysis child, as its
 * unprivileged user: requests come from the network. Each path is a
 * format of the addresses blocked now (analysis/feedfmt.h: plain text,
 * JSON, a RouterOS script, nginx and Apache deny lists). Every one needs
 * HTTP Basic credentials (the first line of <credentials_file>,
 * user:password, read while root; compared in constant time,
 * transport/basic.h). With <certificate> and <key> (the key read while
 * root, from a file only root may read) the port speaks TLS 1.2 or later
 * only (transport/tls.h), the handshake run on the event loop within the
 * connection's deadline. The addresses are those
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

/* Start serving f (the credentials and TLS key read now: call it while
 * root). 0 with *out, ARX_ERR_CONFIG (logged) or another error. */
int feedsrv_start(struct evloop *loop, const struct conf_feed *f,
    const char *log_dir, feed_extra_fn *extra, void *ctx, struct feedsrv **out);
void feedsrv_stop(struct feedsrv *s);
void feedsrv_stats(const struct feedsrv *s, struct feedsrv_stats *st);
/* Its counters as rows (core/counters.h): the listener's
 * conn_per_source, conn_evicted, conn_slow (handshakes that stalled
 * included), and with HTTPS feed_tls_failed (handshakes that failed: a
 * plain-HTTP client, an old TLS version). */
void feedsrv_counters(const struct feedsrv *s, struct counters *c);

unsigned feedsrv_port(const struct feedsrv *s);

#endif
