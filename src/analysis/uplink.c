/*
 * Implementation of uplink.h: a FIFO of events (each one allocation:
 * header, location, line), a cursor to the first one not yet handed to
 * the channel, the channel itself while connected, and four timers
 * (reconnect, keepalive, push, and the deadline of a connection being
 * made). A non-blocking connect is waited for on its own descriptor
 * before the channel takes it over.
 *
 * Failover: the <server>s are tried in order. A connect that fails or
 * gets no answer within CONNECT_MS, a TLS handshake not done within
 * HANDSHAKE_MS or refused, and a connection lost, each count as the
 * failure of the server tried, and the next one is tried at once
 * (wrapping round). When every server of a round has failed, the next
 * round starts from the first server after the backoff (1 s doubling to
 * 60 s). The first message the manager sends on a connection (WELCOME,
 * which says it took our HELLO) starts a new round and resets the
 * backoff, so a manager that lets the handshake through and then drops
 * the agent cannot make it spin.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/uplink.h"
#include "core/addr.h"
#include "core/clock.h"
#include "core/crc32.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"
#include "transport/chan.h"
#include "transport/keys.h"

#define BACKOFF_MIN_MS 1000u
#define BACKOFF_MAX_MS 60000u
#define PUSH_MS        100u
#define CONNECT_MS     3000u  /* SYN to SYN-ACK */
#define HANDSHAKE_MS   10000u /* TCP connected to TLS done */
#define QUEUE_BYTES    (4u << 20)

struct ev {
	struct ev *next;
	uint64_t seq, time_ms;
	size_t loc_len, line_len;
	char data[]; /* location, then line */
};

struct uplink {
	struct evloop *loop;
	const struct conf_client *cl;
	struct tls_ctx *tls;
	uint64_t id;
	char name[KEYS_NAME_MAX + 1];
	struct chan *ch;
	bool open;
	int cfd; /* connecting */
	struct evio cio;
	struct evtimer retry, keep, push, deadline;
	uint64_t backoff_ms, next_seq, hello_seq;
	size_t cur;    /* the <server> connected or being tried */
	size_t failed; /* servers failed in this round */
	bool welcomed; /* the manager has spoken on this connection */
	struct ev *head, *tail, *cursor; /* cursor: first not yet sent */
	size_t nev, bytes;
	struct uplink_stats st;
	uplink_response_fn *fn;
	void *fn_ctx;
	int outbox;        /* <state_dir>/analysis/outbox, or -1 */
	int dirfd;         /* the analysis directory (not owned) */
	off_t outbox_size; /* bytes written since it was last emptied */
	size_t max_events, max_bytes; /* <client_buffer> */
	uplink_config_fn *cfg;        /* agent.conf from the manager */
	void *cfg_ctx;
	char cfg_hash[TLS_DIGEST_HEX]; /* version in force */
};

static void move_on(struct uplink *u, const char *what, const char *why);

/* ---- the queue ---- */

static void
queue_pop(struct uplink *u)
{
	struct ev *e = u->head;

	if (e == NULL)
		return;
	if (u->cursor == e)
		u->cursor = e->next;
	u->head = e->next;
	if (u->head == NULL)
		u->tail = NULL;
	u->nev--;
	u->bytes -= sizeof(*e) + e->loc_len + e->line_len;
	free(e);
}

/* Hand queued events to the channel while it takes them. */
static void
push(struct uplink *u)
{
	struct wire_msg m;

	while (u->open && u->cursor != NULL) {
		struct ev *e = u->cursor;

		wire_msg_init(&m, WIRE_EVENT, e->seq);
		wire_set_bytes(&m, WT_LOCATION, e->data, e->loc_len);
		wire_set_u64(&m, WT_TIME_MS, e->time_ms);
		wire_set_bytes(&m, WT_LINE, e->data + e->loc_len, e->line_len);
		if (chan_send(u->ch, &m) != 0)
			break; /* full: the push timer tries again */
		u->st.sent++;
		u->cursor = e->next;
	}
}

