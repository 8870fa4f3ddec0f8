/*
 * Implementation of http.h. The head is cut into lines ending in CRLF;
 * the first is the request line, the rest headers, the empty one ends
 * the head. Every length is checked against the bytes given.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/http.h"

/* The token characters of RFC 9110 (a method, a header name). */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
all_tchar(struct span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!is_tchar((unsigned char)s.p[i]))
			return false;
	return s.len > 0;
}

/* Visible characters, blanks and obs-text; no other control. */
static bool
all_field(struct span s)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static struct span
trim(struct span s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.len--;
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* The request line: METHOD SP TARGET SP HTTP/1.x. */
static const char *
request_line(struct span l, struct http_request *req)
{
	const char *sp1 = memchr(l.p, ' ', l.len), *sp2;
	struct span v;

	if (sp1 == NULL)
		return "no target in the request line";
	req->method = (struct span){l.p, (size_t)(sp1 - l.p)};
	sp2 = memchr(sp1 + 1, ' ', l.len - req->method.len - 1);
	if (sp2 == NULL)
		return "no version in the request line";
	req->target = (struct span){sp1 + 1, (size_t)(sp2 - sp1 - 1)};
	v = (struct span){sp2 + 1, (size_t)(l.p + l.len - sp2 - 1)};
	if (!all_tchar(req->method))
		return "a bad method";
	if (req->target.len == 0 || req->target.p[0] != '/' ||
	    !all_field(req->target) ||
	    memchr(req->target.p, ' ', req->target.len) != NULL ||
	    memchr(req->target.p, '\t', req->target.len) != NULL)
		return "a bad target";
	if (v.len != 8 || memcmp(v.p, "HTTP/1.", 7) != 0 || v.p[7] < '0' ||
	    v.p[7] > '9')
		return "not HTTP/1.x";
	req->minor = (unsigned)(v.p[7] - '0');
	return NULL;
}

static void
split_target(struct http_request *req)
{
	const char *q = memchr(req->target.p, '?', req->target.len);

	req->path = req->target;
	req->query = (struct span){req->target.p + req->target.len, 0};
	if (q == NULL)
		return;
	req->path.len = (size_t)(q - req->target.p);
	req->query = (struct span){q + 1, req->target.len - req->path.len - 1};
}

/* One header line. */
static const char *
header_line(struct span l, struct http_request *req)
{
	const char *colon = memchr(l.p, ':', l.len);
	struct http_header *h;

	if (l.p[0] == ' ' || l.p[0] == '\t')
		return "obsolete line folding";
	if (colon == NULL)
		return "a header without a colon";
	h = &req->h[req->nh];
	h->name = (struct span){l.p, (size_t)(colon - l.p)};
	h->value = trim((struct span){colon + 1, l.len - h->name.len - 1});
	if (!all_tchar(h->name))
		return "a bad header name";
	if (!all_field(h->value))
		return "a control character in a header";
	req->nh++;
	return NULL;
}

/* The next line of p from *at, without its CRLF: 0, ARX_ERR_AGAIN (not
 * all there), or ARX_ERR_INVAL (a bare LF or CR). */
static int
next_line(const char *p, size_t len, size_t *at, struct span *line)
{
	const char *s = p + *at, *lf = memchr(s, '\n', len - *at);
	const char *cr =
	    memchr(s, '\r', lf != NULL ? (size_t)(lf - s) : len - *at);

	if (lf == NULL)
		return cr != NULL && cr + 1 < p + len ? ARX_ERR_INVAL
						      : ARX_ERR_AGAIN;
	if (cr == NULL || cr + 1 != lf)
		return ARX_ERR_INVAL;
	*line = (struct span){s, (size_t)(cr - s)};
	*at = (size_t)(lf - p) + 1;
	return 0;
}

int
http_request_parse(
    const char *p, size_t len, struct http_request *req, const char **why)
{
	size_t at = 0, n = len < HTTP_HEAD_MAX ? len : HTTP_HEAD_MAX;
	struct span l;
	int r;

	memset(req, 0, sizeof(*req));
	*why = NULL;
	while ((r = next_line(p, n, &at, &l)) == 0) {
		if (at == l.len + 2) /* the request line */
			*why = request_line(l, req);
		else if (l.len == 0)
			break;
		else if (req->nh == HTTP_HEADERS_MAX)
			return (*why = "too many headers"), ARX_ERR_TOOBIG;
		else
			*why = header_line(l, req);
		if (*why != NULL)
			return ARX_ERR_INVAL;
	}
	if (r == ARX_ERR_INVAL)
		return (*why = "a line not ended by CRLF"), ARX_ERR_INVAL;
	if (r == ARX_ERR_AGAIN)
		return len >= HTTP_HEAD_MAX
		    ? ((*why = "a request head too long"), ARX_ERR_TOOBIG)
		    : ARX_ERR_AGAIN;
	req->head_len = at;
	split_target(req);
	return 0;
}

struct span
http_header_get(const struct http_request *req, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < req->nh; i++)
		if (req->h[i].name.len == len &&
		    strncasecmp(req->h[i].name.p, name, len) == 0)
			return req->h[i].value;
	return (struct span){NULL, 0};
}

bool
http_is(const struct http_request *req, const char *m, const char *path)
{
	return req->method.len == strlen(m) &&
	    memcmp(req->method.p, m, req->method.len) == 0 &&
	    req->path.len == strlen(path) &&
	    memcmp(req->path.p, path, req->path.len) == 0;
}

int
http_answer_head(struct buf *out, int status, const char *reason,
    const char *type, size_t length, const char *extra)
{
	return buf_printf(out,
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
	    status, reason, type, length, extra != NULL ? extra : "");
}

void
http_conn_answer(struct server_conn *sc, int status, const char *reason,
    const char *type, const struct buf *body, const char *extra)
{
	(void)http_answer_head(
	    &sc->out, status, reason, type, body ? body->len : 0, extra);
	if (body != NULL)
		(void)buf_append(&sc->out, body->data, body->len);
	server_conn_settle(sc);
}

int
http_conn_request(
    struct server_conn *sc, struct http_request *req, const char **why)
{
	int r = http_request_parse(sc->in.data, sc->in.len, req, why);

	if (r == ARX_ERR_TOOBIG)
		http_conn_answer(sc, 431, "Request Header Fields Too Large",
		    "text/plain", NULL, NULL);
	else if (r == ARX_ERR_INVAL)
		http_conn_answer(
		    sc, 400, "Bad Request", "text/plain", NULL, NULL);
	return r;
}

void
http_warn(struct log_limit *limit, const char *who, const char *peer,
    const char *what)
{
	unsigned long held;
	char more[64] = "";

	if (!log_limit_pass(limit, clock_mono_ms(clock_real()), &held))
		return;
	if (held > 0)
		snprintf(more, sizeof(more), " (%lu more not logged)", held);
	log_warn("%s: %s from %s%s", who, what, peer, more);
}
