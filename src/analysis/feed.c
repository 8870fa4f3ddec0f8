/*
 * Implementation of feed.h: connections (on a core/server.h listener)
 * that run the TLS handshake when the feed speaks HTTPS, read one
 * request head, check it, and write one answer before closing; with TLS
 * every step returns to the event loop when OpenSSL wants to read or
 * write, and the connection's deadline covers the handshake too. The
 * list is built per request: the lines of <log_dir>/blocklist.txt plus
 * the extra addresses, each made canonical (anything else left out),
 * sorted, each once, then written in the format the path names
 * (analysis/feedfmt.h).
 * At most <max_per_source> connections from one source; when every slot
 * is taken the oldest that has not sent its whole request makes room
 * (a connection that is answered is settled), so idle connections
 * cannot starve the firewalls that fetch the list. What anyone can
 * cause is logged once a second at most.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/feed.h"
#include "analysis/feedfmt.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/http.h"
#include "core/log.h"
#include "core/net.h"
#include "core/secretfile.h"
#include "core/server.h"
#include "transport/basic.h"
#include "transport/tls.h"

#define DEADLINE_MS 5000u
#define LIST_MAX    (64u << 20)

/* A connection: the request head comes into sc.in, the answer goes
 * from sc.out. */
struct fconn {
	struct server_conn sc; /* first: the server allocates fconn */
	struct feedsrv *s;
	struct tls_conn *tls; /* HTTPS: the connection's TLS, else NULL */
	bool shaken;          /* its handshake is done */
	bool writing;
};

struct feedsrv {
	struct server *srv;
	unsigned port;
	char cred[512];
	struct tls_ctx *tls;      /* <certificate> and <key>: HTTPS only */
	unsigned long tls_failed; /* handshakes that failed */
	char list_path[4200];
	feed_extra_fn *extra;
	void *ctx;
	struct log_limit warn_log; /* once a second */
};

/* A warning anyone can cause: once a second at most. */
static void
warn_limited(struct feedsrv *s, const char *peer, const char *what)
{
	http_warn(&s->warn_log, "feed", peer, what);
}

/* ---- the list ---- */

struct list {
	char **v;
	size_t n, cap;
};

/* One more address, canonical (feedfmt_canon); anything else is left
 * out, so nothing but an address reaches a script or a configuration. */
static void
list_add(const char *addr, void *ctx)
{
	struct list *l = ctx;
	char canon[CIDR_STRLEN], *copy;

	if (!feedfmt_canon(addr, canon))
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return;
		l->v = v;
		l->cap = cap;
	}
	if ((copy = strdup(canon)) != NULL)
		l->v[l->n++] = copy;
}

/* The file's lines and the extras, sorted, each once. */
static void
list_build(struct feedsrv *s, struct list *l)
{
	char line[128];
	FILE *f = fopen(s->list_path, "re");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0')
			list_add(line, l);
	}
	if (f != NULL)
		fclose(f);
	if (s->extra != NULL)
		s->extra(s->ctx, list_add, l);
	l->n = feedfmt_sort(l->v, l->n);
}

static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* ---- HTTP ---- */

/* Whether the request carries the configured credentials. */
static bool
authorised(const struct feedsrv *s, const struct http_request *req)
{
	struct span h = http_header_get(req, "Authorization");

	return h.p != NULL && basic_check(s->cred, h.p, h.len);
}

static void
answer(struct fconn *c, int status, const char *reason, const char *type,
    const struct buf *body)
{
	http_conn_answer(&c->sc, status, reason, type, body,
	    status == 401 ? "WWW-Authenticate: Basic realm=\"arx\"\r\n" : NULL);
	c->writing = true;
}

static void
respond(struct fconn *c, const struct http_request *req)
{
	const struct feedfmt *f = feedfmt_find(req->path.p, req->path.len);
	struct list l = {0};
	struct buf body;

	if (f == NULL || !http_is(req, "GET", f->path)) {
		answer(c, 404, "Not Found", "text/plain", NULL);
		return;
	}
	if (!authorised(c->s, req)) {
		warn_limited(
		    c->s, c->sc.peer_text, "a request without the credentials");
		answer(c, 401, "Unauthorized", "text/plain", NULL);
		return;
	}
	buf_init(&body, LIST_MAX);
	list_build(c->s, &l);
	if (feedfmt_write(f, &body, l.v, l.n) == 0)
		answer(c, 200, "OK", f->type, &body);
	else
		answer(c, 503, "Service Unavailable", "text/plain", NULL);
	list_free(&l);
	buf_release(&body);
}

