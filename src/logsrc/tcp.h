/*
 * Syslog over TCP (RFC 6587): each connection frames its messages either
 * by octet counting ("LEN SP MSG", when its first byte is a digit) or by
 * newlines (otherwise), as rsyslog and syslog-ng send them. Senders are
 * filtered as for UDP (dgram.h). Bounded: at most LOGSRC_TCP_CLIENTS
 * connections, at most LOGSRC_TCP_PER_SOURCE (or what
 * logsrc_tcp_set_per_source() says) from one address (more are closed
 * at once and counted as refused); when every slot is taken the oldest
 * connection that has not sent a whole message yet is closed for a new
 * one (evicted); one that began a message but has not sent a whole one
 * within LOGSRC_TCP_FIRST_MS of its accept is closed (slow); frames and lines
 * of at most LOGSRC_DGRAM_MAX bytes (longer lines are cut and counted;
 * a frame that announces more is a framing error that closes its
 * connection), and a connection silent for longer than its idle limit
 * is closed.
 *
 * Owns the listening socket and every connection; runs on the caller's
 * event loop.
 */
#ifndef ARX_LOGSRC_TCP_H
#define ARX_LOGSRC_TCP_H

#include <stdint.h>

#include "core/counters.h"
#include "core/evloop.h"
#include "logsrc/dgram.h"

#define LOGSRC_TCP_CLIENTS    64
#define LOGSRC_TCP_IDLE_MS    (10u * 60u * 1000u) /* default idle limit */
#define LOGSRC_TCP_PER_SOURCE 8                   /* default */
#define LOGSRC_TCP_FIRST_MS   5000u               /* to the first message */

struct logsrc_tcp_stats {
	unsigned long accepted, refused, messages, cut, framing_errors, idle;
	/* of idle: no whole message in time; of refused: made room */
	unsigned long slow, evicted;
	unsigned long per_source; /* of refused: too many from one address */
};

struct logsrc_tcp;

int logsrc_tcp_open(struct evloop *loop, const char *ip, unsigned port,
    const struct logsrc_dgram_filter *filter, logsrc_msg_fn *fn, void *ctx,
    struct logsrc_tcp **out);
void logsrc_tcp_close(struct logsrc_tcp *t);

/* Close connections that sent nothing for ms (default
 * LOGSRC_TCP_IDLE_MS), so silent ones cannot hold every slot; counted
 * as idle. */
void logsrc_tcp_set_idle(struct logsrc_tcp *t, uint64_t ms);
/* At most n connections from one address (0: LOGSRC_TCP_PER_SOURCE); an
 * IPv6 address counts as its /64. */
void logsrc_tcp_set_per_source(struct logsrc_tcp *t, unsigned n);
unsigned logsrc_tcp_port(const struct logsrc_tcp *t);
void logsrc_tcp_stats(const struct logsrc_tcp *t, struct logsrc_tcp_stats *st);
/* Its counters as rows (core/counters.h): syslog_messages, cut,
 * tcp_refused, framing_errors, tcp_idle_closed and the listener's
 * conn_per_source, conn_evicted, conn_slow. */
void logsrc_tcp_counters(const struct logsrc_tcp *t, struct counters *c);

#endif
