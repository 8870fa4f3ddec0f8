/*
 * db_bench: how many block decisions a second arx's PostgreSQL client
 * (db/pg.h, one statement at a time on the event loop) gets written,
 * without the rest of arx. It migrates the database to arx's schema
 * (db/schema.h), waits for the connection, queues N writes of
 * `SELECT arx_block_add(...)` at once, each for a distinct key and
 * address (2001:db8:db::/48, never a real host), and times from the
 * queueing to the last completion. Prints statements a second. Run by
 * bench/cluster.py against the PostgreSQL it starts; the database's
 * password is the first line of a file only its owner can read
 * (core/secretfile.h). Owns its loop, its connection and nothing else.
 *
 * Usage: db_bench CONNINFO PASSWORD_FILE [N]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/evloop.h"
#include "core/secretfile.h"
#include "core/strparse.h"
#include "db/pg.h"
#include "db/schema.h"

#define DEFAULT_N   10000u
#define DEADLINE_MS 600000u /* the whole run, at most */

static const char SQL_BLOCK_ADD[] =
    "SELECT arx_block_add($1, $2, $3, $4, $5::smallint, $6, $7::bigint, "
    "$8::bigint, $9::integer, $10::integer, $11)";

struct bench {
	struct evloop *loop;
	struct pg *pg;
	struct evtimer deadline;
	unsigned long n, done, failed;
	uint64_t t0_ms, t1_ms;
	int64_t run; /* the run's wall clock, for keys unique per run */
	bool queued;
};

static uint64_t
mono_ms(void)
{
	return clock_mono_ms(clock_real());
}

static void
on_written(const struct pg_res *r, const char *err, void *ctx)
{
	struct bench *b = ctx;

	if (r == NULL) {
		if (b->failed++ == 0)
			fprintf(stderr, "db_bench: a write failed: %s\n", err);
	}
	if (++b->done == b->n) {
		b->t1_ms = mono_ms();
		evloop_stop(b->loop);
	}
}

/* Write i, queued; 0 or the negative ARX_ERR_* of pg_query. */
static int
bench_queue_one(struct bench *b, unsigned long i)
{
	char key[64], addr[64], made[24], deadline[24];
	int64_t now = clock_wall_ms(clock_real());
	const char *p[11] = {key, "db-bench", "drop", addr, "3", "", made,
	    deadline, "1", "5710", ""};

	snprintf(key, sizeof(key), "db-bench:%" PRId64 ":%lu", b->run, i);
	snprintf(
	    addr, sizeof(addr), "2001:db8:db:%lx::%lx", i >> 16, i & 0xffff);
	snprintf(made, sizeof(made), "%" PRId64, now);
	snprintf(deadline, sizeof(deadline), "%" PRId64, now + 600000);
	return pg_query(b->pg, PG_WRITE, SQL_BLOCK_ADD, 11, p, on_written, b);
}

/* Every write queued at once, when the connection is first up: the
 * FIFO then runs them back to back, which is the client's best case. */
static void
on_state(bool up, const char *why, void *ctx)
{
	struct bench *b = ctx;
	unsigned long i;

	if (!up) {
		fprintf(stderr, "db_bench: database down: %s\n", why);
		return;
	}
	if (b->queued)
		return;
	b->queued = true;
	b->t0_ms = mono_ms();
	for (i = 0; i < b->n; i++) {
		if (bench_queue_one(b, i) != 0) {
			fprintf(
			    stderr, "db_bench: queueing failed at %lu\n", i);
			evloop_stop(b->loop);
			return;
		}
	}
}

static void
on_deadline(struct evloop *loop, struct evtimer *t)
{
	(void)t;
	fprintf(stderr, "db_bench: not done within %u s\n", DEADLINE_MS / 1000);
	evloop_stop(loop);
}

/* Run the writes on conninfo; 0 when every one completed. */
static int
bench_run(struct bench *b, const char *conninfo, const char *password)
{
	struct pg_opts o = {.conninfo = conninfo,
	    .password = password,
	    .app_name = "arx-db-bench",
	    .max_writes = b->n,
	    .on_state = on_state,
	    .ctx = b};
	int rc = ARX_ERR_NOMEM;

	b->loop = evloop_new(clock_real());
	if (b->loop == NULL)
		return rc;
	o.loop = b->loop;
	evtimer_init(&b->deadline, on_deadline, b);
	rc = pg_open(&o, &b->pg);
	if (rc == 0)
		rc = evloop_timer_start(b->loop, &b->deadline, DEADLINE_MS);
	if (rc == 0)
		rc = evloop_run(b->loop);
	if (rc == 0 && b->done != b->n)
		rc = ARX_ERR_STATE;
	evloop_timer_stop(b->loop, &b->deadline);
	pg_close(b->pg);
	evloop_free(b->loop);
	return rc;
}

int
main(int argc, char **argv)
{
	struct bench b = {.n = DEFAULT_N};
	char password[256], why[320];
	uint64_t n = DEFAULT_N;
	double secs;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: db_bench CONNINFO PASSWORD_FILE [N]\n");
		return 2;
	}
	if (argc == 4 && str_to_uint(argv[3], 1, 10000000, &n) != 0) {
		fprintf(stderr, "db_bench: N is 1 to 10,000,000\n");
		return 2;
	}
	b.n = (unsigned long)n;
	if (secretfile_read(
		argv[2], "database password", password, sizeof(password)) != 0)
		return 2;
	if (db_migrate(argv[1], password, "db-bench", why, sizeof(why)) != 0) {
		fprintf(stderr, "db_bench: %s\n", why);
		return 1;
	}
	b.run = clock_wall_ms(clock_real());
	if (bench_run(&b, argv[1], password) != 0) {
		fprintf(
		    stderr, "db_bench: %lu of %lu writes done\n", b.done, b.n);
		return 1;
	}
	secs = (double)(b.t1_ms - b.t0_ms) / 1000.0;
	printf("db_bench: %lu arx_block_add writes through db/pg.h in %.2f s "
	       "= %.0f statements/s (%lu failed)\n",
	    b.n, secs, secs > 0 ? (double)b.n / secs : 0.0, b.failed);
	return b.failed == 0 ? 0 : 1;
}
