/*
 * Unit tests for the kernel check (kcheck.c) on the real event loop,
 * with listings of the test's own (tools_dir: small scripts printing
 * what iptables and ip6tables would) and a fake re-add: a block the
 * listing lacks is marked missing (what `arx list` shows as not in the
 * kernel) until its add has run again; one whose add has not ended is
 * not judged; a listing that fails judges nothing; at start every block
 * but those of a response without blocks (webhook) goes back, paced by
 * the runner's free slots (firewall-drop's first add of a family alone);
 * no look is taken while no block is active.
 */
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "ar/kcheck.h"
#include "core/err.h"

enum {
	CMD_IPT,
	CMD_PROG,
	CMD_HOOK
};

static const enum ar_backend backends[] = {
    [CMD_IPT] = AR_BACKEND_IPT,
    [CMD_PROG] = AR_BACKEND_PROGRAM,
    [CMD_HOOK] = AR_BACKEND_NONE,
};

static struct fixture {
	char dir[64];
	struct evloop *loop;
	struct ar_table *table;
	struct ar_runner *runner;
	struct ar_kcheck *k;
	struct {
		unsigned cmd;
		struct arx_addr a;
		bool missing; /* as the table said when the add was asked */
	} readds[16];
	size_t nreadds;
} fx;

static struct arx_addr
ip(const char *s)
{
	struct arx_addr a;

	assert_int_equal(addr_parse_str(s, &a), 0);
	return a;
}

static int
fake_readd(const struct ar_block *b, void *ctx)
{
	(void)ctx;
	assert_true(fx.nreadds < 16);
	fx.readds[fx.nreadds].cmd = b->cmd;
	fx.readds[fx.nreadds].a = b->addr;
	fx.readds[fx.nreadds].missing = b->missing;
	fx.nreadds++;
	return 0;
}

static uint64_t
fake_timeout(const struct ar_block *b, int64_t now, void *ctx)
{
	(void)ctx;
	return (uint64_t)(b->expires_ms - now) / 1000 + 60;
}

/* A listing program: prints text, exits with status. */
static void
tool(const char *name, const char *text, int status)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx.dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\nprintf '%%s' '%s'\nexit %d\n", text, status);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static void
block(unsigned cmd, const char *addr, int64_t kernel_ms)
{
	int64_t now = clock_wall_ms(clock_real());
	struct ar_block b = {.cmd = cmd,
	    .addr = ip(addr),
	    .added_ms = now,
	    .expires_ms = now + 600000,
	    .kernel_ms = kernel_ms};

	assert_int_equal(ar_table_restore(fx.table, &b), 0);
}

static const struct ar_block *
find(unsigned cmd, const char *addr)
{
	struct arx_addr a = ip(addr);

	return ar_table_find(fx.table, cmd, &a);
}

