/*
 * <blocklist> subscriptions in the analysis child (blocklist.h): the
 * parser of the three formats, the reads (libcurl's multi interface,
 * looked at every POLL_MS while a transfer runs, so the loop never
 * waits on the network; files read whole) and the parts sent to the
 * root process. Owns the curl handles, each list's body and validators,
 * the timers and the counters.
 */
#include <sys/stat.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "analysis/blocklist.h"
#include "core/crc32.h"
#include "core/err.h"
#include "core/log.h"
#include "transport/priv.h"

#define POLL_MS      50u
#define HTTP_TIMEOUT 60L
#define VALIDATOR    256u /* longest ETag or Last-Modified kept */

/* ---- the parser ---- */

/* Where the entry of a line is: its first word, once the comment is
 * cut ('#' for plain and cidr, ';' for drop; both in every format, as
 * lists mix them). Empty: a blank or comment line. */
static void
line_word(const char *line, size_t len, const char **w, size_t *wlen)
{
	size_t i = 0, j;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	j = i;
	while (j < len && !strchr(" \t\r#;", line[j]))
		j++;
	*w = line + i;
	*wlen = j - i;
}

struct parse_ctx {
	const char *name, *origin;
	unsigned format;
	struct bl_parsed *out;
	unsigned long line;
};

static void
parse_bad(struct parse_ctx *p, const char *line, size_t len, const char *why)
{
	char shown[96];

	if (p->out->bad++ >= BL_LOG_BAD)
		return;
	log_escape(shown, sizeof(shown), line, len > 64 ? 64 : len);
	log_warn("blocklist %s: %s:%lu: %s: '%s'%s", p->name, p->origin,
	    p->line, why, shown, len > 64 ? "..." : "");
}

static int
parse_push(struct bl_parsed *out, const struct arx_addr *a)
{
	struct arx_addr *nv;
	size_t cap;

	if (out->n >= out->max) {
		out->dropped++;
		return 0;
	}
	if (out->n == out->cap) {
		cap = out->cap ? out->cap * 2 : 1024;
		if ((nv = realloc(out->v, cap * sizeof(*nv))) == NULL)
			return ARX_ERR_NOMEM;
		out->v = nv;
		out->cap = cap;
	}
	out->v[out->n++] = *a;
	return 0;
}

/* One line: an address (plain), an address or network (cidr, drop). */
static int
parse_line(struct parse_ctx *p, const char *line, size_t len)
{
	struct arx_addr a;
	const char *w;
	size_t wlen;

	if (len > BL_LINE_MAX) {
		parse_bad(p, line, len, "line too long");
		return 0;
	}
	line_word(line, len, &w, &wlen);
	if (wlen == 0)
		return 0;
	if (p->format == BL_FORMAT_PLAIN ? addr_parse(w, wlen, &a) != 0
					 : addr_parse_net(w, wlen, &a) != 0) {
		parse_bad(p, line, len,
		    p->format == BL_FORMAT_PLAIN ? "not an address"
						 : "not an address or network");
		return 0;
	}
	return parse_push(p->out, &a);
}

int
bl_parse(const char *name, const char *origin, unsigned format,
    const char *text, size_t len, struct bl_parsed *out)
{
	struct parse_ctx p = {name, origin, format, out, 0};
	const char *end = text + len, *nl;
	int r = 0;

	out->n = 0;
	out->bad = out->dropped = 0;
	while (r == 0 && text < end) {
		nl = memchr(text, '\n', (size_t)(end - text));
		if (nl == NULL)
			nl = end;
		p.line++;
		r = parse_line(&p, text, (size_t)(nl - text));
		text = nl + 1;
	}
	if (out->bad > BL_LOG_BAD)
		log_warn("blocklist %s: %s: %lu bad lines in all (the first "
			 "%u logged)",
		    name, origin, out->bad, BL_LOG_BAD);
	if (out->dropped > 0)
		log_warn("blocklist %s: %s: %lu entries beyond <max_entries> "
			 "%zu dropped",
		    name, origin, out->dropped, out->max);
	return r;
}

