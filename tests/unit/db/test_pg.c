/*
 * Unit tests for db/pg without a server (integ.db runs it against a real
 * one): libpq's messages made one line, and a client whose database
 * cannot be reached (a Unix socket directory that does not exist):
 * the failure reported once and logged once, a read failing from the
 * loop and not inside pg_query, writes kept up to max_writes with the
 * oldest dropped and counted, pg_close dropping what waits.
 */
#include <stdlib.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/counters.h"
#include "core/evloop.h"
#include "db/db_int.h"
#include "db/pg.h"

struct seen {
	char text[2048];
	size_t len;
	unsigned downs, ups;
};

static void
seen_add(struct seen *s, const char *a, const char *b)
{
	int n = snprintf(
	    s->text + s->len, sizeof(s->text) - s->len, "%s:%s;", a, b);

	if (n > 0 && (size_t)n < sizeof(s->text) - s->len)
		s->len += (size_t)n;
}

static struct seen *done_seen;

static void
on_done(const struct pg_res *r, const char *err, void *ctx)
{
	assert_null(r);
	seen_add(done_seen, (const char *)ctx, err);
}

static void
on_state(bool up, const char *why, void *ctx)
{
	struct seen *s = ctx;

	if (up)
		s->ups++;
	else
		s->downs++;
	assert_true(up || (why != NULL && why[0] != '\0'));
}

static void
test_msg_line(void **state)
{
	char out[128];

	(void)state;
	db_msg_line("connection to server on socket \"/x/.s.PGSQL.5\" failed: "
		    "FATAL:  password authentication failed for user \"arx\"\n",
	    out, sizeof(out));
	assert_string_equal(
	    out, "FATAL: password authentication failed for user \"arx\"");
	db_msg_line("  server closed the connection unexpectedly\n\tThis "
		    "probably\n",
	    out, sizeof(out));
	assert_string_equal(
	    out, "server closed the connection unexpectedly This probably");
	db_msg_line("abcdefgh", out, 4);
	assert_string_equal(out, "abc");
}

static uint64_t
counter(const struct pg *p, const char *name)
{
	static struct counters c;
	const struct counter *row;

	counters_clear(&c);
	pg_counters(p, &c);
	row = counters_find(&c, name);
	assert_non_null(row);
	return row->value;
}

static void
test_unreachable(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct seen s = {0};
	struct log_capture cap;
	struct pg_opts o = {.loop = loop,
	    .conninfo = "host=/nonexistent/arx-test port=5 dbname=x",
	    .password = "secret-pw",
	    .max_writes = 2,
	    .on_state = on_state,
	    .ctx = &s};
	struct pg *p;
	bool down = false, reads = false;

	(void)state;
	done_seen = &s;
	capture_start(&cap);
	assert_int_equal(pg_open(&o, &p), 0);
	while (!down) {
		(void)evloop_run_once(loop, 50);
		down = s.downs > 0;
	}
	assert_false(pg_is_up(p));
	assert_int_equal(
	    pg_query(p, PG_READ, "SELECT 1", 0, NULL, on_done, "r1"), 0);
	assert_int_equal(s.len, 0); /* not from inside pg_query */
	assert_int_equal(
	    pg_query(p, PG_WRITE, "INSERT", 0, NULL, on_done, "w1"), 0);
	assert_int_equal(
	    pg_query(p, PG_WRITE, "INSERT", 0, NULL, on_done, "w2"), 0);
	assert_int_equal(
	    pg_query(p, PG_WRITE, "INSERT", 0, NULL, on_done, "w3"), 0);
	while (!reads) {
		(void)evloop_run_once(loop, 50);
		reads = strstr(s.text, "w1:dropped;") != NULL;
	}
	assert_string_equal(s.text, "r1:database unavailable;w1:dropped;");
	assert_int_equal(counter(p, "db_dropped"), 1);
	assert_int_equal(counter(p, "db_queued"), 2);
	assert_int_equal(counter(p, "db_up"), 0);
	assert_int_equal(counter(p, "db_connects"), 0);
	/* a few more attempts: still one report, one warning */
	for (int i = 0; i < 30; i++)
		(void)evloop_run_once(loop, 50);
	assert_int_equal(s.downs, 1);
	assert_int_equal(cap.nwarnings, 1);
	assert_non_null(strstr(cap.text, "cannot connect to the database: "));
	assert_null(strstr(cap.text, "secret-pw"));
	pg_close(p);
	assert_string_equal(s.text,
	    "r1:database unavailable;w1:dropped;"
	    "w2:dropped;w3:dropped;");
	capture_stop();
	evloop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_msg_line),
	    cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