/* Append an event to the queue (dropping the oldest beyond the bounds). */
static struct ev *
queue_push(struct uplink *u, uint64_t seq, uint64_t time_ms, const char *loc,
    size_t ll, const char *line, size_t len)
{
	struct ev *e;

	while (u->nev >= u->max_events ||
	    (u->head != NULL && u->bytes + len + ll > u->max_bytes)) {
		queue_pop(u);
		u->st.dropped++;
	}
	if ((e = malloc(sizeof(*e) + ll + len)) == NULL) {
		u->st.dropped++;
		return NULL;
	}
	*e = (struct ev){
	    .seq = seq, .time_ms = time_ms, .loc_len = ll, .line_len = len};
	memcpy(e->data, loc, ll);
	memcpy(e->data + ll, line, len);
	if (u->tail != NULL)
		u->tail->next = e;
	else
		u->head = e;
	u->tail = e;
	if (u->cursor == NULL)
		u->cursor = e;
	u->nev++;
	u->bytes += sizeof(*e) + ll + len;
	return e;
}

/* ---- the outbox: the queue on disk, so a killed agent loses nothing.
 * Records: u64 seq, u64 time, u32 loc length, u32 line length, u32 CRC
 * of all before and after it, the location, the line (little-endian).
 * Emptied when everything is acknowledged, rewritten from the queue when
 * it has grown to twice what is still waiting. */

static void
le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

static uint64_t
from_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
outbox_write(struct uplink *u, const struct ev *e)
{
	unsigned char h[28];
	struct iovec iov[3];
	uint32_t crc;
	ssize_t want = (ssize_t)(sizeof(h) + e->loc_len + e->line_len);

	if (u->outbox < 0)
		return;
	le(h, e->seq, 8);
	le(h + 8, e->time_ms, 8);
	le(h + 16, e->loc_len, 4);
	le(h + 20, e->line_len, 4);
	crc = crc32_of(e->data, e->loc_len + e->line_len) ^ crc32_of(h, 24);
	le(h + 24, crc, 4);
	iov[0] = (struct iovec){h, sizeof(h)};
	iov[1] = (struct iovec){(void *)e->data, e->loc_len};
	iov[2] = (struct iovec){(void *)(e->data + e->loc_len), e->line_len};
	if (writev(u->outbox, iov, 3) != want)
		log_warn("cannot write the outbox: %s", strerror(errno));
	else
		u->outbox_size += want;
}

/* Start the file again with what is still waiting (the descriptor is
 * O_APPEND, so writes after the truncation start at 0). */
static void
outbox_rewrite(struct uplink *u)
{
	if (u->outbox < 0 || ftruncate(u->outbox, 0) != 0)
		return;
	u->outbox_size = 0;
	for (const struct ev *e = u->head; e != NULL; e = e->next)
		outbox_write(u, e);
}

/* What a killed agent left: back into the queue, in order. */
static void
outbox_load(struct uplink *u)
{
	unsigned char h[28], *body = NULL;
	size_t ll, len, n = 0;

	while (read(u->outbox, h, sizeof(h)) == (ssize_t)sizeof(h)) {
		ll = (size_t)from_le(h + 16, 4);
		len = (size_t)from_le(h + 20, 4);
		if (ll > 4096 || len > (1u << 20) ||
		    (body = malloc(ll + len + 1)) == NULL ||
		    read(u->outbox, body, ll + len) != (ssize_t)(ll + len) ||
		    (crc32_of(body, ll + len) ^ crc32_of(h, 24)) !=
			(uint32_t)from_le(h + 24, 4))
			break; /* a torn or damaged tail: what is before stays */
		(void)queue_push(u, from_le(h, 8), from_le(h + 8, 8),
		    (char *)body, ll, (char *)body + ll, len);
		free(body);
		body = NULL;
		n++;
	}
	free(body);
	if (n > 0)
		log_notice("%zu events not yet acknowledged read back from the "
			   "outbox",
		    n);
	outbox_rewrite(u);
}

void
uplink_event(
    struct uplink *u, const char *line, size_t len, const char *location)
{
	size_t ll = strlen(location);
	struct ev *e;

