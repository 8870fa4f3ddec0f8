/*
 * Syslog over TCP (tcp.h): senders filtered, per-connection framing,
 * and the hand-over of whole messages. Owns a core/server.h listener,
 * which holds the connections and their count per source. Each
 * connection's deadline is when it will have been silent for longer
 * than the idle limit or, once it began a message but has not sent a
 * whole one, LOGSRC_TCP_FIRST_MS after its accept, whichever comes
 * first (a quiet relay may hold a connection with nothing to say yet; a
 * slow one may not); when every slot is taken the oldest connection
 * that has not sent a whole message (the server's not settled) makes
 * room for a new one.
 */
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
#include "core/server.h"
#include "logsrc/lines.h"
#include "logsrc/tcp.h"

enum framing {
	FRAME_UNKNOWN,
	FRAME_OCTETS,
	FRAME_LINES
};

struct conn {
	struct server_conn sc; /* first: the server allocates conns */
	struct logsrc_tcp *t;
	bool started; /* a byte came */
	bool spoke;   /* a whole message came (the server's settled) */
	enum framing mode;
	struct logsrc_lines lines; /* FRAME_LINES; its buffer holds a frame */
	size_t want;               /* octets still to read of this frame */
	char num[8];               /* the length being read */
	size_t nnum;
	uint64_t last_ms; /* when it last sent something */
};

struct logsrc_tcp {
	struct evloop *loop;
	struct server *srv;
	unsigned port;
	struct logsrc_dgram_filter filter;
	logsrc_msg_fn *fn;
	void *ctx;
	struct logsrc_tcp_stats st; /* the server keeps the connections' */
	uint64_t idle_ms;
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
	server_conn_close(&c->sc);
}

static void
conn_closed(struct server_conn *sc)
{
	logsrc_lines_release(&((struct conn *)sc)->lines);
}

/* Its deadline from now: silent for the idle limit or, with a message
 * begun and none whole, LOGSRC_TCP_FIRST_MS after its accept. */
static void
conn_arm(struct conn *c)
{
	uint64_t now = now_ms(c->t), ms = c->t->idle_ms;
	uint64_t first = c->sc.since_ms + LOGSRC_TCP_FIRST_MS;

	if (c->started && !c->spoke)
		ms = first <= now ? 0 : first - now < ms ? first - now : ms;
	(void)server_conn_deadline(&c->sc, ms);
}

static void
on_message(const char *line, size_t len, void *ctx)
{
	struct conn *c = ctx;

	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
		len--;
	c->t->st.messages++;
	c->spoke = true;
	server_conn_settle(&c->sc);
	if (len > 0)
		c->t->fn(line, len, c->sc.peer_text, c->t->ctx);
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
	    c->sc.peer_text, more);
}

static void
conn_io(struct server_conn *sc, unsigned events)
{
	struct conn *c = (struct conn *)sc;
	char chunk[16384];
	ssize_t n;

	(void)events;
	c->last_ms = now_ms(c->t);
	while ((n = read(sc->fd, chunk, sizeof(chunk))) > 0) {
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
		return;
	}
	conn_arm(c);
}

/* Its deadline: silent for longer than the idle limit, or no whole
 * message in time (counted in idle by the server, as timeouts). */
static void
conn_timeout(struct server_conn *sc)
{
	struct conn *c = (struct conn *)sc;
	uint64_t now = now_ms(c->t);

	if (c->started && !c->spoke &&
	    now - sc->since_ms >= LOGSRC_TCP_FIRST_MS) {
		c->t->st.slow++;
		conn_close(c);
		return;
	}
	log_info("syslog TCP from %s: silent for %llu s; closed", sc->peer_text,
	    (unsigned long long)(now - c->last_ms) / 1000);
	if (c->mode == FRAME_LINES)
		logsrc_lines_flush(&c->lines);
	c->t->st.cut += c->lines.cut;
	conn_close(c);
}

/* Senders filtered as for UDP; a peer that is not an IP address is
 * refused too. */