/* Read once into c->sc.in, through TLS when the feed speaks it: as
 * server_conn_read() (on ARX_ERR_AGAIN, c waits for what TLS wants). */
static long
conn_read(struct fconn *c)
{
	struct server_conn *sc = &c->sc;
	char chunk[4096];
	size_t room = sc->in.max - sc->in.len;
	enum tls_want want = TLS_WANT_READ;
	long n;

	if (c->tls == NULL)
		return server_conn_read(sc);
	if (room == 0)
		return ARX_ERR_TOOBIG;
	n = tls_conn_read(
	    c->tls, chunk, room < sizeof(chunk) ? room : sizeof(chunk), &want);
	if (n == ARX_ERR_AGAIN)
		(void)server_conn_wait(
		    sc, want == TLS_WANT_WRITE ? EV_WRITE : EV_READ);
	else if (n > 0 && buf_append(&sc->in, chunk, (size_t)n) != 0)
		return ARX_ERR_NOMEM;
	return n;
}

/* Write c->sc.out from sc.sent on, through TLS when the feed speaks
 * it: as server_conn_flush(); once all is sent, TLS's close_notify. */
static int
conn_flush(struct fconn *c)
{
	struct server_conn *sc = &c->sc;
	enum tls_want want = TLS_WANT_WRITE;
	long n;

	if (c->tls == NULL)
		return server_conn_flush(sc);
	while (sc->sent < sc->out.len) {
		n = tls_conn_write(c->tls, sc->out.data + sc->sent,
		    sc->out.len - sc->sent, &want);
		if (n == ARX_ERR_AGAIN)
			return server_conn_wait(sc,
				   want == TLS_WANT_READ ? EV_READ : EV_WRITE)
			    ? ARX_ERR_SYS
			    : ARX_ERR_AGAIN;
		if (n <= 0)
			return ARX_ERR_SYS;
		sc->sent += (size_t)n;
	}
	tls_conn_shutdown(c->tls);
	return 0;
}

static void
conn_write(struct fconn *c)
{
	if (conn_flush(c) != ARX_ERR_AGAIN)
		server_conn_close(&c->sc); /* all sent, or the peer is gone */
}

/* One step of the TLS handshake: true once it is done; false while it
 * waits (c watched for what TLS wants) or when it failed (counted,
 * logged at most once a second, c closed). */
static bool
conn_handshake(struct fconn *c)
{
	enum tls_want want = TLS_WANT_READ;
	const char *why = NULL;
	char what[160];
	int r = tls_conn_handshake(c->tls, &want, &why);

	if (r == 0 || r == ARX_ERR_AGAIN) {
		c->shaken = r == 0;
		(void)server_conn_wait(
		    &c->sc, want == TLS_WANT_WRITE ? EV_WRITE : EV_READ);
		return c->shaken;
	}
	c->s->tls_failed++;
	snprintf(what, sizeof(what), "a TLS handshake that failed (%s)",
	    why != NULL ? why : "?");
	warn_limited(c->s, c->sc.peer_text, what);
	server_conn_close(&c->sc);
	return false;
}

/* The request head read so far: answered once whole, refused when it
 * is too long or malformed. */
static void
request(struct fconn *c)
{
	struct http_request req;
	const char *why;
	int r = http_conn_request(&c->sc, &req, &why);

	if (r == 0)
		respond(c, &req);
	else if (r != ARX_ERR_AGAIN)
		c->writing = true; /* refused, and answered so */
	if (r == ARX_ERR_INVAL)
		warn_limited(c->s, c->sc.peer_text, why);
}

/* The handshake (HTTPS), then the request head read until it is
 * whole, then the answer written. */
static void
feed_io(struct server_conn *sc, unsigned events)
{
	struct fconn *c = (struct fconn *)sc;
	long n;

	(void)events;
	if (c->tls != NULL && !c->shaken && !conn_handshake(c))
		return;
	while (!c->writing) {
		n = conn_read(c);
		if (n == ARX_ERR_AGAIN)
			return;
		if (n <= 0) {
			server_conn_close(sc);
			return;
		}
		request(c);
	}
	conn_write(c);
}

