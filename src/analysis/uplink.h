/*
 * The agent's side of the agent channel (<client>), in the analysis
 * child: every line the agent's sources read becomes an EVENT for the
 * manager instead of being analysed here. Events wait in a bounded queue
 * (oldest dropped and counted beyond <client_buffer>'s
 * queue_size events or queue_mib MiB) until the manager acknowledges them, and are sent
 * again after a reconnect; the manager drops what it has already seen,
 * by sequence number. Sequence numbers start from the start time in
 * milliseconds times 1000, so a restarted agent continues above them.
 * The <server>s are tried in order: a connect that fails or gets no
 * answer within 3 s, a TLS handshake not done within 10 s and a
 * connection lost each move the agent on to the next one at once
 * (wrapping round), and it says HELLO and sends everything not
 * acknowledged there; when every server of a round has failed, the next
 * round starts from the first after 1 s, doubling to 60 s. A KEEPALIVE
 * goes every <notify_time>. The queue is also written to
 * <state_dir>/analysis/outbox as it grows, so an agent killed while its
 * manager is away reads its events back when it starts (it survives the
 * process, not a power cut: the file is not fsync'd per event).
 */
#ifndef ARX_ANALYSIS_UPLINK_H
#define ARX_ANALYSIS_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"
#include "core/counters.h"
#include "core/evloop.h"

struct uplink;

/* A response the manager sent, checked (a plain command name, add or
 * delete, an address that parses), for the root process to run. */
typedef void uplink_response_fn(const char *command, const char *action,
    const char *address, uint64_t timeout_s, unsigned rule_id, void *ctx);

struct uplink_stats {
	unsigned long queued, sent, acked, dropped, connects;
	unsigned long responses, bad_responses;
	unsigned long failovers; /* moves to another <server> */
	size_t server;           /* the <server> used or tried, from 0 */
	bool connected;
};

/* Read <state_dir>/agent.key (while root), read back the outbox
 * (dirfd: the analysis directory) and start connecting. */
int uplink_start(struct evloop *loop, const struct arx_conf *conf, int dirfd,
    uplink_response_fn *fn, void *ctx, struct uplink **out);
void uplink_stop(struct uplink *u);
void uplink_event(
    struct uplink *u, const char *line, size_t len, const char *location);
void uplink_stats(const struct uplink *u, struct uplink_stats *st);
/* Its counters as rows (core/counters.h): uplink_connected,
 * uplink_sent, uplink_acked, uplink_dropped, uplink_queued,
 * uplink_failovers and uplink_server (the index of the <server> in use or
 * being tried, from 0). */
void uplink_counters(const struct uplink *u, struct counters *c);

/* Apply the agent.conf the manager sent (text[0..len), no NUL in it,
 * version hash checked): 0, or an error with why filled. */
typedef int uplink_config_fn(const char *group, const char *hash,
    const char *text, size_t len, char *why, size_t whysize, void *ctx);
/* Who applies agent.conf pushes, and the version in force now (the
 * SHA-256 of the text, of "" when there is none), said in HELLO. */
void uplink_set_config(
    struct uplink *u, uplink_config_fn *fn, void *ctx, const char *hash);
/* The agent's name, from its key file. */
const char *uplink_name(const struct uplink *u);

#endif