void
bl_parsed_free(struct bl_parsed *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

/* ---- the reads ---- */

struct bl_src {
	struct bl_fetcher *f;
	const struct conf_blocklist *cb;
	size_t idx;
	CURL *easy; /* while a transfer runs */
	struct curl_slist *hdrs;
	struct buf body;
	bool too_big;
	char etag[VALIDATOR], lastmod[VALIDATOR];         /* of the last 200 */
	char new_etag[VALIDATOR], new_lastmod[VALIDATOR]; /* this answer */
	uint32_t file_crc; /* a file's content last sent */
	bool file_sent;
	struct evtimer next;
};

struct bl_fetcher {
	struct evloop *loop;
	CURLM *multi;
	struct bl_src *src;
	size_t n;
	int running;
	struct evtimer poll;
	bl_send_fn *send;
	void *ctx;
	struct buf msg;
	struct bl_parsed parsed;
	uint64_t fetches, not_modified, errors, bad_lines, dropped, sent;
};

static const char *
origin_of(const struct bl_src *s)
{
	return s->cb->url != NULL ? s->cb->url : s->cb->file;
}

static void
src_again(struct bl_src *s)
{
	(void)evloop_timer_start(s->f->loop, &s->next, s->cb->interval * 1000u);
}

/* The parsed list to the root process, in parts. */
static int
src_send(struct bl_src *s, const struct bl_parsed *p)
{
	struct bl_fetcher *f = s->f;
	size_t i = 0;
	int r = 0;

	do {
		size_t n = p->n - i < PRIV_BL_CHUNK ? p->n - i : PRIV_BL_CHUNK;
		struct priv_blocklist h = {(uint32_t)s->idx, s->cb->name,
		    (i == 0 ? PRIV_BL_FIRST : 0) |
			(i + n == p->n ? PRIV_BL_LAST : 0),
		    0};
		char text[64];

		r = priv_put_blocklist_begin(&f->msg, &h);
		for (size_t k = 0; r == 0 && k < n; k++) {
			addr_format(&p->v[i + k], text, sizeof(text));
			r = priv_put_blocklist_entry(&f->msg, text);
		}
		if (r == 0) {
			priv_put_blocklist_end(&f->msg, (uint32_t)n);
			r = f->send(&f->msg, f->ctx);
		}
		i += n;
	} while (r == 0 && i < p->n);
	if (r == 0)
		f->sent += p->n;
	return r;
}

/* A body or a file's content: parsed, counted, sent. */
static void
src_take(struct bl_src *s, const char *text, size_t len)
{
	struct bl_fetcher *f = s->f;
	int r;

	f->parsed.max = s->cb->max_entries;
	r = bl_parse(
	    s->cb->name, origin_of(s), s->cb->format, text, len, &f->parsed);
	f->bad_lines += f->parsed.bad;
	f->dropped += f->parsed.dropped;
	if (r == 0)
		r = src_send(s, &f->parsed);
	if (r != 0) {
		f->errors++;
		log_error("blocklist %s: %s: not handed over: %s", s->cb->name,
		    origin_of(s), arx_strerror(r));
	} else
		log_info("blocklist %s: %s: %zu entries read", s->cb->name,
		    origin_of(s), f->parsed.n);
}

/* A file: read whole as this user; the same content as last time is
 * not sent again. */
static void
src_read_file(struct bl_src *s)
{
	struct bl_fetcher *f = s->f;
	char chunk[65536];
	ssize_t n = 0;
	uint32_t crc;
	int fd;

	f->fetches++;
	buf_reset(&s->body);
	if ((fd = open(s->cb->file, O_RDONLY | O_CLOEXEC)) >= 0) {
		while ((n = read(fd, chunk, sizeof(chunk))) > 0 &&
		    buf_append(&s->body, chunk, (size_t)n) == 0)
			;
		close(fd);
	}
	if (fd < 0 || n != 0) {
		f->errors++;
		log_error("blocklist %s: cannot read %s (whole, at most %u "
			  "bytes) as the analysis user",
		    s->cb->name, s->cb->file, BL_BODY_MAX);
		return;
	}
	crc = crc32_of(s->body.data, s->body.len);
	if (s->file_sent && crc == s->file_crc) {
		f->not_modified++;
		return;
	}
	src_take(s, s->body.data != NULL ? s->body.data : "", s->body.len);
	s->file_crc = crc;
	s->file_sent = true;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct bl_src *s = ctx;

	if (buf_append(&s->body, p, size * nmemb) != 0) {
		s->too_big = true;
		return 0; /* ends the transfer */
	}
	return size * nmemb;
}

/* "Name: value" into out when the header is name (validators only). */
static void
header_take(const char *h, size_t len, const char *name, char *out)
{
	size_t nlen = strlen(name), vlen;

	if (len <= nlen + 1 || strncasecmp(h, name, nlen) != 0 ||
	    h[nlen] != ':')
		return;
	h += nlen + 1, len -= nlen + 1;
	while (len > 0 && (*h == ' ' || *h == '\t'))
		h++, len--;
	while (len > 0 && strchr("\r\n ", h[len - 1]))
		len--;
	vlen = len < VALIDATOR - 1 ? len : 0; /* too long: not kept */
	if (memchr(h, '\0', vlen) != NULL)
		vlen = 0;
	memcpy(out, h, vlen);
	out[vlen] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct bl_src *s = ctx;
	size_t len = size * nmemb;

	header_take(p, len, "ETag", s->new_etag);
	header_take(p, len, "Last-Modified", s->new_lastmod);
	return len;
}

static int
conditional(struct bl_src *s)
{
	char h[VALIDATOR + 32];
	struct curl_slist *n;

	if (s->etag[0] != '\0') {
		snprintf(h, sizeof(h), "If-None-Match: %s", s->etag);
		if ((n = curl_slist_append(s->hdrs, h)) == NULL)
			return ARX_ERR_NOMEM;
		s->hdrs = n;
	}
	if (s->lastmod[0] != '\0') {
		snprintf(h, sizeof(h), "If-Modified-Since: %s", s->lastmod);
		if ((n = curl_slist_append(s->hdrs, h)) == NULL)
			return ARX_ERR_NOMEM;
		s->hdrs = n;
	}
	return 0;
}

/* The transfer's options: http or https only (redirects too, at most
 * 3), a time limit, the validators of the last answer. */
static int
easy_setup(struct bl_src *s)
{
	CURL *e = s->easy;

	if (conditional(s) != 0 ||
	    curl_easy_setopt(e, CURLOPT_URL, s->cb->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT, HTTP_TIMEOUT) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "arx/" ARX_VERSION) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdrs) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, s) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HEADERDATA, s) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PRIVATE, s) != CURLE_OK)
		return ARX_ERR_INVAL;
	return 0;
}

