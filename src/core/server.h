/*
 * One stream listener for every server of arx (the control socket,
 * syslog over TCP, enrollment, the feed, the agent port): the listening
 * socket on the event loop, the accept loop with a cap on connections
 * and, for the listeners anyone can reach, a per-source limit
 * (core/srclimit.h); when every slot is taken, either the newcomer is
 * refused or the oldest connection not yet settled (one the protocol has
 * not marked as doing its work) is closed to make room. Each connection
 * has its peer's address, a deadline timer, and an input and an output
 * buffer bounded by the listener's limits. The counters the listeners
 * report (accepted, refused, per source, evicted, timed out) are kept
 * here.
 *
 * The protocol stays with the listener and is reached through struct
 * server_ops; a listener's connection embeds struct server_conn as its
 * first member (the server allocates ops->conn_size bytes, zeroed). The
 * server owns the listening descriptor, every connection and each
 * connection's descriptor (unless the protocol took it), and frees them
 * at server_conn_close() or server_stop().
 *
 * Callbacks may close their own connection (server_conn_close()); it is
 * freed at once, so a callback must not touch it afterwards.
 */
#ifndef ARX_CORE_SERVER_H
#define ARX_CORE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/buf.h"
#include "core/counters.h"
#include "core/evloop.h"

#define SERVER_PEER_MAX 64 /* the peer's text, NUL included */

struct server;
struct sockaddr_storage;

/*
 * A connection. The listener reads fd, peer, peer_text, since_ms and
 * the buffers; it writes in and out (through the helpers below or
 * directly, within their bounds). The rest is the server's.
 */
struct server_conn {
	struct server *srv;
	int fd;                          /* -1 once the protocol took it */
	struct arx_addr peer;            /* ADDR_NONE: not an IP peer */
	char peer_text[SERVER_PEER_MAX]; /* canonical address, or "?" */
	uint64_t since_ms;               /* accepted (evloop clock) */
	struct buf in;                   /* what came, at most in_max */
	struct buf out;                  /* what goes, at most out_max */
	size_t sent;                     /* of out, written already */
	/* the server's */
	struct evio io;
	struct evtimer deadline;
	bool counted; /* holds a count of the per-source limit */
	bool settled; /* not to be evicted for a newcomer */
	struct server_conn *prev, *next; /* newest first */
};

/* Why a newcomer was refused (server_ops.refused). */
enum server_refusal {
	SERVER_REFUSED_SOURCE, /* its source holds per_source already */
	SERVER_REFUSED_FULL,   /* no slot: every one taken and none could be
				* evicted, or no memory for one */
};

/*
 * What the listener does; only accepted is required, and io unless
 * accepted takes every connection's descriptor (server_conn_take_fd()).
 * None of them is called after server_stop() began, except closed.
 */
struct server_ops {
	size_t conn_size; /* of the listener's connection, >= sizeof
			   * (struct server_conn), which is its head */
	/* Before the per-source limit and the cap: 0 lets the newcomer in,
	 * anything else turns it away (the server counts it in denied and
	 * closes fd; the callback may write a word to fd first). */
	int (*admit)(struct server *s, int fd,
	    const struct sockaddr_storage *sa, const struct arx_addr *peer);
	/* A newcomer is refused; fd is closed after the call. */
	void (*refused)(struct server *s, int fd, const char *peer,
	    enum server_refusal why);
	/* Set up the protocol's part of c. 0, or an error after undoing
	 * what it did (the server then closes c without calling closed,
	 * and counts nothing). */
	int (*accepted)(struct server_conn *c);
	/* c's descriptor is ready (EV_READ, EV_WRITE, EV_ERROR). */
	void (*io)(struct server_conn *c, unsigned events);
	/* c's deadline passed (counted in timeouts). NULL: c is closed. */
	void (*timeout)(struct server_conn *c);
	/* c is about to be closed to make room for a newcomer. */
	void (*evicted)(struct server_conn *c);
	/* c is being closed: release the protocol's part of it (the
	 * server releases its descriptor, buffers and count after). */
	void (*closed)(struct server_conn *c);
};

