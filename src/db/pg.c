/*
 * The PostgreSQL client on the event loop (pg.h): owns one libpq
 * connection and its life (connecting with PQconnectStartParams and
 * PQconnectPoll under a deadline, LISTENing, losing it, coming back
 * after a backoff), the FIFO of statements and the list of failures
 * waiting to be delivered from the loop.
 *
 * States: DOWN (no connection; the retry timer is set), CONNECTING
 * (PQconnectPoll on the socket), SETUP (connected, the LISTENs running),
 * UP (statements run from the head of the queue, one at a time). The
 * head of the queue is the statement running when `running` is set; a
 * loss leaves a write there (it runs again) and fails every read.
 *
 * Callbacks are called only from the loop: the io watcher, the timers,
 * and `later`, a zero-delay timer that delivers failures and starts
 * the next statement. While one of those runs, `busy` is set and a
 * pg_close() only marks the client closing; it is freed on the way out.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/counters.h"
#include "core/err.h"
#include "core/evloop.h"
#include "core/log.h"
#include "core/strparse.h"
#include "db/db_int.h"
#include "db/pg.h"

#define PG_MSG_MAX 320

enum pg_state {
	PG_DOWN = 0,
	PG_CONNECTING,
	PG_SETUP,
	PG_UP
};

struct pg_q {
	struct pg_q *next;
	enum pg_kind kind;
	char *sql;
	int nparams;
	char **params;
	pg_done_fn *fn;
	void *ctx;
	const char *fail; /* in the failing list: the error to give */
};

struct pg_fifo {
	struct pg_q *head, *tail;
	size_t n;
};

struct pg_res {
	PGresult *r;
};

struct pg {
	struct evloop *loop;
	char *conninfo, *password, *app_name;
	char **listen;
	size_t nlisten, max_writes;
	pg_notify_fn *on_notify;
	pg_state_fn *on_state;
	void *ctx;
	PGconn *conn;
	enum pg_state state;
	bool running;       /* the head of q (or the LISTENs) was sent */
	bool down_reported; /* since the last time up */
	size_t errmark;     /* libpq's error text up to here is already told */
	PGresult *res;      /* the running statement's result so far */
	struct evio io;
	struct evtimer retry, deadline, later;
	uint64_t backoff_ms;
	struct pg_fifo q, failing;
	size_t nwrites, nreads;
	unsigned busy;
	bool closing;
	uint64_t connects, lost, queries, errors, dropped, notifications;
};

static void pg_down(struct pg *p, const char *raw);

/* libpq's error text since the last statement ended (libpq keeps a
 * statement's error until the next one starts, and appends to it). */
static const char *
pg_conn_msg(const struct pg *p)
{
	const char *m = PQerrorMessage(p->conn);
	size_t len = strlen(m);

	return len > p->errmark ? m + p->errmark : m;
}
static void pg_next(struct pg *p);

/* ---- messages ---- */

void
db_msg_line(const char *in, char *out, size_t n)
{
	const char *fatal = strstr(in, "failed: FATAL:");
	size_t o = 0;
	bool space = false;

	if (n == 0)
		return;
	if (strncmp(in, "connection to server", 20) == 0 && fatal != NULL)
		in = fatal + strlen("failed: ");
	for (; *in != '\0' && o + 1 < n; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < n)
			out[o++] = ' ';
		space = false;
		out[o++] = *in;
	}
	out[o] = '\0';
}

/* ---- the queues ---- */

static void
fifo_push(struct pg_fifo *f, struct pg_q *q)
{
	q->next = NULL;
	if (f->tail != NULL)
		f->tail->next = q;
	else
		f->head = q;
	f->tail = q;
	f->n++;
}

static struct pg_q *
fifo_pop(struct pg_fifo *f)
{
	struct pg_q *q = f->head;

	if (q == NULL)
		return NULL;
	f->head = q->next;
	if (f->head == NULL)
		f->tail = NULL;
	f->n--;
	q->next = NULL;
	return q;
}

/* Take q (whose predecessor is prev, NULL for the head) out of f. */
static void
fifo_unlink(struct pg_fifo *f, struct pg_q *prev, struct pg_q *q)
{
	if (prev == NULL)
		f->head = q->next;
	else
		prev->next = q->next;
	if (f->tail == q)
		f->tail = prev;
	f->n--;
	q->next = NULL;
}

