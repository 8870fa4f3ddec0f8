/*
 * A channel: one connection between a manager and an agent, as a stream
 * of whole messages. It runs the TLS handshake (tls.h), cuts what arrives
 * into frames and hands each checked message (wire.h) to the owner, and
 * queues what the owner sends, within a bound, until the socket takes
 * it. A peer that sends a bad frame, or nothing at all for idle_ms, is
 * disconnected with the reason. The owner keeps the channel alive with
 * KEEPALIVE messages of its own and acknowledges by sequence number;
 * this module knows nothing of either.
 *
 * Callbacks may call chan_close() on their channel; it is freed once
 * they return.
 */
#ifndef ARX_TRANSPORT_CHAN_H
#define ARX_TRANSPORT_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/evloop.h"
#include "transport/tls.h"
#include "transport/wire.h"

struct chan;

enum chan_state {
	CHAN_OPEN = 1, /* handshake done: messages flow */
	CHAN_CLOSED,   /* gone; why says why (NULL: closed by the owner) */
};

typedef void chan_msg_fn(struct chan *ch, const struct wire_msg *m, void *ctx);
typedef void chan_state_fn(
    struct chan *ch, enum chan_state st, const char *why, void *ctx);

struct chan_opts {
	struct evloop *loop;
	struct tls_ctx *tls;
	int fd;           /* connected, non-blocking; the channel owns it */
	size_t max_queue; /* bytes waiting to be sent at most */
	unsigned idle_ms; /* nothing received for this long: closed */
	bool server;      /* no TLS state (nor its ~40 KiB of memory)
			   * until the peer has sent something */
	chan_msg_fn *on_msg;
	chan_state_fn *on_state;
	void *ctx;
};

int chan_open(const struct chan_opts *o, struct chan **out);

/* Queue m: 0, ARX_ERR_INVAL (m would not parse), ARX_ERR_TOOBIG (the
 * queue is full: the caller keeps m for later), ARX_ERR_STATE (not open). */
int chan_send(struct chan *ch, const struct wire_msg *m);

/* Bytes queued and not yet taken by the socket. */
size_t chan_queued(const struct chan *ch);

/* Stop delivering messages (they wait, and nothing more is read) until
 * chan_resume, which delivers what waited and goes on; sending goes on
 * meanwhile. chan_resume must not be called from the channel's own
 * callbacks. It may close the channel (its on_state is called). */
void chan_hold(struct chan *ch);
void chan_resume(struct chan *ch);

/* The agent id the peer proved (manager side) or ours (agent side). */
uint64_t chan_agent_id(const struct chan *ch);

/* Close now (what is queued is dropped); on_state is not called. */
void chan_close(struct chan *ch);

#endif