struct server_opts {
	struct evloop *loop;
	int fd;                 /* listening, non-blocking: the server's now */
	unsigned max_conns;     /* slots */
	unsigned per_source;    /* at most this many from one source; 0: no
			      * per-source limit (a Unix socket) */
	bool evict;             /* every slot taken: the oldest connection
			      * not settled makes room (else refused) */
	size_t in_max, out_max; /* each connection's buffers */
	const struct server_ops *ops;
	void *ctx; /* the listener's, for server_ctx() */
};

struct server_stats {
	unsigned long accepted;   /* given a slot */
	unsigned long denied;     /* turned away by ops->admit */
	unsigned long per_source; /* refused: too many from its source */
	unsigned long full;       /* refused: no slot */
	unsigned long evicted;    /* closed to make room for a newcomer */
	unsigned long timeouts;   /* deadlines that passed */
};

/*
 * Serve o->fd on o->loop (o and *o->ops are copied, ops kept). 0 with
 * *out; ARX_ERR_NOMEM or ARX_ERR_SYS, with o->fd closed.
 */
int server_start(const struct server_opts *o, struct server **out);

/* Close every connection (ops->closed for each) and the listening
 * socket, and free s. NULL is a no-op. */
void server_stop(struct server *s);

/* The listener's ctx given to server_start(). */
void *server_ctx(const struct server *s);

/* At most n connections from one source from now on (n > 0; only for
 * a server started with a per-source limit). */
void server_set_per_source(struct server *s, unsigned n);

void server_stats(const struct server *s, struct server_stats *st);
/* The listener defences' counter rows every listener shares
 * (core/counters.h): conn_per_source, conn_evicted, and its deadlines
 * that passed as slow_name (NULL: the listener counts those itself). */
void server_counters(
    const struct server *s, const char *slow_name, struct counters *c);

/* Connections held now. */
unsigned server_nconns(const struct server *s);

/* The connections, newest first: server_first(), then
 * server_conn_next() until NULL. Closing the current one while walking
 * is allowed once its next was taken. */
struct server_conn *server_first(const struct server *s);
struct server_conn *server_conn_next(const struct server_conn *c);

/* Close c: ops->closed, then its descriptor, buffers and per-source
 * count; c is freed. */
void server_conn_close(struct server_conn *c);

/*
 * Read once from c's descriptor into c->in (within in_max). The bytes
 * read (> 0), 0 at the end of the stream, ARX_ERR_AGAIN when nothing is
 * there now, ARX_ERR_TOOBIG when c->in is full already, ARX_ERR_NOMEM,
 * or ARX_ERR_SYS (errno).
 */
long server_conn_read(struct server_conn *c);

/*
 * Write c->out from c->sent on. 0 when all of it is written;
 * ARX_ERR_AGAIN when the socket is full (c then waits for EV_WRITE);
 * ARX_ERR_SYS when the peer is gone.
 */
int server_conn_flush(struct server_conn *c);

/* Watch c's descriptor for events (EV_READ, EV_WRITE; 0 stops
 * watching). 0 or ARX_ERR_SYS. */
int server_conn_wait(struct server_conn *c, unsigned events);

/* (Re)start c's deadline, ms from now. 0 or ARX_ERR_NOMEM. */
int server_conn_deadline(struct server_conn *c, uint64_t ms);
void server_conn_deadline_stop(struct server_conn *c);

/* c is doing its work: it is no longer evicted for a newcomer. */
void server_conn_settle(struct server_conn *c);

/* Give c's per-source count back now (the agent port, once the agent
 * proved who it is); no-op when it holds none. */
void server_conn_put_source(struct server_conn *c);

/* Hand c's descriptor to the protocol, which closes it from now on:
 * the server stops watching it and forgets it. Returns it. */
int server_conn_take_fd(struct server_conn *c);

#endif
