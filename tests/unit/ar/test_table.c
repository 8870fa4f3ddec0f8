/*
 * Unit tests for the block table (table.c): a repeated add extends
 * instead of adding twice, offences escalate and decay, both caps hold
 * with their counters, blocks expire in deadline order whatever the
 * order of adds, removal and restore, and a zero timeout never expires.
 */
#include <stdlib.h>

#include "testutil.h"

#include "ar/table.h"
#include "core/err.h"

static const uint64_t steps[3] = {1800, 3600, 7200};
/* A rule's trigger (an offence) at now_ms. */
static int
add(struct ar_table *t, unsigned cmd, const struct arx_addr *a,
    const struct ar_escalation *e, int64_t now_ms, struct ar_block *out)
{
	struct ar_add_req rq = {e, now_ms, 5712, true, AR_ORIGIN_RULE};

	return ar_table_add(t, cmd, a, &rq, out);
}

static const struct ar_escalation esc = {600, steps, 3, 0, 0};

static struct arx_addr
ip(const char *s)
{
	struct arx_addr a;

	assert_int_equal(addr_parse_str(s, &a), 0);
	return a;
}

/* One attack, one offence: a trigger while blocked extends to what the
 * offence being answered asks for, and adds none. */
static void
test_extend_and_escalate(void **state)
{
	struct ar_table *t = ar_table_new(8, 8);
	struct arx_addr a = ip("192.0.2.6");
	struct ar_block b;

	(void)state;
	assert_int_equal(add(t, 0, &a, &esc, 1000, &b), AR_ADD_NEW);
	assert_int_equal(b.expires_ms, 1000 + 600000);
	assert_int_equal(b.offences, 1);
	/* Again while blocked: the same entry, the same offence, a deadline
	 * 10 minutes from the later trigger. */
	assert_int_equal(add(t, 0, &a, &esc, 2000, &b), AR_ADD_EXTENDED);
	assert_int_equal(b.expires_ms, 2000 + 600000);
	assert_int_equal(b.added_ms, 1000);
	assert_int_equal(b.offences, 1);
	/* Another command is another key. */
	assert_int_equal(add(t, 1, &a, &esc, 2000, &b), AR_ADD_NEW);
	assert_int_equal(b.expires_ms, 2000 + 600000);
	/* Lifted (time unknown: no grace), then offending again: the next
	 * step, and again while blocked: still the second offence. */
	assert_int_equal(ar_table_remove(t, 0, &a, 0, &b), 0);
	assert_null(ar_table_find(t, 0, &a));
	assert_int_equal(ar_table_remove(t, 0, &a, 0, &b), ARX_ERR_NOTFOUND);
	assert_int_equal(add(t, 0, &a, &esc, 9000, &b), AR_ADD_NEW);
	assert_int_equal(b.expires_ms, 9000 + 1800000);
	assert_int_equal(b.offences, 2);
	assert_int_equal(add(t, 0, &a, &esc, 9001, &b), AR_ADD_EXTENDED);
	assert_int_equal(b.expires_ms, 9001 + 1800000);
	assert_int_equal(b.offences, 2);
	assert_non_null(ar_table_find(t, 0, &a));
	ar_table_free(t);
}

/* A trigger less than grace_s after the block ended is the same attack
 * (a late line): blocked again for the same offence's time. A manual
 * block counts nothing; the rules that asked are remembered. */
static void
test_grace_and_manual(void **state)
{
	struct ar_escalation e = {600, steps, 3, 0, 60};
	struct ar_table *t = ar_table_new(8, 8);
	struct arx_addr a = ip("198.51.100.7"), m = ip("198.51.100.8");
	struct ar_add_req hand = {&e, 0, 0, false, AR_ORIGIN_MANUAL};
	struct ar_block b, out[2];

	(void)state;
	assert_int_equal(add(t, 0, &a, &e, 0, &b), AR_ADD_NEW);
	assert_int_equal(ar_table_expire(t, 600000, out, 2), 1);
	assert_int_equal(add(t, 0, &a, &e, 660000, &b), AR_ADD_NEW);
	assert_int_equal(b.offences, 1);
	assert_int_equal(b.expires_ms, 660000 + 600000);
	assert_int_equal(ar_table_remove(t, 0, &a, 1260000, &b), 0);
	/* 60.001 s after: a new attack, the second step. */
	assert_int_equal(add(t, 0, &a, &e, 1320001, &b), AR_ADD_NEW);
	assert_int_equal(b.offences, 2);
	assert_int_equal(b.expires_ms, 1320001 + 1800000);
	/* By hand: no offence, the given time; then a rule's trigger on
	 * the blocked address is still no offence. */
	hand.now_ms = 5000;
	assert_int_equal(ar_table_add(t, 0, &m, &hand, &b), AR_ADD_NEW);
	assert_int_equal(b.offences, 0);
	assert_int_equal(b.expires_ms, 5000 + 600000);
	assert_int_equal(b.rules[0], 0);
	assert_int_equal(add(t, 0, &m, &e, 6000, &b), AR_ADD_EXTENDED);
	assert_int_equal(b.offences, 0);
	assert_int_equal(b.expires_ms, 6000 + 600000);
	assert_int_equal(b.rules[0], 5712);
	assert_int_equal(b.rules[1], 0);
	ar_table_free(t);
}