static void
q_free(struct pg_q *q)
{
	if (q == NULL)
		return;
	for (int i = 0; i < q->nparams; i++)
		free(q->params[i]);
	free(q->params);
	free(q->sql);
	free(q);
}

static struct pg_q *
q_new(
    enum pg_kind kind, const char *sql, int nparams, const char *const *params)
{
	struct pg_q *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->kind = kind;
	q->sql = strdup(sql);
	q->params =
	    nparams > 0 ? calloc((size_t)nparams, sizeof(char *)) : NULL;
	if (q->sql == NULL || (nparams > 0 && q->params == NULL))
		goto fail;
	for (; q->nparams < nparams; q->nparams++) {
		const char *v = params[q->nparams];

		if (v != NULL && (q->params[q->nparams] = strdup(v)) == NULL)
			goto fail;
	}
	return q;
fail:
	q_free(q);
	return NULL;
}

/* Forget q's place in the counts of what is queued. */
static void
pg_uncount(struct pg *p, const struct pg_q *q)
{
	if (q->kind == PG_WRITE)
		p->nwrites--;
	else
		p->nreads--;
}

/* Have q's fn called with err from the loop (q is in no queue). */
static void
pg_fail_later(struct pg *p, struct pg_q *q, const char *err)
{
	q->fail = err;
	fifo_push(&p->failing, q);
	(void)evloop_timer_start(p->loop, &p->later, 0);
}

/* Every read queued fails (the database is down); writes stay. */
static void
pg_fail_reads(struct pg *p)
{
	struct pg_q *prev = NULL, *q = p->q.head, *next;

	for (; q != NULL; q = next) {
		next = q->next;
		if (q->kind != PG_READ) {
			prev = q;
			continue;
		}
		fifo_unlink(&p->q, prev, q);
		pg_uncount(p, q);
		pg_fail_later(p, q, "database unavailable");
	}
}

/* Make room for one more write: the oldest not running is dropped. */
static void
pg_drop_oldest_write(struct pg *p)
{
	struct pg_q *prev = NULL, *q = p->q.head;

	for (; q != NULL; prev = q, q = q->next) {
		if (q->kind != PG_WRITE || (q == p->q.head && p->running))
			continue;
		fifo_unlink(&p->q, prev, q);
		pg_uncount(p, q);
		p->dropped++;
		pg_fail_later(p, q, "dropped");
		return;
	}
}

/* ---- entering and leaving from the loop ---- */

static void
pg_free_now(struct pg *p)
{
	struct pg_q *q;

	p->closing = true;
	evloop_io_stop(p->loop, &p->io);
	evloop_timer_stop(p->loop, &p->retry);
	evloop_timer_stop(p->loop, &p->deadline);
	evloop_timer_stop(p->loop, &p->later);
	if (p->res != NULL)
		PQclear(p->res);
	if (p->conn != NULL)
		PQfinish(p->conn);
	while ((q = fifo_pop(&p->failing)) != NULL) {
		q->fn(NULL, q->fail, q->ctx);
		q_free(q);
	}
	while ((q = fifo_pop(&p->q)) != NULL) {
		q->fn(NULL, "dropped", q->ctx);
		q_free(q);
	}
	for (size_t i = 0; i < p->nlisten; i++)
		free(p->listen[i]);
	free(p->listen);
	if (p->password != NULL)
		explicit_bzero(p->password, strlen(p->password));
	free(p->password);
	free(p->conninfo);
	free(p->app_name);
	free(p);
}

static void
pg_leave(struct pg *p)
{
	if (--p->busy == 0 && p->closing)
		pg_free_now(p);
}

/* ---- the connection ---- */

/* The server's notices (NOTICE, WARNING) go to the debug log, not to
 * libpq's default of standard error. */
static void
pg_notice(void *arg, const char *message)
{
	char line[PG_MSG_MAX];

	(void)arg;
	db_msg_line(message, line, sizeof(line));
	log_debug("database: %s", line);
}

