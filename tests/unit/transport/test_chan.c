/*
 * Unit tests for transport/chan, two channels on one event loop over a
 * socketpair: an agent sends HELLO and 2,000 events, the manager gets
 * them whole and in order and acknowledges; a peer sending garbage, and
 * one sending nothing, are disconnected with the reason; the send queue
 * refuses what is over its bound while the peer does not read.
 */
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/err.h"
#include "transport/chan.h"

#define NEVENTS 2000

static unsigned char key9[TLS_KEY_LEN];

static int
lookup(uint64_t id, unsigned char key[TLS_KEY_LEN], void *ctx)
{
	(void)ctx;
	if (id != 9)
		return -1;
	memcpy(key, key9, TLS_KEY_LEN);
	return 0;
}

struct side {
	struct chan *ch;
	uint64_t got, last_seq, acked;
	bool open, closed;
	char why[128];
};

static void
on_state(struct chan *ch, enum chan_state st, const char *why, void *ctx)
{
	struct side *s = ctx;

	(void)ch;
	s->open = st == CHAN_OPEN;
	s->closed = st == CHAN_CLOSED;
	if (s->closed) {
		s->ch = NULL;
		snprintf(s->why, sizeof(s->why), "%s", why ? why : "");
	}
}

static void
send_events(struct side *a)
{
	struct wire_msg m;
	char line[64];

	wire_msg_init(&m, WIRE_HELLO, 1);
	wire_set_u64(&m, WT_AGENT_ID, 9);
	wire_set_str(&m, WT_NAME, "web09");
	wire_set_str(&m, WT_VERSION, "0.1.0");
	assert_int_equal(chan_send(a->ch, &m), 0);
	for (uint64_t i = 0; i < NEVENTS; i++) {
		snprintf(line, sizeof(line), "Nov 22 10:00:00 h app: %llu",
		    (unsigned long long)i);
		wire_msg_init(&m, WIRE_EVENT, i + 2);
		wire_set_str(&m, WT_LOCATION, "/var/log/app.log");
		wire_set_u64(&m, WT_TIME_MS, 1000 + i);
		wire_set_str(&m, WT_LINE, line);
		assert_int_equal(chan_send(a->ch, &m), 0);
	}
}

static void
agent_state(struct chan *ch, enum chan_state st, const char *why, void *ctx)
{
	on_state(ch, st, why, ctx);
	if (st == CHAN_OPEN)
		send_events(ctx);
}

static void
agent_msg(struct chan *ch, const struct wire_msg *m, void *ctx)
{
	struct side *a = ctx;

	(void)ch;
	if (m->type == WIRE_ACK)
		a->acked = m->f[WT_ACK_SEQ].u;
}

static void
manager_msg(struct chan *ch, const struct wire_msg *m, void *ctx)
{
	struct side *s = ctx;
	struct wire_msg ack;

	assert_int_equal(m->seq, s->last_seq + 1);
	s->last_seq = m->seq;
	if (m->type != WIRE_EVENT)
		return;
	s->got++;
	if (s->got == NEVENTS) {
		wire_msg_init(&ack, WIRE_ACK, 1);
		wire_set_u64(&ack, WT_ACK_SEQ, m->seq);
		assert_int_equal(chan_send(ch, &ack), 0);
		assert_int_equal(chan_agent_id(ch), 9);
	}
}

static void
pair(int fd[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fcntl(fd[i], F_SETFL, O_NONBLOCK), 0);
}

static struct chan *
open_side(struct evloop *loop, struct tls_ctx *tls, int fd, struct side *s,
    chan_msg_fn *msg, chan_state_fn *st, unsigned idle_ms)
{
	struct chan_opts o = {.loop = loop,
	    .tls = tls,
	    .fd = fd,
	    .max_queue = 1u << 20,
	    .idle_ms = idle_ms,
	    .on_msg = msg,
	    .on_state = st,
	    .ctx = s};

	assert_int_equal(chan_open(&o, &s->ch), 0);
	return s->ch;
}

