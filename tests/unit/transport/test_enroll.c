/*
 * Unit tests for enrollment, end to end over a socketpair: a host that
 * knows the enrollment password gets an id and a key, then connects
 * with them through the agent channel and is admitted under that id; a
 * wrong password fails the enrollment handshake; a second host asking for
 * an active agent's name is told why it is refused; "src" records the
 * address the manager saw.
 */
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "testutil.h"

#include "core/err.h"
#include "transport/enroll.h"
#include "transport/tls.h"

static struct agent_keys table;

static int
lookup(uint64_t id, unsigned char key[TLS_KEY_LEN], void *ctx)
{
	const struct agent_key *k = keys_find(&table, id);

	(void)ctx;
	if (k == NULL)
		return -1;
	memcpy(key, k->key, TLS_KEY_LEN);
	return 0;
}

struct pair {
	int fd[2];
	struct tls_conn *m, *a;
};

static int
connect_pair(struct pair *p, struct tls_ctx *mc, struct tls_ctx *ac)
{
	enum tls_want want;
	const char *why;
	int rm = ARX_ERR_AGAIN, ra = ARX_ERR_AGAIN;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fcntl(p->fd[i], F_SETFL, O_NONBLOCK), 0);
	p->m = tls_conn_new(mc, p->fd[0]);
	p->a = tls_conn_new(ac, p->fd[1]);
	for (int i = 0; i < 50 && (rm != 0 || ra != 0); i++) {
		if (ra != 0 &&
		    (ra = tls_conn_handshake(p->a, &want, &why)) != 0 &&
		    ra != ARX_ERR_AGAIN)
			return ra;
		if (rm != 0 &&
		    (rm = tls_conn_handshake(p->m, &want, &why)) != 0 &&
		    rm != ARX_ERR_AGAIN)
			return rm;
	}
	return rm != 0 ? rm : ra;
}

static void
pair_close(struct pair *p)
{
	tls_conn_free(p->m);
	tls_conn_free(p->a);
	close(p->fd[0]);
	close(p->fd[1]);
}

/* Send frame b from one end, read it at the other, parse it. */
static void
cross(struct tls_conn *from, struct tls_conn *to, struct buf *b, char *in,
    size_t size, struct wire_msg *m)
{
	enum tls_want want;
	const char *why;
	long n;

	assert_int_equal(
	    tls_conn_write(from, b->data, b->len, &want), (long)b->len);
	n = tls_conn_read(to, in, size, &want);
	assert_true(n > 0);
	assert_int_equal(wire_parse(in, (size_t)n, m, &why), 0);
	buf_reset(b);
}

/* One enrollment as name from "src": the result's return code. */
static int
enroll(struct tls_ctx *mc, struct tls_ctx *ac, const char *name,
    struct agent_key *got, char *why, size_t why_size)
{
	struct arx_addr peer;
	struct agent_key added;
	struct wire_msg m;
	const char *reason;
	char in[4096];
	struct pair p;
	struct buf b;
	int r;

	assert_int_equal(addr_parse_str("198.51.100.7", &peer), 0);
	buf_init(&b, 1 << 16);
	assert_int_equal(connect_pair(&p, mc, ac), 0);
	assert_int_equal(enroll_request(&b, name, "src"), 0);
	cross(p.a, p.m, &b, in, sizeof(in), &m);
	(void)enroll_answer(&table, &m, &peer, &b, &added, &reason);
	cross(p.m, p.a, &b, in, sizeof(in), &m);
	r = enroll_result(&m, got, why, why_size);
	buf_release(&b);
	pair_close(&p);
	return r;
}

static void
test_enroll_then_connect(void **state)
{
	unsigned char k[TLS_KEY_LEN], bad[TLS_KEY_LEN];
	struct tls_ctx *em, *ea, *ebad, *mc, *ac;
	struct agent_key got, again;
	char why[128], desc[80];
	struct pair p;

	(void)state;
	assert_int_equal(tls_enroll_key("correct horse battery", k), 0);
	assert_int_equal(tls_enroll_key("wrong", bad), 0);
	em = tls_ctx_enroll(true, k);
	ea = tls_ctx_enroll(false, k);
	ebad = tls_ctx_enroll(false, bad);
	assert_int_equal(enroll(em, ea, "web01", &got, why, sizeof(why)), 0);
	assert_int_equal(got.id, 1);
	assert_string_equal(got.name, "web01");
	assert_string_equal(keys_find(&table, 1)->from, "198.51.100.7");
	assert_memory_equal(keys_find(&table, 1)->key, got.key, TLS_KEY_LEN);

	/* The same name again: refused, with the reason. */
	assert_int_equal(
	    enroll(em, ea, "web01", &again, why, sizeof(why)), ARX_ERR_INVAL);
	assert_string_equal(why, "refused: an active agent has this name");

	/* A wrong password never gets past the handshake. */
	assert_int_equal(connect_pair(&p, em, ebad), ARX_ERR_INVAL);
	pair_close(&p);

	/* The new agent connects with what it got. */
	mc = tls_ctx_manager(lookup, NULL);
	ac = tls_ctx_agent(got.id, got.key);
	assert_int_equal(connect_pair(&p, mc, ac), 0);
	assert_int_equal(tls_conn_agent_id(p.m), 1);
	assert_non_null(
	    strstr(tls_conn_describe(p.a, desc, sizeof(desc)), "TLSv1.3"));
	pair_close(&p);
	tls_ctx_free(mc);
	tls_ctx_free(ac);
	tls_ctx_free(em);
	tls_ctx_free(ea);
	tls_ctx_free(ebad);
	keys_release(&table);
}

static void
test_bad_requests(void **state)
{
	struct arx_addr peer;
	struct agent_key added, out;
	struct wire_msg m;
	const char *why;
	char reason[128];
	struct buf b;

	(void)state;
	assert_int_equal(addr_parse_str("192.0.2.6", &peer), 0);
	buf_init(&b, 1 << 16);
	wire_msg_init(&m, WIRE_ENROLL, 1);
	wire_set_str(&m, WT_NAME, "../etc");
	assert_int_equal(
	    enroll_answer(&table, &m, &peer, &b, &added, &why), ARX_ERR_INVAL);
	assert_int_equal(wire_parse(b.data, b.len, &m, &why), 0);
	assert_int_equal(
	    enroll_result(&m, &out, reason, sizeof(reason)), ARX_ERR_INVAL);
	assert_string_equal(
	    reason, "refused: the name is not 1-64 of A-Z a-z 0-9 . _ -");
	buf_reset(&b);
	wire_msg_init(&m, WIRE_ENROLL, 1);
	wire_set_str(&m, WT_NAME, "ok");
	wire_set_str(&m, WT_FROM, "somewhere");
	assert_int_equal(
	    enroll_answer(&table, &m, &peer, &b, &added, &why), ARX_ERR_INVAL);
	buf_reset(&b);
	wire_msg_init(&m, WIRE_KEEPALIVE, 1);
	assert_int_equal(
	    enroll_answer(&table, &m, &peer, &b, &added, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "expected an enroll message");
	assert_int_equal(table.n, 0);
	buf_release(&b);
	keys_release(&table);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enroll_then_connect),
	    cmocka_unit_test(test_bad_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
