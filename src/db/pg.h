/*
 * A PostgreSQL client on the event loop (libpq, non-blocking): one
 * connection, made and remade in the background, a FIFO of
 * parameterised statements run one at a time, LISTEN channels and their
 * notifications, and the connection's life reported to the caller.
 *
 * Writes (PG_WRITE) outlive the database's absence: they are kept,
 * bounded by max_writes (the oldest dropped and counted beyond), and run
 * in order once it is back; one the connection lost while it ran is run
 * again, so a write must be idempotent. Reads (PG_READ) fail at once
 * while the database is down. Reads waiting are bounded too (PG_MAX_READS).
 *
 * Every callback is called from the loop, never from inside pg_query().
 * A result is valid only during its callback. pg_close() may be called
 * from a callback. Owns the connection, the copies of the options and
 * every queued statement.
 */
#ifndef ARX_DB_PG_H
#define ARX_DB_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evloop;
struct counters;

#define PG_MAX_READS          4096u   /* reads queued; beyond: dropped */
#define PG_DEFAULT_MAX_WRITES 100000u /* max_writes 0 means this */
#define PG_CONNECT_TIMEOUT_MS 5000u
#define PG_BACKOFF_MIN_MS     500u
#define PG_BACKOFF_MAX_MS     5000u

struct pg;
struct pg_res; /* one statement's result: rows of text values */
enum pg_kind {
	PG_READ = 0,
	PG_WRITE = 1
};
/* Called exactly once per pg_query that returned 0: r is the result
 * (rows may be 0), or NULL with err saying why (a SQL error:
 * "<sqlstate>: <message>"; "database unavailable" for a read while
 * down; "dropped" at pg_close or when a bound was reached). */
typedef void pg_done_fn(const struct pg_res *r, const char *err, void *ctx);
typedef void pg_notify_fn(const char *channel, const char *payload, void *ctx);
/* up: the connection is ready (after (re)connecting and LISTENing); !up:
 * it was lost, why says why (once per loss; the first failure to connect
 * is also reported) */
typedef void pg_state_fn(bool up, const char *why, void *ctx);
struct pg_opts {
	struct evloop *loop;
	const char *conninfo;      /* libpq connection string or URI */
	const char *password;      /* NULL: none beyond conninfo (passed as the
				 "password" keyword, never logged) */
	const char *app_name;      /* application_name */
	const char *const *listen; /* NULL-terminated channel names
				      LISTENed on every connect; may be NULL */
	size_t max_writes;         /* PG_WRITEs held while down; beyond that the
			      oldest is dropped and counted (0: default) */
	pg_notify_fn *on_notify;   /* may be NULL */
	pg_state_fn *on_state;     /* may be NULL */
	void *ctx;
};

/* Copies what it needs; connects asynchronously (PQconnectStart and
 * PQconnectPoll on the loop, a deadline of PG_CONNECT_TIMEOUT_MS), and
 * reconnects after a loss with a backoff of 0.5 s doubling to 5 s.
 * 0, ARX_ERR_NOMEM, or ARX_ERR_INVAL (no loop or conninfo). */
int pg_open(const struct pg_opts *o, struct pg **out);
/* Every queued query's fn called with err "dropped"; then freed. */
void pg_close(struct pg *p);
bool pg_is_up(const struct pg *p);
/*
 * Queue one parameterised statement ($1..$n, text parameters; a NULL
 * param is SQL NULL); sql and params are copied. Statements run one at a
 * time in the order queued. PG_WRITE: kept while the database is down and
 * run in order when it is back; if the connection is lost while it runs,
 * it is run again after the reconnect. PG_READ: while down, fails at once
 * (fn called from the loop) with "database unavailable". A SQL error is
 * not retried: fn gets err, counted in db_errors. 0, or ARX_ERR_NOMEM /
 * ARX_ERR_INVAL (then fn is never called).
 */
int pg_query(struct pg *p, enum pg_kind kind, const char *sql, int nparams,
    const char *const *params, pg_done_fn *fn, void *ctx);
size_t pg_res_rows(const struct pg_res *r);
/* NULL for SQL NULL or out of range */
const char *pg_res_value(const struct pg_res *r, size_t row, unsigned col);
/* false when NULL or not a number */
bool pg_res_u64(
    const struct pg_res *r, size_t row, unsigned col, uint64_t *out);
bool pg_res_i64(const struct pg_res *r, size_t row, unsigned col, int64_t *out);
/* Statements queued (running included) and failures not yet delivered. */
size_t pg_queued(const struct pg *p);
/* rows: db_up (0/1), db_connects, db_lost, db_queries, db_errors,
 * db_queued (now), db_dropped, db_notifications */
void pg_counters(const struct pg *p, struct counters *c);

#endif