/* Watch the connection's socket (it changes on each connect) for ev. */
static int
pg_watch(struct pg *p, unsigned ev)
{
	int fd = PQsocket(p->conn);
	bool was = p->io.active;

	if (fd < 0)
		return ARX_ERR_STATE;
	if (was && p->io.fd != fd) {
		evloop_io_stop(p->loop, &p->io);
		was = false;
	}
	if (!was)
		evio_init(&p->io, fd, ev, p->io.fn, p);
	p->io.events = ev;
	if (evloop_io_start(p->loop, &p->io) == 0)
		return 0;
	/* the same number, a new socket: its registration went with the
	 * old one */
	p->io.active = false;
	return evloop_io_start(p->loop, &p->io);
}

/* Send what libpq holds; watch for writing while some is left. */
static int
pg_flush(struct pg *p)
{
	int r = PQflush(p->conn);

	if (r < 0 || pg_watch(p, EV_READ | (r == 1 ? EV_WRITE : 0u)) != 0) {
		pg_down(p, pg_conn_msg(p));
		return ARX_ERR_SYS;
	}
	return 0;
}

static void
pg_report(struct pg *p, bool up, const char *why)
{
	if (p->on_state != NULL && !p->closing)
		p->on_state(up, why, p->ctx);
}

/* The connection is gone, or could not be made: raw says why. */
static void
pg_down(struct pg *p, const char *raw)
{
	char why[PG_MSG_MAX];
	bool was_up = p->state == PG_UP;

	db_msg_line(raw != NULL && raw[0] != '\0' ? raw : "connection lost",
	    why, sizeof(why));
	evloop_io_stop(p->loop, &p->io);
	evloop_timer_stop(p->loop, &p->deadline);
	if (p->res != NULL)
		PQclear(p->res);
	p->res = NULL;
	if (p->conn != NULL)
		PQfinish(p->conn);
	p->conn = NULL;
	p->state = PG_DOWN;
	p->running = false;
	pg_fail_reads(p);
	(void)evloop_timer_start(p->loop, &p->retry, p->backoff_ms);
	p->backoff_ms = p->backoff_ms * 2 > PG_BACKOFF_MAX_MS
	    ? PG_BACKOFF_MAX_MS
	    : p->backoff_ms * 2;
	if (was_up)
		p->lost++;
	if (p->down_reported)
		return;
	p->down_reported = true;
	if (was_up)
		log_warn("database connection lost: %s", why);
	else
		log_warn("cannot connect to the database: %s", why);
	pg_report(p, false, why);
}

static void
pg_up(struct pg *p)
{
	p->state = PG_UP;
	if (p->down_reported && p->connects > 1)
		log_notice("database connection is back");
	else
		log_info("connected to the database");
	p->down_reported = false;
	pg_report(p, true, NULL);
	if (!p->closing && p->state == PG_UP)
		pg_next(p);
}

/* One statement LISTENing on every channel, identifiers quoted. */
static char *
pg_listen_sql(struct pg *p)
{
	size_t len = 1, off = 0;
	char *sql, *id;

	for (size_t i = 0; i < p->nlisten; i++)
		len += 2 * strlen(p->listen[i]) + 16;
	if ((sql = malloc(len)) == NULL)
		return NULL;
	sql[0] = '\0';
	for (size_t i = 0; i < p->nlisten; i++) {
		id = PQescapeIdentifier(
		    p->conn, p->listen[i], strlen(p->listen[i]));
		if (id == NULL) {
			free(sql);
			return NULL;
		}
		off += (size_t)snprintf(sql + off, len - off, "LISTEN %s;", id);
		PQfreemem(id);
	}
	return sql;
}

static void
pg_connected(struct pg *p)
{
	char *sql;

	evloop_timer_stop(p->loop, &p->deadline);
	p->connects++;
	p->backoff_ms = PG_BACKOFF_MIN_MS;
	if (PQsetnonblocking(p->conn, 1) != 0) {
		pg_down(p, pg_conn_msg(p));
		return;
	}
	if (p->nlisten == 0) {
		pg_up(p);
		return;
	}
	p->state = PG_SETUP;
	if ((sql = pg_listen_sql(p)) == NULL) {
		pg_down(p, "out of memory");
		return;
	}
	if (PQsendQuery(p->conn, sql) != 1) {
		free(sql);
		pg_down(p, pg_conn_msg(p));
		return;
	}
	free(sql);
	p->running = true;
	(void)pg_flush(p);
}

