/*
 * Unit tests for core/server on a real listener (127.0.0.1, any port)
 * with the event loop and real client sockets: an echo protocol (a line
 * in, the same line out; a connection that sent a whole line is
 * settled) accepts up to the cap and refuses the next one, or evicts
 * the oldest connection not settled; the per-source limit is counted
 * and a count given back early lets another in; a deadline closes a
 * silent connection; the input buffer stays within its bound; a
 * descriptor the protocol took is left to it; stop closes everything.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/net.h"
#include "core/server.h"

struct echo {
	unsigned accepted, closed, evicted, toobig;
	unsigned refused[2];  /* by enum server_refusal */
	uint64_t deadline_ms; /* armed at accept when > 0 */
	bool take_fd;         /* the protocol keeps the descriptor */
	int taken[8];
	unsigned ntaken;
	size_t max_in_seen;
};

struct echo_conn {
	struct server_conn sc;
	bool said;
};

static struct echo *
echo_of(struct server_conn *c)
{
	return server_ctx(c->srv);
}

static int
echo_accepted(struct server_conn *c)
{
	struct echo *e = echo_of(c);

	e->accepted++;
	if (e->take_fd)
		e->taken[e->ntaken++] = server_conn_take_fd(c);
	if (e->deadline_ms > 0)
		return server_conn_deadline(c, e->deadline_ms);
	return 0;
}

/* A whole line echoed; "auth" gives the per-source count back. */
static void
echo_line(struct server_conn *c, size_t len)
{
	if (len == 4 && memcmp(c->in.data, "auth", 4) == 0)
		server_conn_put_source(c);
	server_conn_settle(c);
	server_conn_deadline_stop(c);
	((struct echo_conn *)c)->said = true;
	(void)buf_append(&c->out, c->in.data, len + 1);
	buf_reset(&c->in);
	if (server_conn_flush(c) == ARX_ERR_SYS)
		server_conn_close(c);
}

static void
echo_io(struct server_conn *c, unsigned events)
{
	struct echo *e = echo_of(c);
	const char *nl;
	long n;

	(void)events;
	n = server_conn_read(c);
	if (c->in.len > e->max_in_seen)
		e->max_in_seen = c->in.len;
	if (n == ARX_ERR_AGAIN)
		return;
	if (n == ARX_ERR_TOOBIG)
		e->toobig++;
	if (n <= 0) {
		server_conn_close(c);
		return;
	}
	if ((nl = memchr(c->in.data, '\n', c->in.len)) != NULL)
		echo_line(c, (size_t)(nl - c->in.data));
}

static void
echo_refused(
    struct server *s, int fd, const char *peer, enum server_refusal why)
{
	struct echo *e = server_ctx(s);

	(void)fd;
	assert_string_equal(peer, "127.0.0.1");
	e->refused[why]++;
}

static void
echo_evicted(struct server_conn *c)
{
	assert_false(((struct echo_conn *)c)->said);
	echo_of(c)->evicted++;
}

static void
echo_closed(struct server_conn *c)
{
	echo_of(c)->closed++;
}

static const struct server_ops echo_ops = {
    .conn_size = sizeof(struct echo_conn),
    .refused = echo_refused,
    .accepted = echo_accepted,
    .io = echo_io,
    .evicted = echo_evicted,
    .closed = echo_closed,
};

static struct server *
start(struct evloop *loop, struct echo *e, unsigned max, unsigned per_source,
    bool evict, unsigned *port)
{
	struct server_opts o = {.loop = loop,
	    .max_conns = max,
	    .per_source = per_source,
	    .evict = evict,
	    .in_max = 8,
	    .out_max = 64,
	    .ops = &echo_ops,
	    .ctx = e};
	struct server *s;

	assert_int_equal(net_listen_tcp("127.0.0.1", 0, &o.fd, port), 0);
	assert_int_equal(server_start(&o, &s), 0);
	return s;
}

static int
dial(unsigned port)
{
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void
spin(struct evloop *loop)
{
	for (int i = 0; i < 10; i++)
		(void)evloop_run_once(loop, 20);
}

/* Whether the server closed fd (without waiting): the end of the
 * stream, or a reset when it closed with bytes unread. */
static bool
closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

	return n == 0 || (n == -1 && errno == ECONNRESET);
}

static void
say(struct evloop *loop, int fd, const char *line)
{
	char back[16] = "";

	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	spin(loop);
	assert_int_equal(recv(fd, back, sizeof(back) - 1, MSG_DONTWAIT),
	    (ssize_t)strlen(line));
	assert_string_equal(back, line);
}

static void
test_cap_refuses(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct echo e = {0};
	struct server_stats st;
	unsigned port;
	struct server *s = start(loop, &e, 2, 0, false, &port);
	int fd[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		fd[i] = dial(port);
	spin(loop);
	server_stats(s, &st);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.full, 1);
	assert_int_equal(e.refused[SERVER_REFUSED_FULL], 1);
	assert_int_equal(server_nconns(s), 2);
	assert_true(closed(fd[2]));
	say(loop, fd[0], "hi\n");
	say(loop, fd[1], "ho\n");
	close(fd[0]); /* its slot is free again */
	spin(loop);
	fd[0] = dial(port);
	spin(loop);
	server_stats(s, &st);
	assert_int_equal(st.accepted, 3);
	assert_false(closed(fd[0]));
	for (int i = 0; i < 3; i++)
		close(fd[i]);
	server_stop(s);
	evloop_free(loop);
}

