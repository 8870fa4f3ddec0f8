/*
 * A manager's part in a <cluster>: the analysis child's link to the
 * PostgreSQL database the managers share (db/pg.h, on the event loop).
 * It writes this manager's block decisions (arx_block_add) and each
 * agent's progress (the last sequence number analysed, the last block
 * delivered), reads what other managers decided (LISTEN arx_blocks, and
 * a catch-up every 5 s for a missed notification), tells the root side
 * their offences, answers an agent's HELLO with where it stands in the
 * fleet, and keeps the agent table the same on every manager (the local
 * file <state_dir>/.../agents and arx_agents / arx_tokens, both ways).
 * While the database is away, writes wait in db/pg.h's bounded queue
 * and the manager goes on alone. Owns the connection and its counters.
 */
#ifndef ARX_ANALYSIS_CLUSTER_H
#define ARX_ANALYSIS_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"

struct evloop;
struct counters;
struct cluster;

/* The deadline written for a block never lifted (timeout 0): 2100. */
#define CLUSTER_NEVER_MS INT64_C(4102444800000)

/* A block decision as the database holds it. */
struct cluster_row {
	uint64_t id;
	const char *manager, *command, *address, *agent, *alert_id;
	unsigned target; /* enum priv_target */
	int64_t made_ms, deadline_ms;
	unsigned offences, rule_id;
	bool mine; /* decided by this manager */
};

/* What the database knows of an agent saying HELLO: ok false when it
 * could not be asked (the agent goes on with what this manager knows). */
struct cluster_hello {
	bool ok;
	bool done; /* the last call for this HELLO (rows come in parts) */
	uint64_t last_seq, last_block;
	const struct cluster_row *rows; /* blocks for it not delivered yet */
	size_t nrows;
};

typedef void cluster_offence_fn(const char *command, const char *address,
    unsigned count, int64_t last_ms, void *ctx);

struct cluster_hooks {
	/* another manager's (or this one's) decision, in id order */
	void (*row)(const struct cluster_row *r, void *ctx);
	/* another manager's offence, for the root side's history (its
	 * context is offence_ctx) */
	cluster_offence_fn *offence;
	void *ctx, *offence_ctx;
};

typedef void cluster_hello_fn(
    void *ctx, uint64_t tag, const struct cluster_hello *h);
typedef void cluster_progress_fn(
    void *ctx, uint64_t tag, bool ok, uint64_t seq);

/*
 * Connect (asynchronously) to conf's <cluster> database, with password
 * (NULL: none); migrated: the schema was made current at the start
 * (else it is at the first touch). dirfd is the directory of the agent
 * table file "agents" (and "agents.synced", the table as the database
 * had it). 0, or a negative ARX_ERR_*.
 */
int cluster_start(struct evloop *loop, const struct arx_conf *conf,
    const char *password, bool migrated, int dirfd,
    const struct cluster_hooks *h, struct cluster **out);
void cluster_stop(struct cluster *c);
bool cluster_up(const struct cluster *c);

/* A decision of this manager (root's response for agents). */
void cluster_block(struct cluster *c, unsigned target, const char *agent,
    const char *command, const char *address, uint64_t timeout_s,
    unsigned offences, unsigned rule_id, const char *alert_id);

/* Ask where agent id stands; fn(ctx, tag, ...) once, later. */
void cluster_hello(struct cluster *c, uint64_t id, cluster_hello_fn *fn,
    void *ctx, uint64_t tag);

/* Record an agent's progress: the last sequence number analysed, the
 * events analysed since the last call, the last block delivered to it;
 * fn(ctx, tag, committed, seq) once, when the database has it (or at
 * once with ok false while it is away: the write waits in the queue). */
void cluster_progress(struct cluster *c, uint64_t id, uint64_t seq,
    uint64_t events, uint64_t last_block, cluster_progress_fn *fn, void *ctx,
    uint64_t tag);

/* Rows: the database client's (db_*) and the cluster's (cluster_*). */
void cluster_counters(const struct cluster *c, struct counters *rows);

#endif
