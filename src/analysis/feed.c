/*
 * Implementation of feed.h: a listener, connections that read one
 * request head, check it, and write one answer before closing. The list
 * is built per request: the lines of <log_dir>/blocklist.txt plus the
 * extra addresses, sorted, each once. At most <max_per_source>
 * connections from one source (core/srclimit.h); when every slot is
 * taken the oldest that has not sent its whole request makes room, so
 * idle connections cannot starve the firewalls that fetch the list.
 * What anyone can cause is logged once a second at most.
 */
#define _GNU_SOURCE /* accept4, strcasestr */
#include <sys/socket.h>
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
#include "core/log.h"
#include "core/net.h"
#include "core/secretfile.h"
#include "core/srclimit.h"

#define HEAD_MAX    8192u
#define DEADLINE_MS 5000u
#define LIST_MAX    (64u << 20)

struct fconn {
	struct feedsrv *s;
	int fd;
	struct evio io;
	struct evtimer deadline;
	struct arx_addr peer;
	char peer_text[64];
	char head[HEAD_MAX + 1];
	size_t nhead;
	struct buf out;
	size_t sent;
	bool writing;
	struct fconn *next;
};

struct feedsrv {
	struct evloop *loop;
	struct evio lis;
	unsigned port, max_clients, nconns;
	char cred[512];
	char list_path[4200];
	feed_extra_fn *extra;
	void *ctx;
	struct fconn *conns;
	struct srclimit src;
	struct log_limit warn_log; /* once a second */
	struct feedsrv_stats st;
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

static void
conn_close(struct fconn *c)
{
	struct fconn **pp = &c->s->conns;

	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	c->s->nconns--;
	srclimit_put(&c->s->src, &c->peer);
	evloop_io_stop(c->s->loop, &c->io);
	evloop_timer_stop(c->s->loop, &c->deadline);
	close(c->fd);
	buf_release(&c->out);
	free(c);
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

/* Decode base64 text (up to its end or a space) into out. */
static bool
b64_decode(const char *s, char *out, size_t size)
{
	unsigned acc = 0, bits = 0;
	size_t n = 0;
	int v;

	for (; *s != '\0' && *s != '\r' && *s != ' '; s++) {
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

/* Whether the head carries the configured credentials. */
static bool
authorised(const struct feedsrv *s, const char *head)
{
	const char *h = strcasestr(head, "\r\nAuthorization: Basic ");
	char got[512];
	size_t a, b;
	unsigned diff = 0;

	if (h == NULL ||
	    !b64_decode(
		h + strlen("\r\nAuthorization: Basic "), got, sizeof(got)))
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
	(void)buf_printf(&c->out,
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
	    status, reason, type, body ? body->len : 0,
	    status == 401 ? "WWW-Authenticate: Basic realm=\"arx\"\r\n" : "");
	if (body != NULL)
		(void)buf_append(&c->out, body->data, body->len);
	c->writing = true;
}

static void
respond(struct fconn *c)
{
	bool txt = strncmp(c->head, "GET /blocklist.txt ", 19) == 0;
	bool json = strncmp(c->head, "GET /blocklist.json ", 20) == 0;
	struct list l = {0};
	struct buf body;

	if (!txt && !json) {
		answer(c, 404, "Not Found", "text/plain", NULL);
		return;
	}
	if (!authorised(c->s, c->head)) {
		warn_limited(
		    c->s, c->peer_text, "a request without the credentials");
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
	ssize_t n;

	while (c->sent < c->out.len) {
		n = send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
		    MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			evloop_io_stop(c->s->loop, &c->io);
			c->io.events = EV_WRITE;
			(void)evloop_io_start(c->s->loop, &c->io);
			return;
		}
		if (n <= 0)
			break;
		c->sent += (size_t)n;
	}
	conn_close(c);
}

static void
on_conn(struct evloop *loop, struct evio *io, unsigned events)
{
	struct fconn *c = io->ctx;
	ssize_t n;

	(void)loop, (void)events;
	if (c->writing) {
		conn_write(c);
		return;
	}
	n = recv(c->fd, c->head + c->nhead, HEAD_MAX - c->nhead, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->nhead += (size_t)n;
	c->head[c->nhead] = '\0';
	if (strstr(c->head, "\r\n\r\n") != NULL)
		respond(c);
	else if (c->nhead == HEAD_MAX)
		answer(c, 431, "Request Header Fields Too Large", "text/plain",
		    NULL);
	if (c->writing)
		conn_write(c);
}

static void
on_deadline(struct evloop *loop, struct evtimer *t)
{
	struct fconn *c = t->ctx;

	(void)loop;
	c->s->st.timeouts++;
	conn_close(c);
}

/* Every slot is taken: the oldest connection still reading its
 * request goes (the list is newest first). False when all are writing. */
static bool
conn_evict(struct feedsrv *s)
{
	struct fconn *old = NULL;

	for (struct fconn *c = s->conns; c != NULL; c = c->next)
		if (!c->writing)
			old = c;
	if (old == NULL)
		return false;
	s->st.evicted++;
	warn_limited(s, old->peer_text,
	    "every slot taken: the oldest connection closed");
	conn_close(old);
	return true;
}

static void
conn_accept(struct feedsrv *s, int fd, const struct sockaddr_storage *sa)
{
	struct fconn *c;
	struct arx_addr a = {0};
	char text[64];

	(void)net_peer(sa, &a, text, sizeof(text));
	if (srclimit_take(&s->src, &a) != 0) {
		s->st.per_source++;
		warn_limited(s, text, "too many connections");
		close(fd);
		return;
	}
	if ((s->nconns >= s->max_clients && !conn_evict(s)) ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		srclimit_put(&s->src, &a);
		close(fd);
		return;
	}
	*c = (struct fconn){.s = s, .fd = fd, .peer = a, .next = s->conns};
	snprintf(c->peer_text, sizeof(c->peer_text), "%s", text);
	buf_init(&c->out, LIST_MAX + 4096);
	s->conns = c;
	s->nconns++;
	evio_init(&c->io, fd, EV_READ, on_conn, c);
	evtimer_init(&c->deadline, on_deadline, c);
	(void)evloop_io_start(s->loop, &c->io);
	(void)evloop_timer_start(s->loop, &c->deadline, DEADLINE_MS);
}

static void
on_accept(struct evloop *loop, struct evio *io, unsigned events)
{
	struct feedsrv *s = io->ctx;
	struct sockaddr_storage sa;
	socklen_t len = sizeof(sa);
	int fd;

	(void)loop, (void)events;
	while ((fd = accept4(io->fd, (struct sockaddr *)&sa, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		conn_accept(s, fd, &sa);
		len = sizeof(sa);
	}
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
	*s = (struct feedsrv){.loop = loop,
	    .max_clients = f->max_clients,
	    .extra = extra,
	    .ctx = ctx,
	    .warn_log = LOG_LIMIT_INIT(1, 1000)};
	s->lis.fd = -1;
	/* one entry more than the slots: a new source is counted before
	 * the oldest connection makes room for it */
	if (srclimit_init(&s->src, s->max_clients + 1, f->max_per_source)) {
		feedsrv_stop(s);
		return ARX_ERR_NOMEM;
	}
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
	evio_init(&s->lis, fd, EV_READ, on_accept, s);
	if ((r = evloop_io_start(loop, &s->lis)) != 0) {
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
	while (s->conns != NULL)
		conn_close(s->conns);
	if (s->lis.active)
		evloop_io_stop(s->loop, &s->lis);
	if (s->lis.fd >= 0)
		close(s->lis.fd);
	explicit_bzero(s->cred, sizeof(s->cred));
	srclimit_release(&s->src);
	free(s);
}

void
feedsrv_stats(const struct feedsrv *s, struct feedsrv_stats *st)
{
	*st = s->st;
}

unsigned
feedsrv_port(const struct feedsrv *s)
{
	return s->port;
}
