/*
 * Unit tests for transport/tls over a socketpair in one process: an
 * agent with its key is admitted (TLS 1.3, AES-256-GCM, the manager
 * learns its id) and frames of the wire codec cross both ways; a wrong
 * key, an unknown agent and an agent removed between two connections are
 * refused at the handshake.
 */
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "testutil.h"

#include "core/err.h"
#include "transport/tls.h"
#include "transport/wire.h"

static unsigned char key7[TLS_KEY_LEN];
static bool removed7;

static int
lookup(uint64_t id, unsigned char key[TLS_KEY_LEN], void *ctx)
{
	(void)ctx;
	if (id != 7 || removed7)
		return -1;
	memcpy(key, key7, TLS_KEY_LEN);
	return 0;
}

struct pair {
	int fd[2];
	struct tls_conn *m, *a;
};

static void
pair_open(struct pair *p, struct tls_ctx *mc, struct tls_ctx *ac)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fcntl(p->fd[i], F_SETFL, O_NONBLOCK), 0);
	p->m = tls_conn_new(mc, p->fd[0]);
	p->a = tls_conn_new(ac, p->fd[1]);
	assert_non_null(p->m);
	assert_non_null(p->a);
}

static void
pair_close(struct pair *p)
{
	tls_conn_free(p->m);
	tls_conn_free(p->a);
	close(p->fd[0]);
	close(p->fd[1]);
}

/* Both handshakes, in turns: 0 when both are done, else the error. */
static int
handshake(struct pair *p, const char **why)
{
	enum tls_want want;
	int rm = ARX_ERR_AGAIN, ra = ARX_ERR_AGAIN;

	for (int i = 0; i < 50 && (rm != 0 || ra != 0); i++) {
		if (ra != 0 &&
		    (ra = tls_conn_handshake(p->a, &want, why)) != 0 &&
		    ra != ARX_ERR_AGAIN)
			return ra;
		if (rm != 0 &&
		    (rm = tls_conn_handshake(p->m, &want, why)) != 0 &&
		    rm != ARX_ERR_AGAIN)
			return rm;
	}
	return rm != 0 ? rm : ra;
}

static void
test_admitted(void **state)
{
	struct tls_ctx *mc = tls_ctx_manager(lookup, NULL);
	struct tls_ctx *ac = tls_ctx_agent(7, key7);
	struct wire_msg m, back;
	enum tls_want want;
	char desc[80], in[256];
	const char *why;
	struct pair p;
	struct buf b;
	long n;

	(void)state;
	removed7 = false;
	pair_open(&p, mc, ac);
	assert_int_equal(handshake(&p, &why), 0);
	assert_int_equal(tls_conn_agent_id(p.m), 7);
	assert_string_equal(tls_conn_describe(p.m, desc, sizeof(desc)),
	    "TLSv1.3 TLS_AES_256_GCM_SHA384 X25519");
	buf_init(&b, 4096);
	wire_msg_init(&m, WIRE_ACK, 1);
	wire_set_u64(&m, WT_ACK_SEQ, 99);
	assert_int_equal(wire_put(&b, &m), 0);
	assert_int_equal(tls_conn_write(p.a, b.data, b.len, &want), b.len);
	n = tls_conn_read(p.m, in, sizeof(in), &want);
	assert_int_equal(n, (long)b.len);
	assert_int_equal(wire_parse(in, (size_t)n, &back, &why), 0);
	assert_int_equal(back.f[WT_ACK_SEQ].u, 99);
	/* Nothing more to read yet. */
	assert_int_equal(
	    tls_conn_read(p.m, in, sizeof(in), &want), ARX_ERR_AGAIN);
	assert_int_equal(want, TLS_WANT_READ);
	buf_release(&b);
	pair_close(&p);
	tls_ctx_free(ac);
	tls_ctx_free(mc);
}

static void
test_refused(void **state)
{
	unsigned char other[TLS_KEY_LEN];
	struct tls_ctx *mc = tls_ctx_manager(lookup, NULL);
	struct tls_ctx *wrong, *unknown, *good;
	const char *why = NULL;
	struct pair p;

	(void)state;
	removed7 = false;
	assert_int_equal(tls_key_new(other), 0);
	wrong = tls_ctx_agent(7, other);
	unknown = tls_ctx_agent(8, key7);
	good = tls_ctx_agent(7, key7);
	pair_open(&p, mc, wrong);
	assert_int_equal(handshake(&p, &why), ARX_ERR_INVAL);
	assert_non_null(why);
	pair_close(&p);
	pair_open(&p, mc, unknown);
	assert_int_equal(handshake(&p, &why), ARX_ERR_INVAL);
	pair_close(&p);
	/* Admitted, then removed: refused at the next connection. */
	pair_open(&p, mc, good);
	assert_int_equal(handshake(&p, &why), 0);
	pair_close(&p);
	removed7 = true;
	pair_open(&p, mc, good);
	assert_int_equal(handshake(&p, &why), ARX_ERR_INVAL);
	pair_close(&p);
	tls_ctx_free(wrong);
	tls_ctx_free(unknown);
	tls_ctx_free(good);
	tls_ctx_free(mc);
}

static int
setup(void **state)
{
	(void)state;
	return tls_key_new(key7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_admitted),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