static void
easy_end(struct bl_src *s)
{
	if (s->easy != NULL) {
		curl_multi_remove_handle(s->f->multi, s->easy);
		curl_easy_cleanup(s->easy);
		s->easy = NULL;
	}
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
}

static void
src_fetch(struct bl_src *s)
{
	struct bl_fetcher *f = s->f;

	f->fetches++;
	buf_reset(&s->body);
	s->too_big = false;
	s->new_etag[0] = s->new_lastmod[0] = '\0';
	if ((s->easy = curl_easy_init()) == NULL || easy_setup(s) != 0 ||
	    curl_multi_add_handle(f->multi, s->easy) != CURLM_OK) {
		f->errors++;
		log_error("blocklist %s: cannot start a transfer", s->cb->name);
		easy_end(s);
		src_again(s);
		return;
	}
	if (!f->poll.active)
		(void)evloop_timer_start(f->loop, &f->poll, 0);
}

/* A transfer is over: 200 (parsed, sent, its validators kept), 304
 * (nothing changed), anything else an error logged. */
static void
src_done(struct bl_src *s, CURLcode c)
{
	struct bl_fetcher *f = s->f;
	long status = 0;

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	if (c == CURLE_OK && status == 304) {
		f->not_modified++;
		log_info(
		    "blocklist %s: %s: not modified", s->cb->name, s->cb->url);
	} else if (c == CURLE_OK && status == 200) {
		memcpy(s->etag, s->new_etag, sizeof(s->etag));
		memcpy(s->lastmod, s->new_lastmod, sizeof(s->lastmod));
		src_take(
		    s, s->body.data != NULL ? s->body.data : "", s->body.len);
	} else {
		f->errors++;
		log_warn("blocklist %s: %s: %s%s%ld", s->cb->name, s->cb->url,
		    s->too_big          ? "larger than the bound, "
			: c != CURLE_OK ? curl_easy_strerror(c)
					: "HTTP status ",
		    c != CURLE_OK || s->too_big ? "; status " : "", status);
	}
	easy_end(s);
	src_again(s);
}