static void
pg_poll_connect(struct pg *p)
{
	switch (PQconnectPoll(p->conn)) {
	case PGRES_POLLING_READING:
		if (pg_watch(p, EV_READ) != 0)
			pg_down(p, "cannot watch the connection");
		return;
	case PGRES_POLLING_WRITING:
		if (pg_watch(p, EV_WRITE) != 0)
			pg_down(p, "cannot watch the connection");
		return;
	case PGRES_POLLING_OK:
		pg_connected(p);
		return;
	default:
		pg_down(p, pg_conn_msg(p));
		return;
	}
}

static void
pg_connect(struct pg *p)
{
	const char *keys[4], *vals[4];
	int k = 0;

	keys[k] = "dbname", vals[k++] = p->conninfo;
	if (p->password != NULL)
		keys[k] = "password", vals[k++] = p->password;
	keys[k] = "application_name", vals[k++] = p->app_name;
	keys[k] = NULL, vals[k] = NULL;
	p->conn = PQconnectStartParams(keys, vals, 1);
	if (p->conn == NULL) {
		pg_down(p, "out of memory");
		return;
	}
	if (PQstatus(p->conn) == CONNECTION_BAD) {
		pg_down(p, pg_conn_msg(p));
		return;
	}
	(void)PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	p->state = PG_CONNECTING;
	p->errmark = 0;
	(void)evloop_timer_start(p->loop, &p->deadline, PG_CONNECT_TIMEOUT_MS);
	if (pg_watch(p, EV_WRITE) != 0)
		pg_down(p, "cannot watch the connection");
}

/* ---- statements ---- */

/* Whether the failed r means the connection, not the statement. */
static bool
pg_res_is_loss(const struct pg *p, const PGresult *r)
{
	const char *code, *sev;

	if (PQstatus(p->conn) == CONNECTION_BAD)
		return true;
	if (PQresultStatus(r) != PGRES_FATAL_ERROR)
		return false;
	code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (code == NULL)
		return true;
	if (strncmp(code, "08", 2) == 0 || strncmp(code, "57P", 3) == 0)
		return true;
	return sev != NULL &&
	    (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0);
}

static bool
pg_res_ok(const PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ||
	    st == PGRES_EMPTY_QUERY;
}

/* Give the head of the queue its result r (not NULL, not a loss). */
static void
pg_deliver(struct pg *p, PGresult *r)
{
	struct pg_q *q = fifo_pop(&p->q);
	struct pg_res res = {r};
	char err[PG_MSG_MAX + 16], line[PG_MSG_MAX];
	const char *code, *msg;

	pg_uncount(p, q);
	p->queries++;
	if (pg_res_ok(r)) {
		q->fn(&res, NULL, q->ctx);
	} else {
		p->errors++;
		code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
		db_msg_line(msg != NULL ? msg : PQresultErrorMessage(r), line,
		    sizeof(line));
		snprintf(err, sizeof(err), "%s: %s",
		    code != NULL ? code : "XX000", line);
		q->fn(NULL, err, q->ctx);
	}
	q_free(q);
}

/* The running statement ended (libpq returned its last result). */
static void
pg_finish(struct pg *p)
{
	PGresult *r = p->res;

	p->res = NULL;
	p->running = false;
	if (r != NULL && pg_res_is_loss(p, r)) {
		pg_down(p, PQresultErrorMessage(r));
		PQclear(r);
		return;
	}
	if (p->state == PG_SETUP) {
		if (r != NULL && !pg_res_ok(r))
			log_warn("database: LISTEN refused: %s",
			    PQresultErrorMessage(r));
		PQclear(r);
		pg_up(p);
		return;
	}
	if (r == NULL) {
		pg_down(p, "no result from the server");
		return;
	}
	pg_deliver(p, r);
	PQclear(r);
	if (p->conn != NULL)
		p->errmark = strlen(PQerrorMessage(p->conn));
}

