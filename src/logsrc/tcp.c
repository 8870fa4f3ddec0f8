/*
 * Syslog over TCP (tcp.h): accepting, per-connection framing, and the
 * hand-over of whole messages. Owns the listener and its connections,
 * and the count of connections per source (core/srclimit.h). A sweep
 * (every second at least) closes the connections silent for longer than
 * the idle limit and those that began a message but have not sent a
 * whole one within LOGSRC_TCP_FIRST_MS (a quiet relay may hold a
 * connection with nothing to say yet; a slow one may not); when every
 * slot is taken the oldest connection that has not sent a whole message
 * makes room for a new one.
 */
#define _GNU_SOURCE /* accept4 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/net.h"
#include "core/srclimit.h"
#include "logsrc/lines.h"
#include "logsrc/tcp.h"

enum framing {
	FRAME_UNKNOWN,
	FRAME_OCTETS,
	FRAME_LINES
};

struct conn {
	struct logsrc_tcp *t;
	struct evio io;
	char from[64];
	struct arx_addr addr;
	bool started;      /* a byte came */
	bool spoke;        /* a whole message came */
	uint64_t since_ms; /* accepted */
	enum framing mode;
	struct logsrc_lines lines; /* FRAME_LINES; its buffer holds a frame */
	size_t want;               /* octets still to read of this frame */
	char num[8];               /* the length being read */
	size_t nnum;
	uint64_t last_ms; /* when it last sent something */
};

struct logsrc_tcp {
	struct evloop *loop;
	struct evio listen;
	unsigned port;
	struct logsrc_dgram_filter filter;
	logsrc_msg_fn *fn;
	void *ctx;
	struct conn *conns[LOGSRC_TCP_CLIENTS];
	size_t nconns;
	struct logsrc_tcp_stats st;
	struct evtimer sweep;
	uint64_t idle_ms;
	struct srclimit src;
	struct log_limit warn_log; /* once a second */
};

static uint64_t
now_ms(const struct logsrc_tcp *t)
{
	return clock_mono_ms(evloop_clock(t->loop));
}

static void
conn_close(struct conn *c)
{
	struct logsrc_tcp *t = c->t;
	size_t i;

	evloop_io_stop(t->loop, &c->io);
	close(c->io.fd);
	srclimit_put(&t->src, &c->addr);
	logsrc_lines_release(&c->lines);
	for (i = 0; i < t->nconns; i++)
		if (t->conns[i] == c)
			t->conns[i] = t->conns[--t->nconns];
	free(c);
}

static void
on_message(const char *line, size_t len, void *ctx)
{
	struct conn *c = ctx;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	c->t->st.messages++;
	c->spoke = true;
	if (len > 0)
		c->t->fn(line, len, c->from, c->t->ctx);
}

/* Octet counting: "LEN SP" then LEN bytes; returns bytes used or < 0. */
static long
octets(struct conn *c, const char *p, size_t n)
{
	size_t used = 0, take;
	unsigned long v;

	while (used < n && c->want == 0) {
		if (p[used] == ' ' && c->nnum > 0) {
			c->num[c->nnum] = '\0';
			v = strtoul(c->num, NULL, 10);
			if (v == 0 || v > LOGSRC_DGRAM_MAX)
				return -1;
			c->want = v;
			c->nnum = 0;
			used++;
			break;
		}
		if (!isdigit((unsigned char)p[used]) || c->nnum == 6)
			return -1;
		c->num[c->nnum++] = p[used++];
	}
	if (c->want == 0)
		return (long)used;
	/* The frame is one message, newlines inside it included. */
	take = n - used < c->want ? n - used : c->want;
	memcpy(c->lines.line + c->lines.len, p + used, take);
	c->lines.len += take;
	c->want -= take;
	if (c->want == 0) {
		on_message(c->lines.line, c->lines.len, c);
		c->lines.len = 0;
	}
	return (long)(used + take);
}