	if (ll > 4096)
		ll = 4096;
	e = queue_push(u, u->next_seq++, (uint64_t)clock_wall_ms(clock_real()),
	    location, ll, line, len);
	if (e == NULL)
		return;
	u->st.queued++;
	outbox_write(u, e);
	if (u->outbox_size > 2 * (off_t)u->bytes + (1 << 20))
		outbox_rewrite(u); /* what was dropped leaves the disk too */
	push(u);
}

/* ---- the channel ---- */

/* A field's text into out; false when absent or too long. */
static bool
text(const struct wire_field *f, char *out, size_t size)
{
	if (!f->set || f->len >= size)
		return false;
	memcpy(out, f->p, f->len);
	out[f->len] = '\0';
	return true;
}

/* The manager asks for a response: checked here, run by root. */
static void
on_response(struct uplink *u, const struct wire_msg *m)
{
	char command[128], action[16], address[64];
	struct arx_addr a;
	struct wire_msg r;
	const char *status = "accepted";

	if (!text(&m->f[WT_COMMAND], command, sizeof(command)) ||
	    !str_is_name(command, strlen(command)) ||
	    !text(&m->f[WT_ACTION], action, sizeof(action)) ||
	    (strcmp(action, "add") != 0 && strcmp(action, "delete") != 0) ||
	    !text(&m->f[WT_ADDRESS], address, sizeof(address)) ||
	    addr_parse_str(address, &a) != 0 ||
	    m->f[WT_TIMEOUT_S].u > 10u * 365 * 86400) { /* as priv.c's */
		u->st.bad_responses++;
		log_warn("a response from the manager was refused: malformed");
		status = "refused";
	} else {
		u->st.responses++;
		addr_format(&a, address, sizeof(address));
		u->fn(command, action, address, m->f[WT_TIMEOUT_S].u,
		    (unsigned)m->f[WT_RULE_ID].u, u->fn_ctx);
	}
	wire_msg_init(&r, WIRE_RESULT, u->hello_seq);
	wire_set_u64(&r, WT_RESPONSE_ID, m->f[WT_RESPONSE_ID].u);
	wire_set_str(&r, WT_STATUS, status);
	(void)chan_send(u->ch, &r);
}

/* The manager sends the group's agent.conf: checked and applied here
 * (by the callback) or refused, and the answer goes back. */
static void
on_config(struct uplink *u, const struct wire_msg *m)
{
	char hash[TLS_DIGEST_HEX], group[KEYS_NAME_MAX + 1],
	    got[TLS_DIGEST_HEX];
	char why[512] = "";
	const struct wire_field *f = &m->f[WT_FILE];
	struct wire_msg r;
	int rc = -1;

	if (!text(&m->f[WT_CONFIG_HASH], hash, sizeof(hash)) ||
	    !text(&m->f[WT_GROUP], group, sizeof(group)) ||
	    memchr(f->p, '\0', f->len) != NULL)
		snprintf(why, sizeof(why), "malformed");
	else if (tls_digest_hex(f->p, f->len, got), strcmp(got, hash) != 0)
		snprintf(
		    why, sizeof(why), "the text is not version %.12s", hash);
	else if (u->cfg == NULL)
		snprintf(why, sizeof(why), "this agent takes no agent.conf");
	else if ((rc = u->cfg(group, hash, f->p, f->len, why, sizeof(why),
		      u->cfg_ctx)) == 0)
		snprintf(u->cfg_hash, sizeof(u->cfg_hash), "%s", hash);
	if (rc != 0)
		log_warn("agent.conf %.*s from the manager refused: %s",
		    m->f[WT_CONFIG_HASH].len > 12
			? 12
			: (int)m->f[WT_CONFIG_HASH].len,
		    m->f[WT_CONFIG_HASH].p, why);
	wire_msg_init(&r, WIRE_CONFIG_RESULT, u->hello_seq);
	wire_set_bytes(&r, WT_CONFIG_HASH, m->f[WT_CONFIG_HASH].p,
	    m->f[WT_CONFIG_HASH].len);
	wire_set_str(&r, WT_STATUS, rc == 0 ? "applied" : "refused");
	if (rc != 0)
		wire_set_str(&r, WT_MESSAGE, why);
	(void)chan_send(u->ch, &r);
}

