/*
 * What the manager's two files share (remote.c: agents' connections,
 * responses and agent.conf offers; remote_state.c: what outlives a
 * restart, written and read back): struct remote_srv and its parts.
 * Private to src/daemon.
 */
#ifndef ARX_ANALYSIS_REMOTE_INT_H
#define ARX_ANALYSIS_REMOTE_INT_H

#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "analysis/cluster.h"
#include "analysis/remote.h"
#include "analysis/shared.h"
#include "ar/arlog.h"
#include "core/addr.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/net.h"
#include "core/server.h"
#include "core/statefile.h"
#include "core/strparse.h"
#include "transport/chan.h"
#include "transport/keys.h"
#include "transport/priv.h"

#define SEEN_BLOCKS 64 /* responses remembered per agent, for status */
#define STATE_FILE  "remote.state"
#define STATE_LINE  512

struct seen {
	uint64_t id, last_seq;
	int64_t last_seen_ms;
	uint64_t events, events_mark;
	uint32_t eps;
	int64_t until[SEEN_BLOCKS]; /* when each recent response's block ends */
	unsigned nuntil;
	uint32_t config; /* enum priv_agent_config */
	/* <cluster>: the last sequence number the database has (what may
	 * be acknowledged), the last one and the events count sent to it */
	uint64_t db_seq, db_sent, db_events;
};

/* A response for an agent that was not connected: delivered when it
 * says HELLO, unless its block would already be over by then. */
struct pending {
	struct pending *next;
	unsigned to; /* 1 name, 2 id */
	char agent[KEYS_NAME_MAX + 1];
	char command[128], action[16], address[64], alert_id[64];
	uint64_t timeout_s;
	unsigned rule_id;
	int64_t made_ms;
};

#define MAX_PENDING 10000u
#define ABSENT_MS   (24 * 3600 * 1000LL) /* all: agents waited for */
#define SENT_MAX    4096u                /* recent responses, for the feed */

struct sent {
	char addr[64];
	int64_t until;
};

/* A connection: its peer, deadline (HELLO within PREAUTH_MS) and
 * per-source count are the server's (sc); its descriptor is the
 * channel's. */
struct rconn {
	struct server_conn sc; /* first: the server allocates rconns */
	struct remote_srv *s;
	struct chan *ch;
	uint64_t id;
	char name[KEYS_NAME_MAX + 1];
	bool hello; /* the server's settled, its source count given back */
	unsigned unacked;
	char have[TLS_DIGEST_HEX]; /* agent.conf version it runs */
	char sent[TLS_DIGEST_HEX]; /* version last sent to it */
	/* <cluster>: this connection among every one (an answer from the
	 * database finds it by it), whether its events wait for the
	 * database's answer to HELLO, and the last of the fleet's blocks
	 * it has had (and the last the database was told of) */
	uint64_t serial, cursor, cursor_sent;
	bool held;
	int64_t held_ms;  /* since when (monotonic) */
	bool place_known; /* the database said where its agent stands */
	bool asking;      /* a question on its place is out */
	bool writing;     /* its progress is being written */
};

struct remote_srv {
	struct evloop *loop;
	struct server *srv; /* the listener and the connections */
	struct evtimer check;
	unsigned port;
	const char *node;
	int dirfd;
	struct tls_ctx *tls;
	struct agent_keys table;
	struct timespec table_mtime;
	off_t table_size;
	struct seen *seen;
	size_t nseen, seen_cap;
	remote_line_fn *fn;
	void *ctx;
	struct remote_stats st;
	uint64_t next_response;
	struct pending *pending;
	unsigned npending;
	struct sent sent[SENT_MAX];
	unsigned nsent;
	struct shared_groups *groups; /* agent.conf of each group */
	bool dirty;                   /* what STATE_FILE holds has changed */
	struct log_limit refuse_log;  /* refusals: once a second */
	struct cluster *cl;           /* <cluster>, or NULL */
	uint64_t serials;
	struct evtimer flush;     /* <cluster>: agents' progress written */
	unsigned dropped_preauth; /* since the last check: trim then */
};

/* remote.c: the record of agent id (made on first sight); NULL when out
 * of memory */
struct seen *rm_seen_of(struct remote_srv *s, uint64_t id);

/* remote.c: the connections (newest first), whether c is a response's
 * target (to: 1 name, 2 id, 3 all), a response sent on c, an ACK */
struct rconn *rm_conn_first(const struct remote_srv *s);
struct rconn *rm_conn_next(const struct rconn *c);
bool rm_targeted(const struct rconn *c, unsigned to, const char *agent);
int rm_response_send(struct rconn *c, const char *command, const char *action,
    const char *address, uint64_t timeout_s, unsigned rule_id,
    const char *alert_id);
void rm_send_ack(struct rconn *c, uint64_t seq);

/* remote_cluster.c: <cluster>'s part in a HELLO, in acknowledging
 * events, and delivering the fleet's blocks */
bool rm_clustered(const struct remote_srv *s);
void rm_cluster_hello(struct rconn *c);
uint64_t rm_ackable(const struct remote_srv *s, const struct seen *sn);
void rm_on_flush(struct evloop *loop, struct evtimer *t);
void rm_cluster_closed(struct rconn *c);

/* remote_state.c: STATE_FILE written whole (remote_restore() reads it) */
void rm_state_save(struct remote_srv *s);

#endif
