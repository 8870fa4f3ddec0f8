/*
 * A test driver of the db library against a real PostgreSQL (integ.db
 * starts the server). The connection string and password come from the
 * environment (ARX_DB_CONNINFO, ARX_DB_PASSWORD, the latter optional).
 *
 *   db_client migrate MANAGER   db_migrate(): "ok", or "error: WHY" and 1
 *   db_client status            db_status_read() as key=value words
 *   db_client async [MAXW]      pg.h on a real event loop, driven by
 *                               lines on standard input
 *
 * The async commands, fields separated by tabs:
 *   q r|w ID SQL [PARAM...]  queue a read or a write (PARAM \N is NULL)
 *   counters                 print the counter rows
 *   close                    pg_close() and exit
 * and what it prints, one line each, flushed:
 *   state up | state down WHY | notify CHANNEL PAYLOAD
 *   done ID ROWS FIRST-VALUE | fail ID ERROR | counters NAME=V ...
 * It LISTENs on channel arx_test.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/counters.h"
#include "core/evloop.h"
#include "core/strparse.h"
#include "db/pg.h"
#include "db/schema.h"

#define MAXF 16

struct client {
	struct evloop *loop;
	struct pg *pg;
	struct evio in;
	char buf[65536];
	size_t len;
	char ids[4096][32]; /* ids of queries, by a rolling slot */
	size_t nid;
};

static void
on_done(const struct pg_res *r, const char *err, void *ctx)
{
	const char *id = ctx, *v;

	if (r == NULL) {
		printf("fail %s %s\n", id, err);
	} else {
		v = pg_res_value(r, 0, 0);
		printf("done %s %zu %s\n", id, pg_res_rows(r), v ? v : "\\N");
	}
	fflush(stdout);
}

static void
on_notify(const char *channel, const char *payload, void *ctx)
{
	(void)ctx;
	printf("notify %s %s\n", channel, payload);
	fflush(stdout);
}

static void
on_state(bool up, const char *why, void *ctx)
{
	(void)ctx;
	printf("state %s%s%s\n", up ? "up" : "down", why ? " " : "",
	    why ? why : "");
	fflush(stdout);
}

static void
print_counters(const struct client *cl)
{
	static struct counters c;

	counters_clear(&c);
	pg_counters(cl->pg, &c);
	printf("counters");
	for (size_t i = 0; i < c.n; i++)
		printf(" %s=%llu", c.row[i].name,
		    (unsigned long long)c.row[i].value);
	printf("\n");
	fflush(stdout);
}

/* Split line at tabs into f (at most MAXF fields); how many. */
static int
split(char *line, char **f)
{
	int n = 0;
	char *t;

	while (n < MAXF) {
		f[n++] = line;
		if ((t = strchr(line, '\t')) == NULL)
			break;
		*t = '\0';
		line = t + 1;
	}
	return n;
}

static void
command(struct client *cl, char *line)
{
	char *f[MAXF];
	const char *params[MAXF];
	char *id;
	int n = split(line, f), np;

	if (strcmp(f[0], "counters") == 0) {
		print_counters(cl);
		return;
	}
	if (strcmp(f[0], "close") == 0) {
		pg_close(cl->pg);
		cl->pg = NULL;
		printf("closed\n");
		fflush(stdout);
		evloop_stop(cl->loop);
		return;
	}
	if (strcmp(f[0], "q") != 0 || n < 4)
		return;
	np = n - 4;
	for (int i = 0; i < np; i++)
		params[i] = strcmp(f[4 + i], "\\N") == 0 ? NULL : f[4 + i];
	id = cl->ids[cl->nid++ % 4096];
	str_lcpy(id, f[2], 32);
	if (pg_query(cl->pg, f[1][0] == 'w' ? PG_WRITE : PG_READ, f[3], np,
		params, on_done, id) != 0) {
		printf("refused %s\n", id);
		fflush(stdout);
	}
}

static void
on_input(struct evloop *loop, struct evio *io, unsigned events)
{
	struct client *cl = io->ctx;
	ssize_t r;
	char *nl;

	(void)events;
	r = read(io->fd, cl->buf + cl->len, sizeof(cl->buf) - 1 - cl->len);
	if (r <= 0 && errno != EINTR) {
		evloop_io_stop(loop, io);
		return;
	}
	cl->len += r > 0 ? (size_t)r : 0;
	cl->buf[cl->len] = '\0';
	while (cl->pg != NULL && (nl = strchr(cl->buf, '\n')) != NULL) {
		*nl = '\0';
		command(cl, cl->buf);
		cl->len -= (size_t)(nl + 1 - cl->buf);
		memmove(cl->buf, nl + 1, cl->len + 1);
	}
}

static int
run_async(const char *conninfo, const char *password, size_t max_writes)
{
	static struct client cl;
	static const char *const listen[] = {"arx_test", NULL};
	struct pg_opts o = {0};

	if ((cl.loop = evloop_new(clock_real())) == NULL)
		return 1;
	o.loop = cl.loop, o.conninfo = conninfo, o.password = password;
	o.app_name = "arx-test", o.listen = listen, o.max_writes = max_writes;
	o.on_notify = on_notify, o.on_state = on_state, o.ctx = &cl;
	if (pg_open(&o, &cl.pg) != 0)
		return 1;
	evio_init(&cl.in, STDIN_FILENO, EV_READ, on_input, &cl);
	if (evloop_io_start(cl.loop, &cl.in) != 0)
		return 1;
	(void)evloop_run(cl.loop);
	if (cl.pg != NULL)
		pg_close(cl.pg);
	evloop_free(cl.loop);
	return 0;
}

static int
run_status(const char *conninfo, const char *password)
{
	static struct db_status st;
	char why[512];

	if (db_status_read(conninfo, password, &st, why, sizeof(why)) != 0) {
		printf("error: %s\n", why);
		return 1;
	}
	printf("version=%d known=%d agents=%zu removed=%zu tokens=%zu "
	       "active=%zu blocks=%zu offences=%zu managers=",
	    st.version, st.known, st.agents, st.agents_removed, st.tokens,
	    st.blocks_active, st.blocks, st.offences);
	for (size_t i = 0; i < st.nmanagers; i++)
		printf("%s%s", i ? "," : "", st.managers[i].name);
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conninfo = getenv("ARX_DB_CONNINFO");
	const char *password = getenv("ARX_DB_PASSWORD");
	char why[512];
	uint64_t maxw = 0;

	if (argc < 2 || conninfo == NULL)
		return 2;
	if (strcmp(argv[1], "migrate") == 0 && argc == 3) {
		if (db_migrate(conninfo, password, argv[2], why, sizeof(why))) {
			printf("error: %s\n", why);
			return 1;
		}
		printf("ok\n");
		return 0;
	}
	if (strcmp(argv[1], "status") == 0)
		return run_status(conninfo, password);
	if (strcmp(argv[1], "async") == 0) {
		if (argc > 2 && str_to_uint(argv[2], 1, 1000000, &maxw) != 0)
			return 2;
		return run_async(conninfo, password, (size_t)maxw);
	}
	return 2;
}