static int
conn_feed(struct conn *c, const char *p, size_t n)
{
	long k;

	if (c->mode == FRAME_UNKNOWN && n > 0)
		c->mode =
		    isdigit((unsigned char)p[0]) ? FRAME_OCTETS : FRAME_LINES;
	if (c->mode == FRAME_LINES) {
		(void)logsrc_lines_feed(&c->lines, p, n);
		return 0;
	}
	while (n > 0) {
		if ((k = octets(c, p, n)) < 0)
			return ARX_ERR_INVAL;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Anyone can send a bad frame: once a second at most. */
static void
framing_warn(struct conn *c)
{
	unsigned long held;
	char more[64] = "";

	if (!log_limit_pass(&c->t->warn_log, (long long)now_ms(c->t), &held))
		return;
	if (held > 0)
		snprintf(more, sizeof(more), " (%lu more not logged)", held);
	log_warn("syslog TCP from %s: bad octet-counted frame; connection "
		 "closed%s",
	    c->from, more);
}

static void
on_conn(struct evloop *loop, struct evio *io, unsigned events)
{
	struct conn *c = io->ctx;
	char chunk[16384];
	ssize_t n;

	(void)loop, (void)events;
	c->last_ms = now_ms(c->t);
	while ((n = read(io->fd, chunk, sizeof(chunk))) > 0) {
		c->started = true;
		if (conn_feed(c, chunk, (size_t)n) != 0) {
			c->t->st.framing_errors++;
			framing_warn(c);
			conn_close(c);
			return;
		}
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		if (c->mode == FRAME_LINES)
			logsrc_lines_flush(&c->lines);
		c->t->st.cut += c->lines.cut;
		conn_close(c);
	}
}

/* Every slot is taken: the oldest connection that has not sent a whole
 * message goes. False when every one has. */
static bool
conn_evict(struct logsrc_tcp *t)
{
	struct conn *old = NULL;

	for (size_t i = 0; i < t->nconns; i++)
		if (!t->conns[i]->spoke &&
		    (old == NULL || t->conns[i]->since_ms < old->since_ms))
			old = t->conns[i];
	if (old == NULL)
		return false;
	t->st.evicted++;
	t->st.refused++; /* what arx status shows */
	conn_close(old);
	return true;
}

static void
conn_accept(struct logsrc_tcp *t, int fd, const struct sockaddr_storage *ss)
{
	struct conn *c;
	struct arx_addr a = {0};
	char from[64];

	if (!logsrc_sender_ok(&t->filter, ss, from, sizeof(from)) ||
	    net_peer(ss, &a, from, sizeof(from)) != 0 ||
	    srclimit_take(&t->src, &a) != 0) {
		t->st.refused++;
		close(fd);
		return;
	}
	if ((t->nconns == LOGSRC_TCP_CLIENTS && !conn_evict(t)) ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		srclimit_put(&t->src, &a);
		t->st.refused++;
		close(fd);
		return;
	}
	*c = (struct conn){.t = t, .addr = a, .since_ms = now_ms(t)};
	c->last_ms = c->since_ms;
	snprintf(c->from, sizeof(c->from), "%s", from);
	evio_init(&c->io, fd, EV_READ, on_conn, c);
	if (logsrc_lines_init(&c->lines, LOGSRC_DGRAM_MAX, on_message, c) !=
		0 ||
	    evloop_io_start(t->loop, &c->io) != 0) {
		logsrc_lines_release(&c->lines);
		srclimit_put(&t->src, &a);
		free(c);
		close(fd);
		return;
	}
	t->conns[t->nconns++] = c;
	t->st.accepted++;
}

static void
on_accept(struct evloop *loop, struct evio *io, unsigned events)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd;

	(void)loop, (void)events;
	while ((fd = accept4(io->fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		conn_accept(io->ctx, fd, &ss);
		sl = sizeof(ss);
	}
}

static uint64_t
sweep_ms(const struct logsrc_tcp *t)
{
	return t->idle_ms / 4 + 1 < 1000 ? t->idle_ms / 4 + 1 : 1000;
}

/* Close the connections silent for longer than the idle limit, and
 * those that have not sent a whole message in time. */
static void
on_sweep(struct evloop *loop, struct evtimer *tm)
{
	struct logsrc_tcp *t = tm->ctx;
	uint64_t now = now_ms(t);
	size_t i;

	for (i = t->nconns; i-- > 0;) {
		struct conn *c = t->conns[i];

		if (c->started && !c->spoke &&
		    now - c->since_ms >= LOGSRC_TCP_FIRST_MS) {
			t->st.slow++;
			t->st.idle++; /* what arx status shows */
			conn_close(c);
			continue;
		}
		if (now - c->last_ms < t->idle_ms)
			continue;
		t->st.idle++;
		log_info("syslog TCP from %s: silent for %llu s; closed",
		    c->from, (unsigned long long)(now - c->last_ms) / 1000);
		if (c->mode == FRAME_LINES)
			logsrc_lines_flush(&c->lines);
		t->st.cut += c->lines.cut;
		conn_close(c);
	}
	(void)evloop_timer_start(loop, tm, sweep_ms(t));
}

void
logsrc_tcp_set_idle(struct logsrc_tcp *t, uint64_t ms)
{
	t->idle_ms = ms > 0 ? ms : LOGSRC_TCP_IDLE_MS;
	(void)evloop_timer_start(t->loop, &t->sweep, sweep_ms(t));
}

void
logsrc_tcp_set_per_source(struct logsrc_tcp *t, unsigned n)
{
	t->src.per_source = n > 0 ? n : LOGSRC_TCP_PER_SOURCE;
}

int
logsrc_tcp_open(struct evloop *loop, const char *ip, unsigned port,
    const struct logsrc_dgram_filter *filter, logsrc_msg_fn *fn, void *ctx,
    struct logsrc_tcp **out)
{
	struct logsrc_tcp *t = calloc(1, sizeof(*t));
	int r;

	*out = NULL;
	if (t == NULL)
		return ARX_ERR_NOMEM;
	t->loop = loop;
	t->fn = fn;
	t->ctx = ctx;
	t->listen.fd = -1;
	t->warn_log = (struct log_limit)LOG_LIMIT_INIT(1, 1000);
	evtimer_init(&t->sweep, on_sweep, t);
	/* one entry more than the slots: a new source is counted before
	 * the oldest connection makes room for it */
	if (srclimit_init(
		&t->src, LOGSRC_TCP_CLIENTS + 1, LOGSRC_TCP_PER_SOURCE) != 0) {
		free(t);
		return ARX_ERR_NOMEM;
	}
	if (filter != NULL)
		t->filter = *filter;
	if ((r = net_listen_tcp(ip, port, &t->listen.fd, &t->port)) != 0) {
		log_error("syslog TCP %s port %u: %s", ip ? ip : "*", port,
		    r == ARX_ERR_SYS ? strerror(errno) : "not an address");
		logsrc_tcp_close(t);
		return r;
	}
	evio_init(&t->listen, t->listen.fd, EV_READ, on_accept, t);
	if ((r = evloop_io_start(loop, &t->listen)) != 0) {
		logsrc_tcp_close(t);
		return r;
	}
	logsrc_tcp_set_idle(t, LOGSRC_TCP_IDLE_MS);
	*out = t;
	return 0;
}

void
logsrc_tcp_close(struct logsrc_tcp *t)
{
	if (t == NULL)
		return;
	while (t->nconns > 0)
		conn_close(t->conns[0]);
	evloop_timer_stop(t->loop, &t->sweep);
	evloop_io_stop(t->loop, &t->listen);
	if (t->listen.fd >= 0)
		close(t->listen.fd);
	srclimit_release(&t->src);
	free(t);
}

unsigned
logsrc_tcp_port(const struct logsrc_tcp *t)
{
	return t->port;
}

void
logsrc_tcp_stats(const struct logsrc_tcp *t, struct logsrc_tcp_stats *st)
{
	*st = t->st;
	st->per_source = t->src.refused;
}
