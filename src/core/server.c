/*
 * Implementation of server.h: the listening watcher, the accept loop
 * (admit, per-source count, slot or eviction, the protocol's set-up),
 * the list of connections (newest first, so the oldest not settled is
 * the last such one; a scan, as a listener holds at most a thousand or
 * so connections and an accept costs more), each connection's watcher,
 * deadline and buffers, and stop.
 */
#define _GNU_SOURCE /* accept4 */
#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/net.h"
#include "core/server.h"
#include "core/srclimit.h"

#define READ_CHUNK 16384u

struct server {
	struct evloop *loop;
	struct evio lis;
	struct server_opts o;
	struct server_ops ops;
	struct srclimit src; /* when o.per_source > 0 */
	struct server_conn *conns;
	unsigned nconns;
	struct server_stats st;
};

static void
conn_unlink(struct server_conn *c)
{
	struct server *s = c->srv;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	s->nconns--;
}

/* The server's part of closing c: after ops->closed, or instead of it
 * when the protocol never had c. */
static void
conn_free(struct server_conn *c)
{
	struct server *s = c->srv;

	conn_unlink(c);
	evloop_io_stop(s->loop, &c->io);
	evloop_timer_stop(s->loop, &c->deadline);
	if (c->fd >= 0)
		close(c->fd);
	server_conn_put_source(c);
	buf_release(&c->in);
	buf_release(&c->out);
	free(c);
}

void
server_conn_close(struct server_conn *c)
{
	if (c->srv->ops.closed != NULL)
		c->srv->ops.closed(c);
	conn_free(c);
}

static void
on_conn_io(struct evloop *loop, struct evio *io, unsigned events)
{
	struct server_conn *c = io->ctx;

	(void)loop;
	c->srv->ops.io(c, events);
}

static void
on_conn_deadline(struct evloop *loop, struct evtimer *t)
{
	struct server_conn *c = t->ctx;

	(void)loop;
	c->srv->st.timeouts++;
	if (c->srv->ops.timeout != NULL)
		c->srv->ops.timeout(c);
	else
		server_conn_close(c);
}

/* Every slot is taken: the oldest connection not settled goes. False
 * when every one is settled. */
static bool
conn_evict(struct server *s)
{
	struct server_conn *old = NULL;

	for (struct server_conn *c = s->conns; c != NULL; c = c->next)
		if (!c->settled)
			old = c;
	if (old == NULL)
		return false;
	s->st.evicted++;
	if (s->ops.evicted != NULL)
		s->ops.evicted(old);
	server_conn_close(old);
	return true;
}

/* A newcomer with its slot: in the list, not yet the protocol's. */
static struct server_conn *
conn_new(struct server *s, int fd, const struct arx_addr *peer,
    const char *text, bool counted)
{
	struct server_conn *c = calloc(1, s->ops.conn_size);

	if (c == NULL)
		return NULL;
	c->srv = s;
	c->fd = fd;
	c->peer = *peer;
	memcpy(c->peer_text, text, SERVER_PEER_MAX);
	c->since_ms = clock_mono_ms(evloop_clock(s->loop));
	c->counted = counted;
	buf_init(&c->in, s->o.in_max);
	buf_init(&c->out, s->o.out_max);
	evio_init(&c->io, fd, EV_READ, on_conn_io, c);
	evtimer_init(&c->deadline, on_conn_deadline, c);
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	return c;
}

static void
refuse(struct server *s, int fd, const char *text, enum server_refusal why)
{
	if (s->ops.refused != NULL)
		s->ops.refused(s, fd, text, why);
	close(fd);
}

/* The protocol takes the newcomer c; it is watched for reading unless
 * the protocol took its descriptor. */
static void
conn_start(struct server *s, struct server_conn *c)
{
	if (s->ops.accepted(c) != 0) {
		conn_free(c);
		return;
	}
	if (c->fd >= 0 && evloop_io_start(s->loop, &c->io) != 0) {
		server_conn_close(c);
		return;
	}
	s->st.accepted++;
}

static void
conn_accept(struct server *s, int fd, const struct sockaddr_storage *sa)
{
	struct arx_addr a = {0};
	char text[SERVER_PEER_MAX] = "";
	bool limited = s->o.per_source > 0;
	struct server_conn *c = NULL;

	(void)net_peer(sa, &a, text, sizeof(text));
	if (s->ops.admit != NULL && s->ops.admit(s, fd, sa, &a) != 0) {
		s->st.denied++;
		close(fd);
		return;
	}
	if (limited && srclimit_take(&s->src, &a) != 0) {
		refuse(s, fd, text, SERVER_REFUSED_SOURCE);
		return;
	}
	if ((s->nconns < s->o.max_conns || (s->o.evict && conn_evict(s))))
		c = conn_new(s, fd, &a, text, limited);
	if (c == NULL) {
		if (limited)
			srclimit_put(&s->src, &a);
		s->st.full++;
		refuse(s, fd, text, SERVER_REFUSED_FULL);
		return;
	}
	conn_start(s, c);
}

