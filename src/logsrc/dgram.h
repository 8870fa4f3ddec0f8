/*
 * Syslog over datagrams: a UDP listener (IPv4 or IPv6, RFC 3164 and
 * 5424 messages, one per datagram) or a Unix datagram socket such as
 * the one a local syslog daemon or sshd's `-E`/rsyslog forwarding can
 * write to. Each datagram is one message: a trailing newline or NUL is
 * dropped, and anything else in it stays in the one message (the
 * pre-decoder escapes control characters), so a datagram never becomes
 * two events. Messages longer than LOGSRC_DGRAM_MAX are cut and counted.
 *
 * UDP senders are filtered by address: one in a denied block is dropped;
 * with allowed blocks, only those are taken; with none, only loopback
 * (a syslog port open to anyone would let anyone write the lines that
 * get addresses blocked). Drops are counted.
 *
 * Owns its socket (and, for Unix, the socket file).
 */
#ifndef ARX_LOGSRC_DGRAM_H
#define ARX_LOGSRC_DGRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/addr.h"
#include "core/counters.h"

#define LOGSRC_DGRAM_MAX 65536

/* from: the sender's address (UDP) or the socket path (Unix). */
typedef void logsrc_msg_fn(
    const char *msg, size_t len, const char *from, void *ctx);

struct logsrc_dgram_stats {
	unsigned long received, cut, denied;
};

struct logsrc_dgram;

struct logsrc_dgram_filter {
	const struct arx_cidr *allow, *deny;
	size_t nallow, ndeny;
};

struct sockaddr_storage;

/* May a sender at ss send (the rule above)? Its address, canonical, goes
 * to from. Shared with the TCP listener. */
bool logsrc_sender_ok(const struct logsrc_dgram_filter *f,
    const struct sockaddr_storage *ss, char *from, size_t size);

/* Listen on ip (NULL: every IPv6 and IPv4 address) and port (0: any
 * free port, for tests). */
int logsrc_dgram_udp(const char *ip, unsigned port,
    const struct logsrc_dgram_filter *filter, logsrc_msg_fn *fn, void *ctx,
    struct logsrc_dgram **out);
/* Bind a Unix datagram socket at path (mode 0620; a stale file is
 * replaced). */
int logsrc_dgram_unix(
    const char *path, logsrc_msg_fn *fn, void *ctx, struct logsrc_dgram **out);
void logsrc_dgram_close(struct logsrc_dgram *s);

/* Messages without a host name (what programs write to /dev/log:
 * "<PRI>Mmm dd hh:mm:ss tag[pid]: ...") get host after their stamp, as
 * a syslog daemon does, so they decode like auth.log lines. */
void logsrc_dgram_set_host(struct logsrc_dgram *s, const char *host);

/* The descriptor to watch for reading, and the bound UDP port. */
int logsrc_dgram_fd(const struct logsrc_dgram *s);
unsigned logsrc_dgram_port(const struct logsrc_dgram *s);

/* Take every datagram waiting; returns how many messages were handed
 * over. */
int logsrc_dgram_read(struct logsrc_dgram *s);

void logsrc_dgram_stats(
    const struct logsrc_dgram *s, struct logsrc_dgram_stats *st);
/* Its counters as rows (core/counters.h): syslog_messages, cut,
 * senders_denied. */
void logsrc_dgram_counters(const struct logsrc_dgram *s, struct counters *c);

#endif
