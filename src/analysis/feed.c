/*
 * Implementation of feed.h: connections (on a core/server.h listener)
 * that read one request head, check it, and write one answer before
 * closing. The list is built per request: the lines of
 * <log_dir>/blocklist.txt plus the extra addresses, sorted, each once.
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
#include <strings.h>
#include <unistd.h>

#include "analysis/feed.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/http.h"
#include "core/log.h"
#include "core/net.h"
#include "core/secretfile.h"
#include "core/server.h"

#define DEADLINE_MS 5000u
#define LIST_MAX    (64u << 20)

/* A connection: the request head comes into sc.in, the answer goes
 * from sc.out. */
struct fconn {
	struct server_conn sc; /* first: the server allocates fconn */
	struct feedsrv *s;
	bool writing;
};

struct feedsrv {
	struct server *srv;
	unsigned port;
	char cred[512];
	char list_path[4200];
	feed_extra_fn *extra;
	void *ctx;
	struct log_limit warn_log; /* once a second */
};

/* A warning anyone can cause: once a second at most, with how many were
 * not logged. */
static void
warn_limited(struct feedsrv *s, const char *peer, const char *what)
{
	unsigned long held;
	char more[64] = "";

	if (!log_limit_pass(&s->warn_log, clock_mono_ms(clock_real()), &held))
		return;
	if (held > 0)
		snprintf(more, sizeof(more), " (%lu more not logged)", held);
	log_warn("feed: %s from %s%s", what, peer, more);
}

/* ---- the list ---- */

struct list {
	char **v;
	size_t n, cap;
};

static void
list_add(const char *addr, void *ctx)
{
	struct list *l = ctx;
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return;
		l->v = v;
		l->cap = cap;
	}
	if ((copy = strdup(addr)) != NULL)
		l->v[l->n++] = copy;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
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
	if (l->n > 0)
		qsort(l->v, l->n, sizeof(*l->v), str_cmp);
}

static void
list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void
body_put(struct buf *b, const struct list *l, bool json)
{
	bool first = true;

	if (json)
		(void)buf_puts(b, "[");
	for (size_t i = 0; i < l->n; i++) {
		if (i > 0 && strcmp(l->v[i], l->v[i - 1]) == 0)
			continue;
		(void)buf_printf(b, json ? "%s\"%s\"" : "%s%s\n",
		    json ? (first ? "" : ",") : "", l->v[i]);
		first = false;
	}
	if (json)
		(void)buf_puts(b, "]\n");
}

/* ---- HTTP ---- */

static int
b64_value(int ch)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = ch != 0 ? strchr(digits, ch) : NULL;

	return p != NULL ? (int)(p - digits) : -1;
}

/* Decode base64 text s[0..len) into out. */
static bool
b64_decode(struct span text, char *out, size_t size)
{
	unsigned acc = 0, bits = 0;
	size_t n = 0;
	int v;

	for (const char *s = text.p; s < text.p + text.len; s++) {
		if (*s == '=')
			break;
		if ((v = b64_value(*s)) < 0)
			return false;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= size)
				return false;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	return true;
}

/* Whether the request carries the configured credentials. */
static bool
authorised(const struct feedsrv *s, const struct http_request *req)
{
	struct span h = http_header_get(req, "Authorization");
	char got[512];
	size_t a, b;
	unsigned diff = 0;

	if (h.len < 6 || strncasecmp(h.p, "Basic ", 6) != 0 ||
	    !b64_decode((struct span){h.p + 6, h.len - 6}, got, sizeof(got)))
		return false;
	a = strlen(got);
	b = strlen(s->cred);
	for (size_t i = 0; i < b; i++)
		diff |= (unsigned)(got[i < a ? i : 0] ^ s->cred[i]);
	return a == b && diff == 0;
}

static void
answer(struct fconn *c, int status, const char *reason, const char *type,
    const struct buf *body)
{
	(void)http_answer_head(&c->sc.out, status, reason, type,
	    body ? body->len : 0,
	    status == 401 ? "WWW-Authenticate: Basic realm=\"arx\"\r\n" : NULL);
	if (body != NULL)
		(void)buf_append(&c->sc.out, body->data, body->len);
	c->writing = true;
	server_conn_settle(&c->sc);
}

static void
respond(struct fconn *c, const struct http_request *req)
{
	bool txt = http_is(req, "GET", "/blocklist.txt");
	bool json = http_is(req, "GET", "/blocklist.json");
	struct list l = {0};
	struct buf body;

	if (!txt && !json) {
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
	body_put(&body, &l, json);
	answer(c, 200, "OK", json ? "application/json" : "text/plain", &body);
	list_free(&l);
	buf_release(&body);
}

static void
conn_write(struct fconn *c)
{
	if (server_conn_flush(&c->sc) != ARX_ERR_AGAIN)
		server_conn_close(&c->sc); /* all sent, or the peer is gone */
}

/* The request head read so far: answered once whole, refused when it
 * is too long or malformed. */
static void
request(struct fconn *c)
{
	struct http_request req;
	const char *why;
	int r = http_request_parse(c->sc.in.data, c->sc.in.len, &req, &why);

	if (r == 0)
		respond(c, &req);
	else if (r == ARX_ERR_TOOBIG)
		answer(c, 431, "Request Header Fields Too Large", "text/plain",
		    NULL);
	else if (r == ARX_ERR_INVAL) {
		warn_limited(c->s, c->sc.peer_text, why);
		answer(c, 400, "Bad Request", "text/plain", NULL);
	}
}

static void
feed_io(struct server_conn *sc, unsigned events)
{
	struct fconn *c = (struct fconn *)sc;
	long n;

	(void)events;
	if (c->writing) {
		conn_write(c);
		return;
	}
	n = server_conn_read(sc);
	if (n == ARX_ERR_AGAIN)
		return;
	if (n <= 0) {
		server_conn_close(sc);
		return;
	}
	request(c);
	if (c->writing)
		conn_write(c);
}

static int
feed_accepted(struct server_conn *sc)
{
	((struct fconn *)sc)->s = server_ctx(sc->srv);
	return server_conn_deadline(sc, DEADLINE_MS);
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
};

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
	log_info("blocklist feed on port %u", s->port);
	*out = s;
	return 0;
}

void
feedsrv_stop(struct feedsrv *s)
{
	if (s == NULL)
		return;
	server_stop(s->srv);
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
}
