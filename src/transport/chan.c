/*
 * Implementation of chan.h: one descriptor on the event loop, an input
 * buffer of one frame at most (made when the handshake is over, IN_FIRST
 * bytes, grown as the frames need: a connection that never completes a
 * handshake costs no buffer; on the server side the TLS state itself
 * waits for the peer's first bytes), an output buffer bounded by max_queue,
 * and an idle timer. step() does all the work each time the descriptor
 * is ready: handshake, then write what is queued, then read and deliver
 * every whole frame.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "transport/chan.h"

#define IN_MAX   (WIRE_FRAME_MAX + 4u)
#define IN_FIRST (16u * 1024u)

struct chan {
	struct chan_opts o;
	struct tls_conn *t;
	struct evio io;
	struct evtimer idle;
	bool open, dead;
	bool held; /* chan_hold: frames wait, nothing more is read */
	int in_cb;
	unsigned char *in;
	size_t nin, in_cap;
	struct buf out;
	size_t sent;
	enum tls_want want;
};

static void
chan_free(struct chan *ch)
{
	evloop_io_stop(ch->o.loop, &ch->io);
	evloop_timer_stop(ch->o.loop, &ch->idle);
	tls_conn_free(ch->t);
	close(ch->o.fd);
	buf_release(&ch->out);
	free(ch->in);
	free(ch);
}

void
chan_close(struct chan *ch)
{
	if (ch == NULL)
		return;
	ch->dead = true;
	if (ch->in_cb == 0)
		chan_free(ch);
}

/* Tell the owner why, then go. */
static void
chan_fail(struct chan *ch, const char *why)
{
	if (ch->dead)
		return;
	ch->in_cb++;
	ch->o.on_state(ch, CHAN_CLOSED, why, ch->o.ctx);
	ch->in_cb--;
	chan_close(ch);
}

static void
interest(struct chan *ch)
{
	unsigned ev = ch->held && ch->want != TLS_WANT_READ ? 0 : EV_READ;

	if (ch->want == TLS_WANT_WRITE || (ch->open && ch->sent < ch->out.len))
		ev |= EV_WRITE;
	if (ev != ch->io.events || !ch->io.active) {
		evloop_io_stop(ch->o.loop, &ch->io);
		ch->io.events = ev;
		(void)evloop_io_start(ch->o.loop, &ch->io);
	}
}

static int
flush(struct chan *ch)
{
	long n;

	while (ch->sent < ch->out.len) {
		n = tls_conn_write(ch->t, ch->out.data + ch->sent,
		    ch->out.len - ch->sent, &ch->want);
		if (n < 0) {
			/* keep only what is left, at the front */
			memmove(ch->out.data, ch->out.data + ch->sent,
			    ch->out.len - ch->sent);
			buf_truncate(&ch->out, ch->out.len - ch->sent);
			ch->sent = 0;
			return (int)n;
		}
		ch->sent += (size_t)n;
	}
	buf_reset(&ch->out);
	ch->sent = 0;
	return 0;
}

/* Deliver every whole frame in the input buffer. */
static const char *
deliver(struct chan *ch)
{
	struct wire_msg m;
	const char *why = NULL;
	size_t total;

	while (!ch->dead && !ch->held && ch->nin >= 4) {
		if (wire_frame_len(ch->in, ch->nin, &total, &why) != 0)
			return why;
		if (ch->nin < total)
			return NULL;
		if (wire_parse(ch->in, total, &m, &why) != 0)
			return why;
		ch->in_cb++;
		ch->o.on_msg(ch, &m, ch->o.ctx);
		ch->in_cb--;
		memmove(ch->in, ch->in + total, ch->nin - total);
		ch->nin -= total;
	}
	return NULL;
}

/* Room for more input: the buffer doubled (up to IN_MAX) when full. */
static bool
in_room(struct chan *ch)
{
	size_t cap = ch->in_cap == 0 ? IN_FIRST : ch->in_cap * 2;
	unsigned char *p;

	if (ch->nin < ch->in_cap)
		return true;
	if (ch->in_cap >= IN_MAX)
		return false;
	if (cap > IN_MAX)
		cap = IN_MAX;
	if ((p = realloc(ch->in, cap)) == NULL)
		return false;
	ch->in = p;
	ch->in_cap = cap;
	return true;
}