static void
on_msg(struct chan *ch, const struct wire_msg *m, void *ctx)
{
	struct uplink *u = ctx;

	(void)ch;
	if (!u->welcomed) { /* it took our HELLO: a new round */
		u->welcomed = true;
		u->failed = 0;
		u->backoff_ms = 0;
	}
	if (m->type == WIRE_RESPONSE) {
		on_response(u, m);
		return;
	}
	if (m->type == WIRE_CONFIG) {
		on_config(u, m);
		return;
	}
	if (m->type != WIRE_ACK)
		return;
	while (u->head != NULL && u->head->seq <= m->f[WT_ACK_SEQ].u &&
	    u->head != u->cursor) {
		queue_pop(u);
		u->st.acked++;
	}
	if (u->head == NULL || u->outbox_size > 2 * (off_t)u->bytes + (1 << 20))
		outbox_rewrite(u);
}

/* Server i as "address:port" ("[address]:port" for IPv6). */
static const char *
server_text(const struct uplink *u, size_t i, char *out, size_t size)
{
	const struct conf_server *sv = &u->cl->servers[i];
	bool v6 = strchr(sv->address, ':') != NULL;

	snprintf(out, size, "%s%s%s:%u", v6 ? "[" : "", sv->address,
	    v6 ? "]" : "", sv->port);
	return out;
}

/* The server tried (u->cur) failed: try the next one at once, or, when
 * every server of this round has failed, the first again after the
 * backoff. what and why say how it failed, for the log. */
static void
move_on(struct uplink *u, const char *what, const char *why)
{
	char from[300], to[300], later[32] = "";
	size_t was = u->cur;
	uint64_t wait_ms = 0;

	evloop_timer_stop(u->loop, &u->deadline);
	server_text(u, was, from, sizeof(from));
	if (++u->failed >= u->cl->nservers) {
		u->failed = 0;
		u->cur = 0;
		u->backoff_ms =
		    u->backoff_ms == 0 ? BACKOFF_MIN_MS : u->backoff_ms * 2;
		if (u->backoff_ms > BACKOFF_MAX_MS)
			u->backoff_ms = BACKOFF_MAX_MS;
		wait_ms = u->backoff_ms;
		snprintf(later, sizeof(later), " in %llu s",
		    (unsigned long long)(wait_ms / 1000));
	} else
		u->cur = (u->cur + 1) % u->cl->nservers;
	if (u->cur != was)
		u->st.failovers++;
	log_warn("manager %s %s%s%s; trying %s%s", from, what,
	    strcmp(what, why) != 0 ? ": " : "",
	    strcmp(what, why) != 0 ? why : "",
	    server_text(u, u->cur, to, sizeof(to)), later);
	(void)evloop_timer_start(u->loop, &u->retry, wait_ms);
}

static void
say_hello(struct uplink *u)
{
	struct wire_msg m;

	wire_msg_init(&m, WIRE_HELLO, u->hello_seq);
	wire_set_u64(&m, WT_AGENT_ID, u->id);
	wire_set_str(&m, WT_NAME, u->name);
	wire_set_str(&m, WT_VERSION, ARX_VERSION);
	wire_set_str(&m, WT_CONFIG_HASH, u->cfg_hash);
	(void)chan_send(u->ch, &m);
}

static void
on_state(struct chan *ch, enum chan_state st, const char *why, void *ctx)
{
	struct uplink *u = ctx;
	char at[300];
	bool was_open = u->open;

	(void)ch;
	if (st == CHAN_OPEN) {
		evloop_timer_stop(u->loop, &u->deadline);
		u->open = true;
		u->welcomed = false;
		u->st.connected = true;
		log_notice("connected to the manager %s as agent %llu '%s'",
		    server_text(u, u->cur, at, sizeof(at)),
		    (unsigned long long)u->id, u->name);
		say_hello(u);
		u->cursor = u->head; /* everything not acknowledged, again */
		push(u);
		return;
	}
	u->ch = NULL;
	u->open = false;
	u->st.connected = false;
	move_on(u, was_open ? "connection lost" : "handshake failed",
	    why ? why : "-");
}