/* A delete lifts only what its own origin placed; a block two origins
 * asked for stays until both let go; a journal of an older arx (no
 * origin known) lets any origin lift. */
static void
test_origins(void **state)
{
	struct ar_table *t = ar_table_new(8, 8);
	struct arx_addr a = ip("203.0.113.40"), o = ip("203.0.113.41");
	struct ar_add_req hand = {&esc, 0, 0, false, AR_ORIGIN_MANUAL};
	struct ar_block b;

	(void)state;
	assert_int_equal(add(t, 0, &a, &esc, 0, &b), AR_ADD_NEW);
	assert_int_equal(b.origins, AR_ORIGIN_RULE);
	assert_int_equal(
	    ar_table_drop_origin(t, 0, &a, AR_ORIGIN_MANAGER, 10, &b),
	    ARX_ERR_PERM);
	assert_int_equal(ar_table_add(t, 0, &a, &hand, &b), AR_ADD_EXTENDED);
	assert_int_equal(b.origins, AR_ORIGIN_RULE | AR_ORIGIN_MANUAL);
	assert_int_equal(
	    ar_table_drop_origin(t, 0, &a, AR_ORIGIN_RULE, 20, &b), 0);
	assert_non_null(ar_table_find(t, 0, &a));
	assert_int_equal(
	    ar_table_drop_origin(t, 0, &a, AR_ORIGIN_MANUAL, 30, &b), 1);
	assert_null(ar_table_find(t, 0, &a));
	assert_int_equal(
	    ar_table_drop_origin(t, 0, &a, AR_ORIGIN_MANUAL, 40, &b),
	    ARX_ERR_NOTFOUND);
	b = (struct ar_block){.cmd = 0, .addr = o, .expires_ms = 99999};
	assert_int_equal(ar_table_restore(t, &b), 0);
	assert_int_equal(
	    ar_table_drop_origin(t, 0, &o, AR_ORIGIN_MANAGER, 50, &b), 1);
	ar_table_free(t);
}

static void
test_decay(void **state)
{
	struct ar_escalation e = {600, steps, 3, 3600, 0};
	struct ar_table *t = ar_table_new(8, 8);
	struct arx_addr a = ip("2001:db8::6");
	struct ar_block b, out[2];

	(void)state;
	assert_int_equal(add(t, 0, &a, &e, 0, &b), AR_ADD_NEW);
	assert_int_equal(ar_table_expire(t, 600000, out, 2), 1);
	assert_int_equal(add(t, 0, &a, &e, 700000, &b), AR_ADD_NEW);
	assert_int_equal(b.expires_ms, 700000 + 1800000);
	assert_int_equal(ar_table_expire(t, 2500000, out, 2), 1);
	/* More than an hour after the last offence: a first offence again. */
	assert_int_equal(add(t, 0, &a, &e, 700000 + 3600001, &b), AR_ADD_NEW);
	assert_int_equal(b.expires_ms, 700000 + 3600001 + 600000);
	assert_int_equal(b.offences, 1);
	ar_table_free(t);
}