static void
on_poll(struct evloop *loop, struct evtimer *t)
{
	struct bl_fetcher *f = t->ctx;
	struct bl_src *s;
	CURLMsg *m;
	int left;

	(void)curl_multi_perform(f->multi, &f->running);
	while ((m = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		s = NULL;
		curl_easy_getinfo(
		    m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		if (s != NULL)
			src_done(s, m->data.result);
	}
	if (f->running > 0)
		(void)evloop_timer_start(loop, t, POLL_MS);
}

static void
on_next(struct evloop *loop, struct evtimer *t)
{
	struct bl_src *s = t->ctx;

	(void)loop;
	if (s->cb->url != NULL)
		src_fetch(s);
	else {
		src_read_file(s);
		src_again(s);
	}
}

struct bl_fetcher *
bl_fetcher_new(const struct arx_conf *conf, struct evloop *loop,
    bl_send_fn *send, void *ctx)
{
	struct bl_fetcher *f;

	if (conf->nblocklists == 0 || (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->loop = loop;
	f->send = send;
	f->ctx = ctx;
	buf_init(&f->msg, PRIV_MSG_MAX);
	evtimer_init(&f->poll, on_poll, f);
	f->src = calloc(conf->nblocklists, sizeof(*f->src));
	if (f->src == NULL || (f->multi = curl_multi_init()) == NULL) {
		log_error("blocklists: cannot set up their reads");
		bl_fetcher_free(f);
		return NULL;
	}
	f->n = conf->nblocklists;
	for (size_t i = 0; i < f->n; i++) {
		struct bl_src *s = &f->src[i];

		*s = (struct bl_src){
		    .f = f, .cb = &conf->blocklists[i], .idx = i};
		buf_init(&s->body, BL_BODY_MAX);
		evtimer_init(&s->next, on_next, s);
		(void)evloop_timer_start(loop, &s->next, 0);
	}
	return f;
}

void
bl_fetcher_free(struct bl_fetcher *f)
{
	if (f == NULL)
		return;
	evloop_timer_stop(f->loop, &f->poll);
	for (size_t i = 0; i < f->n; i++) {
		evloop_timer_stop(f->loop, &f->src[i].next);
		easy_end(&f->src[i]);
		buf_release(&f->src[i].body);
	}
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	bl_parsed_free(&f->parsed);
	buf_release(&f->msg);
	free(f->src);
	free(f);
}

void
bl_fetcher_counters(const struct bl_fetcher *f, struct counters *c)
{
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
	    {"blocklist_fetches", f->fetches},
	    {"blocklist_not_modified", f->not_modified},
	    {"blocklist_errors", f->errors},
	    {"blocklist_bad_lines", f->bad_lines},
	    {"blocklist_dropped", f->dropped},
	    {"blocklist_sent", f->sent},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		(void)counters_add(c, rows[i].name, rows[i].v);
}