static void
on_connected(struct evloop *loop, struct evio *io, unsigned events)
{
	struct uplink *u = io->ctx;
	struct chan_opts o = {.loop = loop,
	    .tls = u->tls,
	    .fd = u->cfd,
	    .max_queue = QUEUE_BYTES,
	    .idle_ms = 3 * u->cl->notify_time * 1000 + 5000,
	    .on_msg = on_msg,
	    .on_state = on_state,
	    .ctx = u};
	int err = 0;
	socklen_t len = sizeof(err);

	(void)events;
	evloop_io_stop(loop, io);
	if (getsockopt(u->cfd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
	    err != 0) {
		close(u->cfd);
		u->cfd = -1;
		move_on(u, "cannot be reached", strerror(err));
		return;
	}
	u->cfd = -1;
	if (chan_open(&o, &u->ch) != 0) {
		move_on(u, "cannot be reached", "no channel (out of memory)");
		return;
	}
	(void)evloop_timer_start(loop, &u->deadline, HANDSHAKE_MS);
}

/* The connection being made took too long: given up, the next server. */
static void
on_deadline(struct evloop *loop, struct evtimer *t)
{
	struct uplink *u = t->ctx;

	if (u->cfd >= 0) {
		evloop_io_stop(loop, &u->cio);
		close(u->cfd);
		u->cfd = -1;
		move_on(u, "cannot be reached", "no answer within 3 s");
	} else if (u->ch != NULL && !u->open) {
		chan_close(u->ch);
		u->ch = NULL;
		move_on(u, "handshake failed", "not done within 10 s");
	}
}

/* Start a non-blocking connect to the current server, given
 * CONNECT_MS to answer. */
static void
connect_now(struct uplink *u)
{
	const struct conf_server *sv = &u->cl->servers[u->cur];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	char port[8];
	int fd = -1, gai;

	u->st.connects++;
	snprintf(port, sizeof(port), "%u", sv->port);
	if ((gai = getaddrinfo(sv->address, port, &hints, &res)) != 0) {
		move_on(u, "cannot be reached", gai_strerror(gai));
		return;
	}
	if ((fd = socket(res->ai_family,
		 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) >= 0 &&
	    (connect(fd, res->ai_addr, res->ai_addrlen) == 0 ||
		errno == EINPROGRESS)) {
		u->cfd = fd;
		evio_init(&u->cio, fd, EV_WRITE, on_connected, u);
		(void)evloop_io_start(u->loop, &u->cio);
		(void)evloop_timer_start(u->loop, &u->deadline, CONNECT_MS);
	} else {
		int e = errno;

		if (fd >= 0)
			close(fd);
		move_on(u, "cannot be reached", strerror(e));
	}
	freeaddrinfo(res);
}

static void
on_retry(struct evloop *loop, struct evtimer *t)
{
	(void)loop;
	connect_now(t->ctx);
}

static void
on_keep(struct evloop *loop, struct evtimer *t)
{
	struct uplink *u = t->ctx;
	struct wire_msg m;

	if (u->open) {
		wire_msg_init(&m, WIRE_KEEPALIVE, u->hello_seq);
		(void)chan_send(u->ch, &m);
	}
	(void)evloop_timer_start(loop, t, u->cl->notify_time * 1000u);
}

static void
on_push(struct evloop *loop, struct evtimer *t)
{
	push(t->ctx);
	(void)evloop_timer_start(loop, t, PUSH_MS);
}

/* The agent's id and key from <state_dir>/agent.key. */
static int
key_read(struct uplink *u, const struct arx_conf *conf)
{
	char path[4200];
	struct agent_keys ks;
	const struct agent_key *k = NULL;

	snprintf(path, sizeof(path), "%s/agent.key", conf->daemon.state_dir);
	if (keys_load(path, &ks) != 0 || ks.n != 1 ||
	    (k = keys_find(&ks, ks.v[0].id)) == NULL) {
		log_error(
		    "%s: no agent id and key (run arx agent enroll)", path);
		keys_release(&ks);
		return ARX_ERR_CONFIG;
	}
	u->id = k->id;
	snprintf(u->name, sizeof(u->name), "%s", k->name);
	u->tls = tls_ctx_agent(k->id, k->key);
	keys_release(&ks);
	return u->tls != NULL ? 0 : ARX_ERR_SYS;
}

int
uplink_start(struct evloop *loop, const struct arx_conf *conf, int dirfd,
    uplink_response_fn *fn, void *ctx, struct uplink **out)
{
	struct uplink *u = calloc(1, sizeof(*u));
	int r;

	*out = NULL;
	if (u == NULL)
		return ARX_ERR_NOMEM;
	u->loop = loop;
	u->outbox = -1;
	u->fn = fn;
	u->fn_ctx = ctx;
	u->cl = &conf->client;
	u->max_events = conf->client_buffer.queue_size;
	u->max_bytes = (size_t)conf->client_buffer.queue_mib << 20;
	u->cfd = -1;
	u->next_seq = (uint64_t)clock_wall_ms(clock_real()) * 1000u;
	u->hello_seq = u->next_seq++;
	evtimer_init(&u->retry, on_retry, u);
	evtimer_init(&u->keep, on_keep, u);
	evtimer_init(&u->push, on_push, u);
	evtimer_init(&u->deadline, on_deadline, u);
	if ((r = key_read(u, conf)) != 0) {
		uplink_stop(u);
		return r;
	}
	u->dirfd = dirfd;
	u->outbox = openat(
	    dirfd, "outbox", O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (u->outbox < 0)
		log_warn("no outbox (%s): events wait in memory only",
		    strerror(errno));
	else
		outbox_load(u);
	(void)evloop_timer_start(loop, &u->retry, 0);
	(void)evloop_timer_start(loop, &u->keep, u->cl->notify_time * 1000u);
	(void)evloop_timer_start(loop, &u->push, PUSH_MS);
	*out = u;
	return 0;
}

void
uplink_stop(struct uplink *u)
{
	if (u == NULL)
		return;
	evloop_timer_stop(u->loop, &u->retry);
	evloop_timer_stop(u->loop, &u->keep);
	evloop_timer_stop(u->loop, &u->push);
	evloop_timer_stop(u->loop, &u->deadline);
	if (u->cfd >= 0) {
		evloop_io_stop(u->loop, &u->cio);
		close(u->cfd);
	}
	chan_close(u->ch);
	while (u->head != NULL)
		queue_pop(u);
	if (u->outbox >= 0)
		close(u->outbox);
	tls_ctx_free(u->tls);
	free(u);
}

void
uplink_set_config(
    struct uplink *u, uplink_config_fn *fn, void *ctx, const char *hash)
{
	u->cfg = fn;
	u->cfg_ctx = ctx;
	snprintf(u->cfg_hash, sizeof(u->cfg_hash), "%s", hash);
}

const char *
uplink_name(const struct uplink *u)
{
	return u->name;
}

void
uplink_stats(const struct uplink *u, struct uplink_stats *st)
{
	*st = u->st;
	st->server = u->cur;
}

void
uplink_counters(const struct uplink *u, struct counters *c)
{
	struct uplink_stats st;

	uplink_stats(u, &st);
	(void)counters_add(c, "uplink_connected", st.connected);
	(void)counters_add(c, "uplink_sent", st.sent);
	(void)counters_add(c, "uplink_acked", st.acked);
	(void)counters_add(c, "uplink_dropped", st.dropped);
	(void)counters_add(c, "uplink_queued", st.queued);
	(void)counters_add(c, "uplink_failovers", st.failovers);
	(void)counters_add(c, "uplink_server", st.server);
}