static int
feed_accepted(struct server_conn *sc)
{
	struct fconn *c = (struct fconn *)sc;

	c->s = server_ctx(sc->srv);
	if (c->s->tls != NULL &&
	    (c->tls = tls_conn_new(c->s->tls, sc->fd)) == NULL)
		return ARX_ERR_NOMEM;
	if (server_conn_deadline(sc, DEADLINE_MS) != 0) {
		tls_conn_free(c->tls);
		return ARX_ERR_NOMEM;
	}
	return 0;
}

static void
feed_closed(struct server_conn *sc)
{
	tls_conn_free(((struct fconn *)sc)->tls);
}

/* Every slot is taken: the oldest connection still reading its request
 * goes (the server chose it). */
static void
feed_evicted(struct server_conn *sc)
{
	warn_limited(server_ctx(sc->srv), sc->peer_text,
	    "every slot taken: the oldest connection closed");
}

static void
feed_refused(
    struct server *srv, int fd, const char *peer, enum server_refusal why)
{
	(void)fd;
	if (why == SERVER_REFUSED_SOURCE)
		warn_limited(server_ctx(srv), peer, "too many connections");
}

static const struct server_ops feed_ops = {
    .conn_size = sizeof(struct fconn),
    .refused = feed_refused,
    .accepted = feed_accepted,
    .io = feed_io,
    .evicted = feed_evicted,
    .closed = feed_closed,
};

/* <certificate> and <key>: the TLS context, the key read now (root). */
static int
feed_tls(struct feedsrv *s, const struct conf_feed *f)
{
	if (f->certificate == NULL)
		return 0;
	s->tls = tls_ctx_server_cert("<feed>", f->certificate, f->key);
	return s->tls != NULL ? 0 : ARX_ERR_CONFIG;
}

int
feedsrv_start(struct evloop *loop, const struct conf_feed *f,
    const char *log_dir, feed_extra_fn *extra, void *ctx, struct feedsrv **out)
{
	struct feedsrv *s = calloc(1, sizeof(*s));
	int fd, r;

	*out = NULL;
	if (s == NULL)
		return ARX_ERR_NOMEM;
	*s = (struct feedsrv){
	    .extra = extra, .ctx = ctx, .warn_log = LOG_LIMIT_INIT(1, 1000)};
	snprintf(
	    s->list_path, sizeof(s->list_path), "%s/blocklist.txt", log_dir);
	if ((r = secretfile_read_cred(f->credentials_file,
		 "<feed> credentials file", s->cred, sizeof(s->cred))) != 0 ||
	    (r = feed_tls(s, f)) != 0 ||
	    (r = net_listen_tcp(f->local_ip, f->port, &fd, &s->port)) != 0) {
		if (r != ARX_ERR_CONFIG)
			log_error(
			    "<feed> port %u: %s", f->port, strerror(errno));
		feedsrv_stop(s);
		return r;
	}
	if ((r = server_start(&(struct server_opts){.loop = loop,
				  .fd = fd,
				  .max_conns = f->max_clients,
				  .per_source = f->max_per_source,
				  .evict = true,
				  .in_max = HTTP_HEAD_MAX,
				  .out_max = LIST_MAX + 4096,
				  .ops = &feed_ops,
				  .ctx = s},
		 &s->srv)) != 0) {
		feedsrv_stop(s);
		return r;
	}
	log_info("blocklist feed on port %u (%s)", s->port,
	    s->tls != NULL ? "HTTPS" : "plain HTTP");
	*out = s;
	return 0;
}

void
feedsrv_stop(struct feedsrv *s)
{
	if (s == NULL)
		return;
	server_stop(s->srv);
	tls_ctx_free(s->tls);
	explicit_bzero(s->cred, sizeof(s->cred));
	free(s);
}

void
feedsrv_stats(const struct feedsrv *s, struct feedsrv_stats *st)
{
	struct server_stats ss;

	server_stats(s->srv, &ss);
	*st = (struct feedsrv_stats){.per_source = ss.per_source,
	    .evicted = ss.evicted,
	    .timeouts = ss.timeouts};
}

unsigned
feedsrv_port(const struct feedsrv *s)
{
	return s->port;
}

void
feedsrv_counters(const struct feedsrv *f, struct counters *c)
{
	server_counters(f->srv, "conn_slow", c);
	if (f->tls != NULL)
		(void)counters_add(c, "feed_tls_failed", f->tls_failed);
}