static void
run_until(struct evloop *loop, bool *cond, int max_ms)
{
	for (int i = 0; i < max_ms / 10 && !*cond; i++)
		assert_true(evloop_run_once(loop, 10) >= 0);
}

static void
test_events_and_ack(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct tls_ctx *mc = tls_ctx_manager(lookup, NULL);
	struct tls_ctx *ac = tls_ctx_agent(9, key9);
	struct side m = {0}, a = {0};
	bool done = false;
	int fd[2];

	(void)state;
	pair(fd);
	open_side(loop, mc, fd[0], &m, manager_msg, on_state, 5000);
	open_side(loop, ac, fd[1], &a, agent_msg, agent_state, 5000);
	for (int i = 0; i < 500 && !done; i++) {
		assert_true(evloop_run_once(loop, 10) >= 0);
		done = a.acked == NEVENTS + 1;
	}
	assert_int_equal(m.got, NEVENTS);
	assert_int_equal(a.acked, NEVENTS + 1);
	chan_close(m.ch);
	chan_close(a.ch);
	tls_ctx_free(mc);
	tls_ctx_free(ac);
	evloop_free(loop);
}

static void
test_garbage_and_silence(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct tls_ctx *mc = tls_ctx_manager(lookup, NULL);
	struct side m = {0};
	int fd[2];

	(void)state;
	pair(fd);
	open_side(loop, mc, fd[0], &m, manager_msg, on_state, 5000);
	assert_int_equal(write(fd[1], "GET / HTTP/1.1\r\n\r\n", 18), 18);
	run_until(loop, &m.closed, 2000);
	assert_true(m.closed);
	assert_true(m.why[0] != '\0');
	close(fd[1]);

	memset(&m, 0, sizeof(m));
	pair(fd);
	open_side(loop, mc, fd[0], &m, manager_msg, on_state, 200);
	run_until(loop, &m.closed, 2000);
	assert_true(m.closed);
	assert_string_equal(m.why, "nothing received for too long");
	close(fd[1]);
	tls_ctx_free(mc);
	evloop_free(loop);
}

static void
noop_msg(struct chan *ch, const struct wire_msg *m, void *ctx)
{
	(void)ch, (void)m, (void)ctx;
}

static void
test_queue_bound(void **state)
{
	struct evloop *loop = evloop_new(clock_real());
	struct tls_ctx *mc = tls_ctx_manager(lookup, NULL);
	struct tls_ctx *ac = tls_ctx_agent(9, key9);
	struct side m = {0}, a = {0};
	struct chan_opts o = {.loop = loop,
	    .tls = ac,
	    .max_queue = 4096,
	    .idle_ms = 5000,
	    .on_msg = noop_msg,
	    .on_state = on_state,
	    .ctx = &a};
	struct wire_msg msg;
	char big[1024];
	int fd[2], r = 0, sent = 0;

	(void)state;
	pair(fd);
	open_side(loop, mc, fd[0], &m, noop_msg, on_state, 5000);
	o.fd = fd[1];
	assert_int_equal(chan_open(&o, &a.ch), 0);
	for (int i = 0; i < 200 && !(a.open && m.open); i++)
		assert_true(evloop_run_once(loop, 10) >= 0);
	assert_true(a.open && m.open);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* The manager's loop is not run: the socket fills, then the queue. */
	for (int i = 0; i < 100000 && r == 0; i++, sent++) {
		wire_msg_init(&msg, WIRE_BYE, (uint64_t)i + 1);
		wire_set_str(&msg, WT_MESSAGE, big);
		r = chan_send(a.ch, &msg);
	}
	assert_int_equal(r, ARX_ERR_TOOBIG);
	assert_true(chan_queued(a.ch) <= 4096);
	chan_close(a.ch);
	chan_close(m.ch);
	tls_ctx_free(mc);
	tls_ctx_free(ac);
	evloop_free(loop);
}

static int
setup(void **state)
{
	(void)state;
	return tls_key_new(key9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_events_and_ack),
	    cmocka_unit_test(test_garbage_and_silence),
	    cmocka_unit_test(test_queue_bound),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