static void
on_accept(struct evloop *loop, struct evio *io, unsigned events)
{
	struct server *s = io->ctx;
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int fd;

	(void)loop, (void)events;
	while ((fd = accept4(io->fd, (struct sockaddr *)&sa, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
		conn_accept(s, fd, &sa);
		len = sizeof(sa);
	}
}

int
server_start(const struct server_opts *o, struct server **out)
{
	struct server *s = calloc(1, sizeof(*s));
	int r = ARX_ERR_NOMEM;

	*out = NULL;
	if (s == NULL)
		goto out_close_fd;
	s->loop = o->loop;
	s->o = *o;
	s->ops = *o->ops;
	/* one entry more than the slots: a new source is counted before
	 * the oldest connection makes room for it */
	if (o->per_source > 0 &&
	    srclimit_init(&s->src, o->max_conns + 1, o->per_source) != 0)
		goto out_free;
	evio_init(&s->lis, o->fd, EV_READ, on_accept, s);
	if ((r = evloop_io_start(o->loop, &s->lis)) != 0)
		goto out_free;
	*out = s;
	return 0;
out_free:
	srclimit_release(&s->src);
	free(s);
out_close_fd:
	close(o->fd);
	return r;
}

void
server_stop(struct server *s)
{
	if (s == NULL)
		return;
	evloop_io_stop(s->loop, &s->lis);
	close(s->lis.fd);
	while (s->conns != NULL)
		server_conn_close(s->conns);
	srclimit_release(&s->src);
	free(s);
}

void *
server_ctx(const struct server *s)
{
	return s->o.ctx;
}

void
server_set_per_source(struct server *s, unsigned n)
{
	if (s->o.per_source > 0 && n > 0)
		s->o.per_source = s->src.per_source = n;
}

void
server_stats(const struct server *s, struct server_stats *st)
{
	*st = s->st;
	st->per_source = s->src.refused;
}

unsigned
server_nconns(const struct server *s)
{
	return s->nconns;
}

struct server_conn *
server_first(const struct server *s)
{
	return s->conns;
}

struct server_conn *
server_conn_next(const struct server_conn *c)
{
	return c->next;
}

long
server_conn_read(struct server_conn *c)
{
	char chunk[READ_CHUNK];
	size_t room = c->in.max - c->in.len;
	ssize_t n;

	if (room == 0)
		return ARX_ERR_TOOBIG;
	do
		n = read(
		    c->fd, chunk, room < sizeof(chunk) ? room : sizeof(chunk));
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno == EAGAIN ? ARX_ERR_AGAIN : ARX_ERR_SYS;
	if (n > 0 && buf_append(&c->in, chunk, (size_t)n) != 0)
		return ARX_ERR_NOMEM;
	return (long)n;
}

int
server_conn_flush(struct server_conn *c)
{
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return server_conn_wait(c, EV_WRITE) != 0
			    ? ARX_ERR_SYS
			    : ARX_ERR_AGAIN;
		if (n <= 0)
			return ARX_ERR_SYS;
		c->sent += (size_t)n;
	}
	return 0;
}

int
server_conn_wait(struct server_conn *c, unsigned events)
{
	struct evloop *loop = c->srv->loop;

	if (events == 0 || c->fd < 0) {
		evloop_io_stop(loop, &c->io);
		return 0;
	}
	if (c->io.active && c->io.events == events)
		return 0;
	c->io.events = events;
	return evloop_io_start(loop, &c->io);
}

int
server_conn_deadline(struct server_conn *c, uint64_t ms)
{
	return evloop_timer_start(c->srv->loop, &c->deadline, ms);
}

void
server_conn_deadline_stop(struct server_conn *c)
{
	evloop_timer_stop(c->srv->loop, &c->deadline);
}

void
server_conn_settle(struct server_conn *c)
{
	c->settled = true;
}

void
server_conn_put_source(struct server_conn *c)
{
	if (!c->counted)
		return;
	srclimit_put(&c->srv->src, &c->peer);
	c->counted = false;
}

int
server_conn_take_fd(struct server_conn *c)
{
	int fd = c->fd;

	evloop_io_stop(c->srv->loop, &c->io);
	c->fd = -1;
	return fd;
}

void
server_counters(
    const struct server *s, const char *slow_name, struct counters *c)
{
	struct server_stats st;

	server_stats(s, &st);
	(void)counters_add(c, "conn_per_source", st.per_source);
	(void)counters_add(c, "conn_evicted", st.evicted);
	if (slow_name != NULL)
		(void)counters_add(c, slow_name, st.timeouts);
}
