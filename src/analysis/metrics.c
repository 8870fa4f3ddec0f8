/*
 * Implementation of metrics.h: connections (on a core/server.h
 * listener) that read one request head and write one answer before
 * closing, as the feed's do; and the families' table, which says which
 * rows are gauges and what each family means. A row without an entry
 * is served as a counter whose help names it, so a new counter needs no
 * change here to be scraped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/http.h"
#include "core/log.h"
#include "core/net.h"
#include "core/promtext.h"
#include "core/server.h"

#define DEADLINE_MS 5000u
#define BODY_MAX    (2u << 20)
#define PER_SOURCE  2u

#define G(name, help)            \
	{                        \
		name, true, help \
	}
#define C(name, help)             \
	{                         \
		name, false, help \
	}

static const struct promtext_family families[] = {
    G("blocks_active", "Blocks in force now, every command."),
    G("blocks_max", "The block table's capacity (<daemon><max_blocks>)."),
    G("offences_remembered", "Addresses whose offences are remembered."),
    C("ar_triggers", "Fired rules the root side took for responses."),
    C("responses",
	"Responses by command and outcome (block, extend, "
	"unblock, notification, whitelisted, refused, failed, "
	"done)."),
    C("dropped", "Rows refused by a bounded table, by table."),
    G("queue_depth", "Work waiting, by queue."),
    G("runs_running", "Response programs running now."),
    C("runs_timed_out", "Response programs killed at their time limit."),
    G("nft_largest", "The largest nftables transaction so far."),
    C("journal_errors", "Block journal records that could not be written."),
    C("journal_damaged_lines", "Damaged journal lines skipped at start."),
    C("kernel_restored", "Blocks found missing in the kernel, put back."),
    C("kernel_restore_failed", "Blocks that could not be put back."),
    C("analysis_died", "Times the analysis child ended unasked."),
    C("analysis_violations", "Messages of the analysis child refused."),
    C("lines", "Lines read, every source."),
    C("source_lines", "Lines read, by source."),
    C("alerts",
	"Rules fired, by rule id and level (the first 64 rules "
	"each, the rest as rule=\"other\")."),
    C("pattern_limits", "Patterns stopped at their step limit."),
    G("agents", "A manager's agents, by state."),
    G("files", "Log files read now."),
    G("correlation_buckets", "Correlation buckets held."),
    G("sessions", "Process sessions held."),
    G("agents_connected", "Agents connected now."),
    G("uplink_connected", "1 while connected to the manager."),
    G("uplink_queued", "Events waiting for the manager."),
    G("uplink_server", "The agent's <server> in use or tried, from 0."),
    C("uplink_failovers", "Times the agent moved on to another <server>."),
    G("responses_kept", "Responses kept for agents not connected."),
    C("prechecks", "Prechecks run before an add (<precheck>)."),
    C("prechecks_declined", "Adds a precheck declined."),
    C("prechecks_raised", "Blocks a precheck made longer."),
    G("blocklist_entries", "Entries of a <blocklist> in its sets, by list."),
    C("blocklist_changes", "A <blocklist>'s entries, by list and change."),
    C("blocklist_fetches", "<blocklist> reads (fetches and file reads)."),
    C("mail_sent", "Alert mails sent."),
    C("mail_failed", "Alert mails that could not be sent."),
    C("mail_dropped", "Alerts dropped from the mail queue at its cap."),
    C("mail_capped", "Mails held back by <email_maxperhour>."),
    G("mail_waiting", "Alerts waiting to be mailed."),
    C("feed_tls_failed", "Feed connections whose TLS handshake failed."),
    C("agent_duplicates", "Agents' events sent again and dropped."),
    G("responses_to_agents_waiting",
	"Responses for agents waiting for the analysis child."),
    C("responses_to_agents_dropped",
	"Responses for agents dropped at that queue's bound."),
    C("fleet_offences", "Other <cluster> managers' offences counted here."),
    G("db_up", "1 while in touch with the <cluster> database."),
    G("db_configured", "1 when this manager is in a <cluster>."),
    G("db_queued", "Statements waiting for the <cluster> database."),
    C("db_dropped", "Writes dropped at the <cluster> queue's bound."),
    C("cluster_blocks_read", "Decisions read from the <cluster> database."),
};

struct mconn {
	struct server_conn sc; /* first: the server allocates mconn */
	struct metricsrv *s;
	bool writing;
};

struct metricsrv {
	struct server *srv;
	unsigned port;
	metrics_gather_fn *gather;
	void *ctx;
	struct counters *kid; /* scratch: the analysis' rows of a scrape */
	struct log_limit warn_log;
};

