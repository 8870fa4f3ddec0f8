/*
 * Syslog over TCP on loopback: octet-counted frames (a newline inside a
 * frame stays in its one message), newline framing, a frame split over
 * writes, a bad frame closing its connection, senders filtered, the
 * connections of one address bounded, a message begun and not finished
 * in 5 s closing its connection, and a full listener making room.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/err.h"
#include "logsrc/tcp.h"

static char got[4096];

static void
on_msg(const char *msg, size_t len, const char *from, void *ctx)
{
	(void)ctx;
	strncat(got, msg, len);
	strcat(got, "@");
	strcat(got, from);
	strcat(got, "|");
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
	int i;

	for (i = 0; i < 10; i++)
		(void)evloop_run_once(loop, 20);
}

static void
test_framing(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct logsrc_tcp *t;
	struct logsrc_tcp_stats st;
	int a, b, c;

	(void)state;
	got[0] = '\0';
	assert_int_equal(
	    logsrc_tcp_open(loop, "127.0.0.1", 0, NULL, on_msg, NULL, &t), 0);
	a = dial(logsrc_tcp_port(t));
	spin(loop);
	assert_int_equal(write(a, "5 one\nx9 two", 12), 12);
	spin(loop);
	assert_int_equal(write(a, " lines", 6), 6);
	spin(loop);
	assert_string_equal(got, "one\nx@127.0.0.1|two lines@127.0.0.1|");
	got[0] = '\0';
	b = dial(logsrc_tcp_port(t));
	assert_int_equal(write(b, "<38>first\r\nsecond\nthi", 21), 21);
	close(b);
	spin(loop);
	assert_string_equal(
	    got, "<38>first@127.0.0.1|second@127.0.0.1|thi@127.0.0.1|");
	c = dial(logsrc_tcp_port(t));
	assert_int_equal(write(c, "9x", 2), 2);
	spin(loop);
	logsrc_tcp_stats(t, &st);
	assert_int_equal(st.framing_errors, 1);
	assert_int_equal(st.accepted, 3);
	close(a);
	close(c);
	logsrc_tcp_close(t);
	evloop_free(loop);
}

static void
test_filter(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct arx_cidr other;
	struct logsrc_dgram_filter f = {&other, NULL, 1, 0};
	struct logsrc_tcp *t;
	struct logsrc_tcp_stats st;
	int a;

	(void)state;
	assert_int_equal(cidr_parse("192.0.2.0/24", &other), 0);
	assert_int_equal(
	    logsrc_tcp_open(loop, NULL, 0, &f, on_msg, NULL, &t), 0);
	a = dial(logsrc_tcp_port(t));
	spin(loop);
	logsrc_tcp_stats(t, &st);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.accepted, 0);
	close(a);
	logsrc_tcp_close(t);
	evloop_free(loop);
}

/* A silent connection is closed at its idle limit; a talking one stays. */
static void
test_idle(void **state)
{
	struct fake_clock fc;
	struct evloop *loop;
	struct logsrc_tcp *t;
	struct logsrc_tcp_stats st;
	char c;
	int quiet, talker;

	(void)state;
	fake_clock_init(&fc, 1795349005000);
	loop = evloop_new(&fc.base);
	assert_int_equal(
	    logsrc_tcp_open(loop, "127.0.0.1", 0, NULL, on_msg, NULL, &t), 0);
	logsrc_tcp_set_idle(t, 60000);
	quiet = dial(logsrc_tcp_port(t));
	talker = dial(logsrc_tcp_port(t));
	spin(loop);
	fake_clock_advance(&fc, 40000);
	assert_int_equal(write(talker, "hi\n", 3), 3);
	spin(loop);
	fake_clock_advance(&fc, 40000); /* quiet: 80 s, talker: 40 s */
	spin(loop);
	logsrc_tcp_stats(t, &st);
	assert_int_equal(st.idle, 1);
	assert_int_equal(st.accepted, 2);
	assert_int_equal(read(quiet, &c, 1), 0); /* closed by the listener */
	assert_int_equal(write(talker, "again\n", 6), 6);
	spin(loop);
	assert_non_null(strstr(got, "again@127.0.0.1|"));
	close(quiet);
	close(talker);
	logsrc_tcp_close(t);
	evloop_free(loop);
}

/* Whether the listener closed fd (without waiting). */
static bool
closed(int fd)
{
	char c;

	return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

static void
test_per_source_and_slow(void **state)
{
	struct fake_clock fc;
	struct evloop *loop;
	struct logsrc_tcp *t;
	struct logsrc_tcp_stats st;
	int fd[4];

	(void)state;
	got[0] = '\0';
	fake_clock_init(&fc, 1795349005000);
	loop = evloop_new(&fc.base);
	assert_int_equal(
	    logsrc_tcp_open(loop, "127.0.0.1", 0, NULL, on_msg, NULL, &t), 0);
	logsrc_tcp_set_per_source(t, 3);
	for (int i = 0; i < 4; i++)
		fd[i] = dial(logsrc_tcp_port(t));
	spin(loop);
	logsrc_tcp_stats(t, &st);
	assert_int_equal(st.accepted, 3);
	assert_int_equal(st.per_source, 1);
	assert_true(closed(fd[3]));
	/* fd[0] begins a message, fd[1] says nothing, fd[2] a whole one */
	assert_int_equal(write(fd[0], "<13>half", 8), 8);
	assert_int_equal(write(fd[2], "<13>whole\n", 10), 10);
	spin(loop);
	fake_clock_advance(&fc, LOGSRC_TCP_FIRST_MS + 1000);
	spin(loop);
	logsrc_tcp_stats(t, &st);
	assert_int_equal(st.slow, 1);
	assert_true(closed(fd[0]));
	assert_false(closed(fd[1])); /* a quiet relay may stay */
	assert_false(closed(fd[2]));
	for (int i = 0; i < 4; i++)
		close(fd[i]);
	logsrc_tcp_close(t);
	evloop_free(loop);
}

/* Every slot taken: the oldest connection that sent no whole message
 * goes for the newcomer; one that did stays. */
static void
test_evict(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct logsrc_tcp *t;
	struct logsrc_tcp_stats st;
	int fd[LOGSRC_TCP_CLIENTS + 1];

	(void)state;
	got[0] = '\0';
	assert_int_equal(
	    logsrc_tcp_open(loop, "127.0.0.1", 0, NULL, on_msg, NULL, &t), 0);
	logsrc_tcp_set_per_source(t, LOGSRC_TCP_CLIENTS + 1);
	fd[0] = dial(logsrc_tcp_port(t));
	assert_int_equal(write(fd[0], "<13>first\n", 10), 10);
	spin(loop);
	for (int i = 1; i <= LOGSRC_TCP_CLIENTS; i++) {
		fd[i] = dial(logsrc_tcp_port(t));
		(void)evloop_run_once(loop, 5);
	}
	spin(loop);
	logsrc_tcp_stats(t, &st);
	assert_int_equal(st.accepted, LOGSRC_TCP_CLIENTS + 1);
	assert_int_equal(st.evicted, 1);
	assert_false(closed(fd[0]));
	assert_true(closed(fd[1]));
	assert_false(closed(fd[LOGSRC_TCP_CLIENTS]));
	for (int i = 0; i <= LOGSRC_TCP_CLIENTS; i++)
		close(fd[i]);
	logsrc_tcp_close(t);
	evloop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_idle),
	    cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_filter),
	    cmocka_unit_test(test_per_source_and_slow),
	    cmocka_unit_test(test_evict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