static int
setup(void **state)
{
	struct ar_kcheck_opts o = {
	    .backends = backends,
	    .ncommands = 3,
	    .tools_dir = fx.dir,
	    .readd = fake_readd,
	    .timeout = fake_timeout,
	};

	(void)state;
	memset(&fx, 0, sizeof(fx));
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/arx-kcheck-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	fx.loop = evloop_new(clock_real());
	fx.table = ar_table_new(100, 100);
	fx.runner = ar_runner_new(fx.loop, 2, 4, NULL, NULL);
	assert_non_null(fx.loop);
	o.loop = fx.loop;
	o.clock = clock_real();
	o.table = fx.table;
	o.runner = fx.runner;
	assert_non_null(fx.k = ar_kcheck_new(&o));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	ar_runner_free(fx.runner);
	ar_kcheck_free(fx.k);
	while (evloop_ntimers(fx.loop) > 0)
		assert_true(evloop_run_once(fx.loop, 50) >= 0);
	ar_table_free(fx.table);
	evloop_free(fx.loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Run the loop until a look has been taken (at most max_ms). */
static void
wait_looks(unsigned long n, int max_ms)
{
	struct ar_kcheck_stats st;

	for (int i = 0; i < max_ms / 20; i++) {
		ar_kcheck_stats(fx.k, &st);
		if (st.looks >= n)
			return;
		assert_true(evloop_run_once(fx.loop, 20) >= 0);
	}
	fail_msg("no look in %d ms", max_ms);
}

static void
test_missing_put_back(void **state)
{
	int64_t before = clock_wall_ms(clock_real()) - 1000;
	struct ar_kcheck_stats st;
	struct arx_addr a = ip("2001:db8::6");

	(void)state;
	tool("iptables",
	    "-N arx\n-A INPUT -j arx\n-A FORWARD -j arx\n"
	    "-A arx -s 192.0.2.6/32 -j DROP\n",
	    0);
	tool("ip6tables", "-N arx\n-A INPUT -j arx\n-A FORWARD -j arx\n", 0);
	block(CMD_IPT, "192.0.2.6", before);
	block(CMD_IPT, "2001:db8::6", before);
	block(CMD_IPT, "192.0.2.9", 0); /* its add has not ended */
	block(CMD_PROG, "198.51.100.1", before);
	ar_kcheck_arm(fx.k);
	wait_looks(1, 4000);
	/* Only the v6 block is missing: marked, its add asked again. */
	assert_int_equal(fx.nreadds, 1);
	assert_int_equal(fx.readds[0].cmd, CMD_IPT);
	assert_true(addr_equal(&fx.readds[0].a, &a));
	assert_true(fx.readds[0].missing);
	assert_true(find(CMD_IPT, "2001:db8::6")->missing);
	assert_int_equal(find(CMD_IPT, "2001:db8::6")->kernel_ms, 0);
	assert_false(find(CMD_IPT, "192.0.2.6")->missing);
	assert_false(find(CMD_IPT, "192.0.2.9")->missing);
	assert_false(find(CMD_PROG, "198.51.100.1")->missing);
	assert_int_equal(ar_kcheck_restoring(fx.k), 1);
	/* Its add ran again: held from now on. */
	ar_kcheck_run_done(fx.k, CMD_IPT, &a, true);
	assert_false(find(CMD_IPT, "2001:db8::6")->missing);
	assert_true(find(CMD_IPT, "2001:db8::6")->kernel_ms > before);
	ar_kcheck_stats(fx.k, &st);
	assert_int_equal(st.looks, 1);
	assert_int_equal(st.rounds, 1);
	assert_int_equal(st.restored, 1);
	assert_int_equal(st.failed, 0);
	assert_int_equal(ar_kcheck_restoring(fx.k), 0);
}

/* A restore that fails leaves the block marked missing; the next look
 * tries again. A listing that fails judges nothing. */
static void
test_failures(void **state)
{
	int64_t before = clock_wall_ms(clock_real()) - 1000;
	struct ar_kcheck_stats st;
	struct arx_addr a = ip("192.0.2.6");

	(void)state;
	tool("iptables", "-P INPUT ACCEPT\n", 0); /* flushed */
	block(CMD_IPT, "192.0.2.6", before);
	ar_kcheck_arm(fx.k);
	wait_looks(1, 4000);
	assert_int_equal(fx.nreadds, 1);
	ar_kcheck_run_done(fx.k, CMD_IPT, &a, false);
	assert_true(find(CMD_IPT, "192.0.2.6")->missing);
	ar_kcheck_stats(fx.k, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.restored, 0);
	/* iptables now fails: the block stays as it was, nothing asked. */
	tool("iptables", "", 4);
	wait_looks(2, 4000);
	assert_int_equal(fx.nreadds, 1);
	assert_true(find(CMD_IPT, "192.0.2.6")->missing);
	/* It is back in the kernel (someone put it): no longer missing. */
	tool("iptables",
	    "-N arx\n-A INPUT -j arx\n-A FORWARD -j arx\n"
	    "-A arx -s 192.0.2.6/32 -j DROP\n",
	    0);
	wait_looks(3, 4000);
	assert_int_equal(fx.nreadds, 1);
	assert_false(find(CMD_IPT, "192.0.2.6")->missing);
}

/* At start: every block but a webhook's goes back (programs as the
 * runner has free slots: here no run takes one). */
static void
test_restore_all(void **state)
{
	struct ar_kcheck_stats st;
	size_t i;

	(void)state;
	block(CMD_IPT, "192.0.2.6", 1);
	block(CMD_PROG, "198.51.100.1", 1);
	block(CMD_PROG, "198.51.100.2", 1);
	block(CMD_HOOK, "198.51.100.3", 1);
	assert_int_equal(ar_kcheck_restore_all(fx.k), 3);
	assert_int_equal(ar_kcheck_restoring(fx.k), 3);
	assert_int_equal(fx.nreadds, 3);
	assert_int_equal(find(CMD_IPT, "192.0.2.6")->kernel_ms, 0);
	for (i = 0; i < 3; i++)
		ar_kcheck_run_done(
		    fx.k, fx.readds[i].cmd, &fx.readds[i].a, true);
	assert_int_equal(ar_kcheck_restoring(fx.k), 0);
	ar_kcheck_stats(fx.k, &st);
	assert_int_equal(st.reapplied, 3);
	assert_int_equal(st.restored, 0);
	assert_int_equal(find(CMD_HOOK, "198.51.100.3")->kernel_ms, 1);
}

/* firewall-drop on iptables sets its chain up before each add: the
 * first add of a family goes alone, the others once it has ended. */
static void
test_first_alone(void **state)
{
	(void)state;
	block(CMD_IPT, "192.0.2.1", 1);
	block(CMD_IPT, "192.0.2.2", 1);
	assert_int_equal(ar_kcheck_restore_all(fx.k), 2);
	assert_int_equal(fx.nreadds, 1);
	ar_kcheck_pump(fx.k);
	assert_int_equal(fx.nreadds, 1);
	ar_kcheck_run_done(fx.k, CMD_IPT, &fx.readds[0].a, true);
	ar_kcheck_pump(fx.k);
	assert_int_equal(fx.nreadds, 2);
	assert_false(addr_equal(&fx.readds[0].a, &fx.readds[1].a));
	ar_kcheck_run_done(fx.k, CMD_IPT, &fx.readds[1].a, true);
	assert_int_equal(ar_kcheck_restoring(fx.k), 0);
}

/* No block of a backend arx looks at: no look, and the timer idles. */
static void
test_idle(void **state)
{
	struct ar_kcheck_stats st;

	(void)state;
	tool("iptables", "", 0);
	block(CMD_PROG, "198.51.100.1", 1);
	ar_kcheck_arm(fx.k);
	for (int i = 0; i < 150; i++)
		assert_true(evloop_run_once(fx.loop, 20) >= 0);
	ar_kcheck_stats(fx.k, &st);
	assert_int_equal(st.looks, 0);
	assert_int_equal(evloop_ntimers(fx.loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_missing_put_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restore_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_first_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_idle, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