int
metrics_body(struct buf *out, const struct counters *const *sets, size_t nsets)
{
	int r = promtext_put(out, "arx", sets, nsets, families,
	    sizeof(families) / sizeof(families[0]));

	if (r == 0)
		r = buf_printf(out,
		    "# HELP arx_build_info The running arx, as a label.\n"
		    "# TYPE arx_build_info gauge\n"
		    "arx_build_info{version=\"%s\"} 1\n",
		    ARX_VERSION);
	return r;
}

static void
answer(struct mconn *c, int status, const char *reason, const struct buf *b,
    const char *extra)
{
	http_conn_answer(&c->sc, status, reason,
	    b != NULL ? "text/plain; version=0.0.4; charset=utf-8"
		      : "text/plain",
	    b, extra);
	c->writing = true;
}

static void
respond(struct mconn *c, const struct http_request *req)
{
	struct metricsrv *s = c->s;
	const struct counters *sets[2] = {s->kid, NULL};
	struct buf body;

	bool ours = req->path.len == strlen("/metrics") &&
	    memcmp(req->path.p, "/metrics", req->path.len) == 0;

	if (!ours) {
		answer(c, 404, "Not Found", NULL, NULL);
		return;
	}
	if (!http_is(req, "GET", "/metrics")) {
		answer(c, 405, "Method Not Allowed", NULL, "Allow: GET\r\n");
		return;
	}
	counters_clear(s->kid);
	sets[1] = s->gather(s->ctx, s->kid);
	sets[0] = sets[1] != NULL ? sets[1] : s->kid; /* the root's first */
	sets[1] = sets[0] == s->kid ? NULL : s->kid;
	buf_init(&body, BODY_MAX);
	if (metrics_body(&body, sets, sets[1] != NULL ? 2 : 1) == 0)
		answer(c, 200, "OK", &body, NULL);
	else
		answer(c, 500, "Internal Server Error", NULL, NULL);
	buf_release(&body);
}

/* A warning anyone can cause: once a second at most. */
static void
warn_limited(struct metricsrv *s, const char *peer, const char *what)
{
	http_warn(&s->warn_log, "metrics", peer, what);
}

static void
conn_write(struct mconn *c)
{
	if (server_conn_flush(&c->sc) != ARX_ERR_AGAIN)
		server_conn_close(&c->sc); /* all sent, or the peer is gone */
}

static void
request(struct mconn *c)
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

static void
metrics_io(struct server_conn *sc, unsigned events)
{
	struct mconn *c = (struct mconn *)sc;
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
metrics_accepted(struct server_conn *sc)
{
	((struct mconn *)sc)->s = server_ctx(sc->srv);
	return server_conn_deadline(sc, DEADLINE_MS);
}

static void
metrics_refused(
    struct server *srv, int fd, const char *peer, enum server_refusal why)
{
	(void)fd;
	if (why == SERVER_REFUSED_SOURCE)
		warn_limited(server_ctx(srv), peer, "too many connections");
}

static const struct server_ops metrics_ops = {
    .conn_size = sizeof(struct mconn),
    .refused = metrics_refused,
    .accepted = metrics_accepted,
    .io = metrics_io,
};

int
metricsrv_start(struct evloop *loop, const struct conf_metrics *m,
    metrics_gather_fn *gather, void *ctx, struct metricsrv **out)
{
	struct metricsrv *s = calloc(1, sizeof(*s));
	int fd, r;

	*out = NULL;
	if (s == NULL || (s->kid = malloc(sizeof(*s->kid))) == NULL) {
		free(s);
		return ARX_ERR_NOMEM;
	}
	s->gather = gather;
	s->ctx = ctx;
	s->warn_log = (struct log_limit)LOG_LIMIT_INIT(1, 1000);
	counters_clear(s->kid);
	if ((r = net_listen_tcp(m->local_ip, m->port, &fd, &s->port)) != 0) {
		log_error("<metrics> %s port %u: %s", m->local_ip, m->port,
		    strerror(errno));
		metricsrv_stop(s);
		return r;
	}
	if ((r = server_start(&(struct server_opts){.loop = loop,
				  .fd = fd,
				  .max_conns = m->max_clients,
				  .per_source = PER_SOURCE,
				  .evict = true,
				  .in_max = HTTP_HEAD_MAX,
				  .out_max = BODY_MAX + 4096,
				  .ops = &metrics_ops,
				  .ctx = s},
		 &s->srv)) != 0) {
		metricsrv_stop(s);
		return r;
	}
	log_info("metrics on %s port %u", m->local_ip, s->port);
	*out = s;
	return 0;
}

void
metricsrv_stop(struct metricsrv *s)
{
	if (s == NULL)
		return;
	server_stop(s->srv);
	free(s->kid);
	free(s);
}

unsigned
metricsrv_port(const struct metricsrv *s)
{
	return s->port;
}

void
metricsrv_counters(const struct metricsrv *s, struct counters *c)
{
	server_counters(s->srv, "conn_slow", c);
}