static void
test_caps(void **state)
{
	struct ar_table *t = ar_table_new(2, 3);
	struct arx_addr a1 = ip("192.0.2.1"), a2 = ip("192.0.2.2");
	struct arx_addr a3 = ip("192.0.2.3"), a4 = ip("192.0.2.4");
	struct ar_table_stats st;
	struct ar_block b;

	(void)state;
	assert_int_equal(add(t, 0, &a1, &esc, 0, &b), AR_ADD_NEW);
	assert_int_equal(add(t, 0, &a2, &esc, 1, &b), AR_ADD_NEW);
	/* Full: refused, counted, and nothing in place is lifted. */
	assert_int_equal(add(t, 0, &a3, &esc, 2, &b), ARX_ERR_TOOBIG);
	assert_non_null(ar_table_find(t, 0, &a1));
	assert_non_null(ar_table_find(t, 0, &a2));
	/* A key already blocked can still be extended. */
	assert_int_equal(add(t, 0, &a1, &esc, 3, &b), AR_ADD_EXTENDED);
	ar_table_stats(t, &st);
	assert_int_equal(st.active, 2);
	assert_int_equal(st.refused_full, 1);
	/* History holds 3 keys; a 4th forgets the one that offended
	 * longest ago (a2: a1 offended again at 3). */
	assert_int_equal(ar_table_remove(t, 0, &a1, 0, NULL), 0);
	assert_int_equal(ar_table_remove(t, 0, &a2, 0, NULL), 0);
	assert_int_equal(add(t, 0, &a3, &esc, 4, &b), AR_ADD_NEW);
	assert_int_equal(add(t, 0, &a4, &esc, 5, &b), AR_ADD_NEW);
	ar_table_stats(t, &st);
	assert_int_equal(st.history, 3);
	assert_int_equal(st.history_evicted, 1);
	assert_int_equal(ar_table_remove(t, 0, &a3, 0, NULL), 0);
	assert_int_equal(add(t, 0, &a2, &esc, 6, &b), AR_ADD_NEW);
	assert_int_equal(b.offences, 1); /* a2 was forgotten */
	assert_int_equal(ar_table_remove(t, 0, &a2, 0, NULL), 0);
	/* That add forgot a1, now the oldest; a3 is still remembered. */
	ar_table_stats(t, &st);
	assert_int_equal(st.history_evicted, 2);
	assert_int_equal(add(t, 0, &a3, &esc, 7, &b), AR_ADD_NEW);
	assert_int_equal(b.offences, 2);
	assert_int_equal(ar_table_remove(t, 0, &a3, 0, NULL), 0);
	assert_int_equal(add(t, 0, &a1, &esc, 8, &b), AR_ADD_NEW);
	assert_int_equal(b.offences, 1);
	ar_table_free(t);
}

static void
test_expiry_order(void **state)
{
	enum {
		N = 200
	};
	struct ar_table *t = ar_table_new(N, N);
	struct ar_block b, out[N];
	int64_t last = 0;
	size_t i, n, total = 0;
	char s[32];

	(void)state;
	srand(7);
	for (i = 0; i < N; i++) {
		struct ar_escalation e = {
		    (uint64_t)(1 + rand() % 1000), NULL, 0, 0, 0};
		struct arx_addr a;

		snprintf(s, sizeof(s), "198.51.%zu.%zu", i / 250, i % 250);
		a = ip(s);
		assert_int_equal(add(t, 0, &a, &e, 0, &b), AR_ADD_NEW);
	}
	/* Removing some from the middle keeps the heap in order. */
	for (i = 0; i < N; i += 7) {
		struct arx_addr a;

		snprintf(s, sizeof(s), "198.51.%zu.%zu", i / 250, i % 250);
		a = ip(s);
		assert_int_equal(ar_table_remove(t, 0, &a, 0, NULL), 0);
	}
	while (ar_table_next_deadline(t) != AR_NEVER) {
		int64_t now = ar_table_next_deadline(t);

		assert_true(now >= last);
		n = ar_table_expire(t, now, out, 3);
		assert_true(n >= 1);
		for (i = 0; i < n; i++)
			assert_true(out[i].expires_ms <= now);
		last = now;
		total += n;
	}
	assert_int_equal(total, N - (N + 6) / 7);
	ar_table_free(t);
}

static void
test_never_and_restore(void **state)
{
	struct ar_escalation forever = {0, NULL, 0, 0, 0};
	struct ar_table *t = ar_table_new(4, 4);
	struct arx_addr a = ip("203.0.113.9"), c = ip("203.0.113.10");
	struct ar_block b, out[4];

	(void)state;
	assert_int_equal(add(t, 0, &a, &forever, 0, &b), AR_ADD_NEW);
	assert_int_equal(b.expires_ms, AR_NEVER);
	assert_int_equal(ar_table_expire(t, INT64_MAX - 1, out, 4), 0);
	/* Restore puts a journaled block back as it was. */
	b = (struct ar_block){.cmd = 2,
	    .addr = c,
	    .added_ms = 100,
	    .expires_ms = 5000,
	    .offences = 3,
	    .rules = {5712, 5763, 0, 0}};
	assert_int_equal(ar_table_restore(t, &b), 0);
	assert_int_equal(ar_table_restore(t, &b), ARX_ERR_EXISTS);
	assert_int_equal(ar_table_next_deadline(t), 5000);
	assert_int_equal(ar_table_expire(t, 5000, out, 4), 1);
	assert_int_equal(out[0].offences, 3);
	/* Its history came back too: the next offence is the fourth. */
	assert_int_equal(add(t, 2, &c, &esc, 6000, &b), AR_ADD_NEW);
	assert_int_equal(b.offences, 4);
	assert_int_equal(b.expires_ms, 6000 + 7200000);
	ar_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_extend_and_escalate),
	    cmocka_unit_test(test_grace_and_manual),
	    cmocka_unit_test(test_origins),
	    cmocka_unit_test(test_decay),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_expiry_order),
	    cmocka_unit_test(test_never_and_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