/* Keep the result that tells: an error rather than what came before. */
static void
pg_keep(struct pg *p, PGresult *r)
{
	if (p->res != NULL && (pg_res_ok(r) || !pg_res_ok(p->res))) {
		PQclear(r);
		return;
	}
	if (p->res != NULL)
		PQclear(p->res);
	p->res = r;
}

/* Read what results are complete; start the next statement after each. */
static void
pg_collect(struct pg *p)
{
	PGresult *r;

	while (!p->closing && p->conn != NULL && p->running &&
	    !PQisBusy(p->conn)) {
		r = PQgetResult(p->conn);
		if (r != NULL) {
			pg_keep(p, r);
			continue;
		}
		pg_finish(p);
		if (!p->closing && p->state == PG_UP)
			pg_next(p);
	}
	if (!p->closing && p->conn != NULL &&
	    PQstatus(p->conn) == CONNECTION_BAD)
		pg_down(p, pg_conn_msg(p));
}

/* Send the head of the queue when nothing runs. */
static void
pg_next(struct pg *p)
{
	struct pg_q *q = p->q.head;

	if (p->state != PG_UP || p->running || q == NULL)
		return;
	if (PQsendQueryParams(p->conn, q->sql, q->nparams, NULL,
		(const char *const *)q->params, NULL, NULL, 0) != 1) {
		pg_down(p, pg_conn_msg(p));
		return;
	}
	p->running = true;
	p->errmark = strlen(PQerrorMessage(p->conn));
	(void)pg_flush(p);
}

static void
pg_drain_notifies(struct pg *p)
{
	PGnotify *n;

	while (!p->closing && (n = PQnotifies(p->conn)) != NULL) {
		p->notifications++;
		if (p->on_notify != NULL)
			p->on_notify(n->relname, n->extra, p->ctx);
		PQfreemem(n);
	}
}

/* ---- loop callbacks ---- */

static void
pg_on_io(struct evloop *loop, struct evio *io, unsigned events)
{
	struct pg *p = io->ctx;

	(void)loop;
	p->busy++;
	if (p->state == PG_CONNECTING) {
		pg_poll_connect(p);
		goto out;
	}
	if ((events & EV_WRITE) && pg_flush(p) != 0)
		goto out;
	if ((events & (EV_READ | EV_ERROR)) && PQconsumeInput(p->conn) != 1) {
		pg_down(p, pg_conn_msg(p));
		goto out;
	}
	pg_drain_notifies(p);
	pg_collect(p);
out:
	pg_leave(p);
}

static void
pg_on_retry(struct evloop *loop, struct evtimer *t)
{
	struct pg *p = t->ctx;

	(void)loop;
	p->busy++;
	pg_connect(p);
	pg_leave(p);
}

static void
pg_on_deadline(struct evloop *loop, struct evtimer *t)
{
	struct pg *p = t->ctx;

	(void)loop;
	p->busy++;
	if (p->state == PG_CONNECTING)
		pg_down(p, "no answer within 5 s");
	pg_leave(p);
}

static void
pg_on_later(struct evloop *loop, struct evtimer *t)
{
	struct pg *p = t->ctx;
	struct pg_q *q;

	(void)loop;
	p->busy++;
	while (!p->closing && (q = fifo_pop(&p->failing)) != NULL) {
		q->fn(NULL, q->fail, q->ctx);
		q_free(q);
	}
	if (!p->closing)
		pg_next(p);
	pg_leave(p);
}

/* ---- the interface ---- */

