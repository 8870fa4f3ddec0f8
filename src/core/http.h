/*
 * HTTP/1.x for arx's small servers (the blocklist feed, /metrics): the
 * request head parsed in place, bounded, refusing what a well-behaved
 * client never sends, and the head of an answer. Only what those
 * servers need: one request per connection, no body, no chunking, no
 * keep-alive. The parse points into the caller's bytes and owns
 * nothing; it is pure, so it is fuzzed (tests/fuzz/fuzz_http.c). On a
 * core/server connection (the feed, /metrics): the request head read so
 * far checked or refused, the answer written, a client's mistakes
 * logged at a bounded rate.
 */
#ifndef ARX_CORE_HTTP_H
#define ARX_CORE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/server.h"
#include "core/strparse.h"

#define HTTP_HEAD_MAX    8192u /* a request head, its blank line included */
#define HTTP_HEADERS_MAX 32u

struct http_header {
	struct span name, value; /* value without surrounding blanks */
};

struct http_request {
	struct span method; /* "GET" */
	struct span target; /* "/metrics?x=1" */
	struct span path;   /* "/metrics" */
	struct span query;  /* "x=1", or empty */
	unsigned minor;     /* HTTP/1.minor */
	struct http_header h[HTTP_HEADERS_MAX];
	size_t nh;
	size_t head_len; /* bytes of the head, up to its blank line */
};

/*
 * Parse the request head at the start of p[0..len). 0 with *req set;
 * ARX_ERR_AGAIN when the head is not complete yet; ARX_ERR_TOOBIG when
 * it is longer than HTTP_HEAD_MAX or has more than HTTP_HEADERS_MAX
 * headers; ARX_ERR_INVAL for anything else it refuses (why says what):
 * a request line that is not METHOD SP TARGET SP HTTP/1.x, a target
 * not starting with '/', a control character, a header line without
 * a colon or with a blank before it, obsolete line folding, a bare LF.
 */
int http_request_parse(
    const char *p, size_t len, struct http_request *req, const char **why);

/* The value of the first header named name (ASCII case ignored), or an
 * unset span. */
struct span http_header_get(const struct http_request *req, const char *name);

/* Whether the request's method is m and its path is path. */
bool http_is(const struct http_request *req, const char *m, const char *path);

/* Append an answer's head to out: the status line, Content-Type,
 * Content-Length, Cache-Control no-store, Connection close, then extra
 * (whole header lines with their CRLF, or NULL) and the blank line. */
int http_answer_head(struct buf *out, int status, const char *reason,
    const char *type, size_t length, const char *extra);

/* Write the answer into sc's output (its head, then body) and settle
 * sc: one request, one answer, then the caller flushes and closes. */
void http_conn_answer(struct server_conn *sc, int status, const char *reason,
    const char *type, const struct buf *body, const char *extra);

/* The request head in sc's input so far: 0 with *req when it is whole,
 * ARX_ERR_AGAIN while it is not; otherwise it is answered (431 too long,
 * 400 malformed: why says what) and ARX_ERR_TOOBIG or ARX_ERR_INVAL is
 * returned. */
int http_conn_request(
    struct server_conn *sc, struct http_request *req, const char **why);

/* A warning a client can cause, as often as limit lets:
 * "WHO: WHAT from PEER", with how many were held back. */
void http_warn(struct log_limit *limit, const char *who, const char *peer,
    const char *what);

#endif