static const char *
receive(struct chan *ch)
{
	const char *why;
	long n;

	for (;;) {
		if (ch->held)
			return NULL;
		if (!in_room(ch))
			return "out of memory";
		n = tls_conn_read(
		    ch->t, ch->in + ch->nin, ch->in_cap - ch->nin, &ch->want);
		if (n == ARX_ERR_AGAIN)
			return NULL;
		if (n <= 0)
			return n == 0 ? "closed by the peer"
				      : "connection lost";
		ch->nin += (size_t)n;
		(void)evloop_timer_start(ch->o.loop, &ch->idle, ch->o.idle_ms);
		if ((why = deliver(ch)) != NULL || ch->dead)
			return why;
	}
}

static void
step(struct chan *ch)
{
	const char *why = NULL;
	int r;

	if (ch->t == NULL &&
	    (ch->t = tls_conn_new(ch->o.tls, ch->o.fd)) == NULL) {
		chan_fail(ch, "out of memory");
		return;
	}
	if (!ch->open) {
		r = tls_conn_handshake(ch->t, &ch->want, &why);
		if (r == ARX_ERR_AGAIN) {
			interest(ch);
			return;
		}
		if (r != 0) {
			chan_fail(ch, why ? why : "handshake failed");
			return;
		}
		ch->open = true;
		ch->in_cb++;
		ch->o.on_state(ch, CHAN_OPEN, NULL, ch->o.ctx);
		ch->in_cb--;
		if (ch->dead) {
			chan_close(ch);
			return;
		}
	}
	if ((r = flush(ch)) != 0 && r != ARX_ERR_AGAIN) {
		chan_fail(ch, "connection lost");
		return;
	}
	ch->in_cb++;
	why = receive(ch);
	ch->in_cb--;
	if (ch->dead)
		chan_close(ch);
	else if (why != NULL)
		chan_fail(ch, why);
	else
		interest(ch);
}

static void
on_io(struct evloop *loop, struct evio *io, unsigned events)
{
	(void)loop, (void)events;
	step(io->ctx);
}

static void
on_idle(struct evloop *loop, struct evtimer *t)
{
	(void)loop;
	chan_fail(t->ctx, "nothing received for too long");
}

int
chan_open(const struct chan_opts *o, struct chan **out)
{
	struct chan *ch = calloc(1, sizeof(*ch));
	int one = 1;

	*out = NULL;
	if (ch == NULL ||
	    (!o->server && (ch->t = tls_conn_new(o->tls, o->fd)) == NULL)) {
		free(ch);
		close(o->fd);
		return ARX_ERR_NOMEM;
	}
	ch->o = *o;
	/* messages go as whole frames, one at a time: waiting for more
	 * (Nagle) against the peer's delayed ACK cost 40 ms a response */
	(void)setsockopt(o->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	buf_init(&ch->out, o->max_queue);
	evio_init(&ch->io, o->fd, o->server ? EV_READ : EV_READ | EV_WRITE,
	    on_io, ch);
	evtimer_init(&ch->idle, on_idle, ch);
	(void)evloop_timer_start(o->loop, &ch->idle, o->idle_ms);
	if (evloop_io_start(o->loop, &ch->io) != 0) {
		chan_free(ch);
		return ARX_ERR_SYS;
	}
	*out = ch;
	return 0;
}

int
chan_send(struct chan *ch, const struct wire_msg *m)
{
	size_t before = ch->out.len;
	int r;

	if (!ch->open || ch->dead)
		return ARX_ERR_STATE;
	if ((r = wire_put(&ch->out, m)) != 0)
		return r == ARX_ERR_INVAL ? r : ARX_ERR_TOOBIG;
	if (before == 0)
		(void)flush(
		    ch); /* what is left goes when the socket is ready */
	interest(ch);
	return 0;
}

void
chan_hold(struct chan *ch)
{
	ch->held = true;
	interest(ch);
}

void
chan_resume(struct chan *ch)
{
	const char *why;

	if (!ch->held || ch->dead)
		return;
	ch->held = false;
	ch->in_cb++;
	why = deliver(ch);
	ch->in_cb--;
	if (ch->dead)
		chan_close(ch);
	else if (why != NULL)
		chan_fail(ch, why);
	else
		step(ch); /* what TLS holds already, and the socket's */
}

size_t
chan_queued(const struct chan *ch)
{
	return ch->out.len - ch->sent;
}

uint64_t
chan_agent_id(const struct chan *ch)
{
	return ch->t != NULL ? tls_conn_agent_id(ch->t) : 0;
}