static int
pg_copy_listen(struct pg *p, const char *const *listen)
{
	size_t n = 0;

	while (listen != NULL && listen[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((p->listen = calloc(n, sizeof(char *))) == NULL)
		return ARX_ERR_NOMEM;
	for (; p->nlisten < n; p->nlisten++)
		if ((p->listen[p->nlisten] = strdup(listen[p->nlisten])) ==
		    NULL)
			return ARX_ERR_NOMEM;
	return 0;
}

int
pg_open(const struct pg_opts *o, struct pg **out)
{
	struct pg *p;

	*out = NULL;
	if (o->loop == NULL || o->conninfo == NULL)
		return ARX_ERR_INVAL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return ARX_ERR_NOMEM;
	p->loop = o->loop;
	p->max_writes = o->max_writes ? o->max_writes : PG_DEFAULT_MAX_WRITES;
	p->on_notify = o->on_notify, p->on_state = o->on_state;
	p->ctx = o->ctx;
	p->backoff_ms = PG_BACKOFF_MIN_MS;
	evio_init(&p->io, -1, 0, pg_on_io, p);
	evtimer_init(&p->retry, pg_on_retry, p);
	evtimer_init(&p->deadline, pg_on_deadline, p);
	evtimer_init(&p->later, pg_on_later, p);
	p->conninfo = strdup(o->conninfo);
	p->app_name = strdup(o->app_name != NULL ? o->app_name : "arx");
	p->password = o->password != NULL ? strdup(o->password) : NULL;
	if (p->conninfo == NULL || p->app_name == NULL ||
	    (o->password != NULL && p->password == NULL) ||
	    pg_copy_listen(p, o->listen) != 0 ||
	    evloop_timer_start(p->loop, &p->retry, 0) != 0) {
		pg_free_now(p);
		return ARX_ERR_NOMEM;
	}
	*out = p;
	return 0;
}

void
pg_close(struct pg *p)
{
	if (p == NULL)
		return;
	p->closing = true;
	if (p->busy == 0)
		pg_free_now(p);
}

bool
pg_is_up(const struct pg *p)
{
	return p->state == PG_UP;
}

int
pg_query(struct pg *p, enum pg_kind kind, const char *sql, int nparams,
    const char *const *params, pg_done_fn *fn, void *ctx)
{
	struct pg_q *q;

	if (p->closing || sql == NULL || fn == NULL || nparams < 0 ||
	    (nparams > 0 && params == NULL))
		return ARX_ERR_INVAL;
	if ((q = q_new(kind, sql, nparams, params)) == NULL)
		return ARX_ERR_NOMEM;
	q->fn = fn, q->ctx = ctx;
	if (kind == PG_READ && p->state != PG_UP) {
		pg_fail_later(p, q, "database unavailable");
		return 0;
	}
	if (kind == PG_READ && p->nreads >= PG_MAX_READS) {
		p->dropped++;
		pg_fail_later(p, q, "dropped");
		return 0;
	}
	if (kind == PG_WRITE && p->nwrites >= p->max_writes)
		pg_drop_oldest_write(p);
	if (kind == PG_WRITE)
		p->nwrites++;
	else
		p->nreads++;
	fifo_push(&p->q, q);
	if (p->state == PG_UP && !p->running)
		(void)evloop_timer_start(p->loop, &p->later, 0);
	return 0;
}

size_t
pg_res_rows(const struct pg_res *r)
{
	int n = r != NULL ? PQntuples(r->r) : 0;

	return n > 0 ? (size_t)n : 0;
}

const char *
pg_res_value(const struct pg_res *r, size_t row, unsigned col)
{
	if (r == NULL || row >= pg_res_rows(r) ||
	    col >= (unsigned)PQnfields(r->r) ||
	    PQgetisnull(r->r, (int)row, (int)col))
		return NULL;
	return PQgetvalue(r->r, (int)row, (int)col);
}

bool
pg_res_u64(const struct pg_res *r, size_t row, unsigned col, uint64_t *out)
{
	const char *v = pg_res_value(r, row, col);

	return v != NULL && str_to_uint(v, 0, UINT64_MAX, out) == 0;
}

bool
pg_res_i64(const struct pg_res *r, size_t row, unsigned col, int64_t *out)
{
	const char *v = pg_res_value(r, row, col);

	return v != NULL && str_to_int(v, INT64_MIN, INT64_MAX, out) == 0;
}

size_t
pg_queued(const struct pg *p)
{
	return p->q.n + p->failing.n;
}

void
pg_counters(const struct pg *p, struct counters *c)
{
	const struct {
		const char *name;
		uint64_t v;
	} rows[] = {
	    {"db_up", p->state == PG_UP},
	    {"db_connects", p->connects},
	    {"db_lost", p->lost},
	    {"db_queries", p->queries},
	    {"db_errors", p->errors},
	    {"db_queued", pg_queued(p)},
	    {"db_dropped", p->dropped},
	    {"db_notifications", p->notifications},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		(void)counters_add(c, rows[i].name, rows[i].v);
}
