/*
 * The manager's side of the agent channel (<remote><connection>secure),
 * in the analysis child: a TCP listener whose connections must prove an
 * agent key of the table (<state_dir>/analysis/agents, read again when
 * it changes, so a removed agent is refused at its next handshake and
 * its open connection is closed within a second), from an allowed
 * address. An agent says HELLO, then sends EVENTs; each new one (by
 * sequence number: one sent again after a reconnect is recognised and
 * dropped) goes to the line callback with the location
 * "(name) address->log", as Wazuh names agent events, and is
 * acknowledged.
 */
#ifndef ARX_ANALYSIS_REMOTE_H
#define ARX_ANALYSIS_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"
#include "core/counters.h"
#include "core/evloop.h"

struct remote_srv;

typedef void remote_line_fn(
    const char *line, size_t len, const char *location, void *ctx);

struct remote_stats {
	unsigned long connected;   /* agents connected now */
	unsigned long events;      /* events received and analysed */
	unsigned long duplicates;  /* events sent again, dropped */
	unsigned long refused;     /* connections refused */
	unsigned long per_source;  /* of them: too many from one source */
	unsigned long timeouts;    /* of them: no HELLO within 5 s */
	unsigned long evicted;     /* of them: the oldest without HELLO */
	unsigned long responses;   /* responses sent to agents */
	unsigned long undelivered; /* responses dropped: too many waiting */
	unsigned long queued;      /* kept for an agent that was away */
	unsigned long expired;     /* kept too long: the block was over */
	unsigned long configs_applied, configs_refused; /* agent.conf */
};

/* shared_dir: the agent.conf of each group (shared.h), offered to each
 * agent that runs another version when it says HELLO and every second. */
int remote_start(struct evloop *loop, const struct conf_remote *r,
    const char *node_name, const char *shared_dir, int dirfd,
    remote_line_fn *fn, void *ctx, struct remote_srv **out);
void remote_stop(struct remote_srv *s);
/* Read back (as the user, not root) what the last run saved in
 * <state_dir>/analysis/remote.state: each agent's last sequence number
 * analysed, the responses kept for agents away, the recent responses
 * whose block is not over (the feed). Saved once a second when it
 * changed and at stop. */
void remote_restore(struct remote_srv *s);

/*
 * Send a response to agents: to (1) the agent named agent, (2) the agent
 * whose id agent holds, (3) every connected agent. Returns how many
 * agents it went to. One for a named agent that is not connected is kept
 * (at most 10,000) and delivered when it says HELLO, unless its block
 * would already be over then (expired, logged and counted); one for
 * every agent is kept so for each agent of the table not connected that
 * was seen within the last 24 hours. In a <cluster>, an add is also
 * written to the database, which keeps it for the agents not here
 * (while it is away, this manager keeps them as above).
 */
struct remote_ask {
	unsigned to;
	const char *agent, *command, *action, *address, *alert_id;
	uint64_t timeout_s;
	unsigned rule_id, offences;
};
unsigned remote_response(struct remote_srv *s, const struct remote_ask *q);

/* <cluster>: the database this manager shares (NULL: none), and a block
 * it holds (cluster.h's row hook): sent to the connected agents it is
 * for that have not had it. */
struct cluster;
struct cluster_row;
void remote_set_cluster(struct remote_srv *s, struct cluster *cl);
void remote_cluster_row(const struct cluster_row *r, void *ctx);
void remote_stats(const struct remote_srv *s, struct remote_stats *st);
/* Its counters as rows (core/counters.h): agents_connected,
 * agents_refused, configs_refused, agent_events, agent_responses,
 * responses_kept, responses_expired and the listener's conn_per_source,
 * conn_evicted, conn_slow. */
void remote_counters(const struct remote_srv *s, struct counters *c);

/* Every active agent of the table, with what this manager knows of it. */
struct remote_agent {
	uint64_t id;
	const char *name;
	bool connected, seen; /* seen: connected at least once */
	int64_t last_seen_ms;
	uint64_t events;
	uint32_t eps, blocks;
	const char *group;
	uint32_t config; /* enum priv_agent_config */
};
/* The addresses of recent responses sent to agents whose block is not
 * over (the blocklist feed). */
void remote_blocked(const struct remote_srv *s,
    void (*fn)(const char *addr, void *ctx), void *ctx);
void remote_agents(const struct remote_srv *s,
    void (*fn)(const struct remote_agent *a, void *ctx), void *ctx);
unsigned remote_port(const struct remote_srv *s);

#endif