static int
conn_admit(struct server *srv, int fd, const struct sockaddr_storage *ss,
    const struct arx_addr *peer)
{
	struct logsrc_tcp *t = server_ctx(srv);
	char from[64];

	(void)fd;
	if (!logsrc_sender_ok(&t->filter, ss, from, sizeof(from)) ||
	    peer->family == ADDR_NONE)
		return ARX_ERR_PERM;
	return 0;
}

static int
conn_accepted(struct server_conn *sc)
{
	struct conn *c = (struct conn *)sc;

	c->t = server_ctx(sc->srv);
	c->last_ms = sc->since_ms;
	if (logsrc_lines_init(&c->lines, LOGSRC_DGRAM_MAX, on_message, c) !=
	    0) {
		logsrc_lines_release(&c->lines);
		return ARX_ERR_NOMEM;
	}
	conn_arm(c);
	return 0;
}

static const struct server_ops conn_ops = {
    .conn_size = sizeof(struct conn),
    .admit = conn_admit,
    .accepted = conn_accepted,
    .io = conn_io,
    .timeout = conn_timeout,
    .closed = conn_closed,
};

void
logsrc_tcp_set_idle(struct logsrc_tcp *t, uint64_t ms)
{
	t->idle_ms = ms > 0 ? ms : LOGSRC_TCP_IDLE_MS;
	for (struct server_conn *sc = server_first(t->srv); sc != NULL;
	     sc = server_conn_next(sc))
		conn_arm((struct conn *)sc);
}

void
logsrc_tcp_set_per_source(struct logsrc_tcp *t, unsigned n)
{
	server_set_per_source(t->srv, n > 0 ? n : LOGSRC_TCP_PER_SOURCE);
}

int
logsrc_tcp_open(struct evloop *loop, const char *ip, unsigned port,
    const struct logsrc_dgram_filter *filter, logsrc_msg_fn *fn, void *ctx,
    struct logsrc_tcp **out)
{
	struct logsrc_tcp *t = calloc(1, sizeof(*t));
	int fd, r;

	*out = NULL;
	if (t == NULL)
		return ARX_ERR_NOMEM;
	t->loop = loop;
	t->fn = fn;
	t->ctx = ctx;
	t->idle_ms = LOGSRC_TCP_IDLE_MS;
	t->warn_log = (struct log_limit)LOG_LIMIT_INIT(1, 1000);
	if (filter != NULL)
		t->filter = *filter;
	if ((r = net_listen_tcp(ip, port, &fd, &t->port)) != 0) {
		log_error("syslog TCP %s port %u: %s", ip ? ip : "*", port,
		    r == ARX_ERR_SYS ? strerror(errno) : "not an address");
		logsrc_tcp_close(t);
		return r;
	}
	if ((r = server_start(&(struct server_opts){.loop = loop,
				  .fd = fd,
				  .max_conns = LOGSRC_TCP_CLIENTS,
				  .per_source = LOGSRC_TCP_PER_SOURCE,
				  .evict = true,
				  .ops = &conn_ops,
				  .ctx = t},
		 &t->srv)) != 0) {
		logsrc_tcp_close(t);
		return r;
	}
	*out = t;
	return 0;
}

void
logsrc_tcp_close(struct logsrc_tcp *t)
{
	if (t == NULL)
		return;
	server_stop(t->srv);
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
	struct server_stats ss;

	server_stats(t->srv, &ss);
	*st = t->st;
	st->accepted = ss.accepted;
	/* what arx status shows: turned away, too many from one address,
	 * no slot, and those that made room for a newcomer */
	st->refused = ss.denied + ss.per_source + ss.full + ss.evicted;
	st->per_source = ss.per_source;
	st->evicted = ss.evicted;
	st->idle = ss.timeouts; /* slow ones included */
}

void
logsrc_tcp_counters(const struct logsrc_tcp *t, struct counters *c)
{
	struct logsrc_tcp_stats st;

	logsrc_tcp_stats(t, &st);
	(void)counters_add(c, "syslog_messages", st.messages);
	(void)counters_add(c, "cut", st.cut);
	(void)counters_add(c, "tcp_refused", st.refused);
	(void)counters_add(c, "framing_errors", st.framing_errors);
	(void)counters_add(c, "tcp_idle_closed", st.idle);
	(void)counters_add(c, "conn_slow", st.slow);
	server_counters(t->srv, NULL, c);
}
