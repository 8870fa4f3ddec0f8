/*
 * <blocklist> subscriptions on the analysis child's side: what comes
 * from outside (a URL's body, a file's content) is fetched and parsed
 * here, in the unprivileged, sandboxed child, never by root. Each list
 * is read every <interval>: a URL with libcurl's multi interface driven
 * by the event loop (the ETag and Last-Modified of the last answer sent
 * back as If-None-Match and If-Modified-Since: a 304 changes nothing),
 * a file by reading it whole (the same content as last time changes
 * nothing). Bounded: at most BL_BODY_MAX bytes, <max_entries> entries
 * (the rest dropped and counted), a line of at most BL_LINE_MAX bytes;
 * a line that is not an entry is counted and logged with its
 * URL-or-file:line (the first BL_LOG_BAD of a read). The parsed list
 * goes to the root process whole, as parts of checked address text
 * (transport/priv.h PRIV_BLOCKLIST), which compares it with its sets
 * (ar/blocklist.h). Owns its curl handles, buffers and timers.
 */
#ifndef ARX_ANALYSIS_BLOCKLIST_H
#define ARX_ANALYSIS_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "config/conf.h"
#include "core/addr.h"
#include "core/buf.h"
#include "core/counters.h"
#include "core/evloop.h"

#define BL_BODY_MAX (32u << 20)
#define BL_LINE_MAX 1024u
#define BL_LOG_BAD  10u

/* What a read found: the entries (at most max), and what was not kept. */
struct bl_parsed {
	struct arx_addr *v;
	size_t n, cap, max;
	unsigned long bad, dropped;
};

/*
 * Parse text[0..len) as format (enum conf_blocklist_format) into out
 * (n reset first; out->max set by the caller); bad lines are logged as
 * "blocklist NAME: ORIGIN:LINE: ..." (the first BL_LOG_BAD). 0, or
 * ARX_ERR_NOMEM.
 */
int bl_parse(const char *name, const char *origin, unsigned format,
    const char *text, size_t len, struct bl_parsed *out);
void bl_parsed_free(struct bl_parsed *p);

struct bl_fetcher;

/* Send the message in msg to the root process: 0 or an error. */
typedef int bl_send_fn(const struct buf *msg, void *ctx);

/* Start reading conf's lists at once, then every <interval>. NULL when
 * conf has none, or on failure (logged). curl_global_init() must have
 * been called (before the sandbox). */
struct bl_fetcher *bl_fetcher_new(const struct arx_conf *conf,
    struct evloop *loop, bl_send_fn *send, void *ctx);
void bl_fetcher_free(struct bl_fetcher *f);
/* The rows blocklist_fetches, _not_modified, _errors, _bad_lines,
 * _dropped and _sent. */
void bl_fetcher_counters(const struct bl_fetcher *f, struct counters *c);

#endif