/* Full: the oldest connection that said nothing goes, not the older
 * one that did; when all have spoken the newcomer is refused. */
static void
test_evict_oldest_unsettled(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct echo e = {0};
	struct server_stats st;
	unsigned port;
	struct server *s = start(loop, &e, 3, 8, true, &port);
	int fd[5];

	(void)state;
	fd[0] = dial(port);
	spin(loop);
	say(loop, fd[0], "a\n");
	for (int i = 1; i < 4; i++) {
		fd[i] = dial(port);
		spin(loop);
	}
	server_stats(s, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(e.evicted, 1);
	assert_false(closed(fd[0]));
	assert_true(closed(fd[1]));
	assert_false(closed(fd[2]));
	assert_false(closed(fd[3]));
	say(loop, fd[2], "b\n");
	say(loop, fd[3], "c\n");
	fd[4] = dial(port);
	spin(loop);
	server_stats(s, &st);
	assert_int_equal(st.accepted, 4);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.full, 1);
	assert_true(closed(fd[4]));
	assert_int_equal(server_nconns(s), 3);
	for (int i = 0; i < 5; i++)
		close(fd[i]);
	server_stop(s);
	evloop_free(loop);
}

/* Two from one source at most; a connection gone or one that gave its
 * count back (as an agent that proved itself) lets another in. */
static void
test_per_source(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct echo e = {0};
	struct server_stats st;
	unsigned port;
	struct server *s = start(loop, &e, 8, 2, true, &port);
	int fd[6];

	(void)state;
	for (int i = 0; i < 3; i++)
		fd[i] = dial(port);
	spin(loop);
	server_stats(s, &st);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(st.per_source, 1);
	assert_int_equal(e.refused[SERVER_REFUSED_SOURCE], 1);
	assert_true(closed(fd[2]));
	close(fd[0]);
	spin(loop);
	fd[3] = dial(port);
	spin(loop);
	assert_false(closed(fd[3]));
	say(loop, fd[1], "auth\n");
	fd[4] = dial(port);
	fd[5] = dial(port);
	spin(loop);
	server_stats(s, &st);
	assert_int_equal(st.accepted, 4);
	assert_int_equal(st.per_source, 2);
	assert_false(closed(fd[4]));
	assert_true(closed(fd[5]));
	for (int i = 1; i < 6; i++)
		close(fd[i]);
	server_stop(s);
	evloop_free(loop);
}

/* The deadline closes a silent connection; one that spoke (deadline
 * stopped) stays. */
static void
test_deadline(void **state)
{
	struct fake_clock fc;
	struct evloop *loop;
	struct echo e = {.deadline_ms = 5000};
	struct server_stats st;
	unsigned port;
	struct server *s;
	int quiet, talker;

	(void)state;
	fake_clock_init(&fc, 1795349005000);
	loop = evloop_new(&fc.base);
	s = start(loop, &e, 4, 4, true, &port);
	quiet = dial(port);
	talker = dial(port);
	spin(loop);
	say(loop, talker, "x\n");
	fake_clock_advance(&fc, 4000);
	spin(loop);
	assert_false(closed(quiet));
	fake_clock_advance(&fc, 1500);
	spin(loop);
	server_stats(s, &st);
	assert_int_equal(st.timeouts, 1);
	assert_true(closed(quiet));
	assert_false(closed(talker));
	assert_int_equal(server_nconns(s), 1);
	close(quiet);
	close(talker);
	server_stop(s);
	evloop_free(loop);
}

/* A line longer than in_max never grows the buffer past it. */
static void
test_in_bounded(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct echo e = {0};
	unsigned port;
	struct server *s = start(loop, &e, 4, 4, true, &port);
	int fd = dial(port);

	(void)state;
	assert_int_equal(write(fd, "0123456789abcdef", 16), 16);
	spin(loop);
	assert_int_equal(e.max_in_seen, 8);
	assert_int_equal(e.toobig, 1);
	assert_true(closed(fd));
	assert_int_equal(server_nconns(s), 0);
	close(fd);
	server_stop(s);
	evloop_free(loop);
}

/* Stop closes every connection (closed called for each) and the
 * listening socket; a descriptor the protocol took stays open. */
static void
test_stop(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct echo e = {0}, t = {.take_fd = true};
	unsigned port, tport;
	struct server *s = start(loop, &e, 4, 4, true, &port);
	struct server *ts = start(loop, &t, 4, 4, true, &tport);
	struct sockaddr_in sa = {
	    .sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd[3], tfd, probe;

	(void)state;
	for (int i = 0; i < 3; i++)
		fd[i] = dial(port);
	tfd = dial(tport);
	spin(loop);
	assert_int_equal(server_nconns(s), 3);
	assert_int_equal(t.ntaken, 1);
	server_stop(s);
	server_stop(ts);
	assert_int_equal(e.closed, 3);
	assert_int_equal(t.closed, 1);
	for (int i = 0; i < 3; i++) {
		assert_true(closed(fd[i]));
		close(fd[i]);
	}
	assert_false(closed(tfd));
	assert_int_not_equal(fcntl(t.taken[0], F_GETFD), -1);
	close(t.taken[0]);
	assert_true(closed(tfd));
	close(tfd);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	probe = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(
	    connect(probe, (struct sockaddr *)&sa, sizeof(sa)), -1);
	assert_int_equal(errno, ECONNREFUSED);
	close(probe);
	evloop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cap_refuses),
	    cmocka_unit_test(test_evict_oldest_unsettled),
	    cmocka_unit_test(test_per_source),
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_in_bounded),
	    cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
