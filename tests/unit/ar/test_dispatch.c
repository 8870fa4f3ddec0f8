/*
 * The dispatcher end to end with real programs (the recorder in
 * tests/helpers, linked into a response directory of the test's own),
 * the real clock and the event loop: block, extend, lift on time,
 * escalation, white list, both protocols, failing and hung programs,
 * refused values, manual blocks, the journal across a restart, and a
 * journal that cannot be written (a file size limit standing for a full
 * disk): blocks go on, it is said once, then rewritten when room is back.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "ar/dispatch.h"
#include "core/clock.h"
#include "core/err.h"

#define MAX_EVENTS 64

struct rec_event {
	enum ar_event_type type;
	char command[32], action[8], addr[64];
	uint64_t timeout_s;
	int64_t now_ms, expires_ms;
	unsigned offences;
};

static struct fixture {
	char dir[64], conf_text[4096], path[256];
	struct arx_conf *conf;
	struct evloop *loop;
	struct ar_dispatch *d;
	struct rec_event ev[MAX_EVENTS];
	size_t nev;
} fx;

static const char conf_fmt[] =
    "<arx_config>"
    "<global><white_list>127.0.0.1</white_list>"
    "<white_list>2001:db8:ffff::/48</white_list></global>"
    "<command><name>rec</name><executable>recorder</executable>"
    "<timeout_allowed>yes</timeout_allowed></command>"
    "<command><name>legacy</name><executable>recorder</executable>"
    "<protocol>legacy</protocol></command>"
    "<command><name>failing</name><executable>recorder</executable>"
    "<extra_args>fail</extra_args></command>"
    "<command><name>hung</name><executable>recorder</executable>"
    "<extra_args>hang</extra_args><exec_timeout>1</exec_timeout></command>"
    "<command><name>notify</name><executable>recorder</executable>"
    "</command>"
    "<active-response><command>rec</command><location>local</location>"
    "<rules_id>100</rules_id><timeout>1</timeout>"
    "<repeated_offenders>2s</repeated_offenders>"
    "<offence_grace>3</offence_grace></active-response>"
    "<active-response><command>legacy</command><location>local</location>"
    "<rules_id>101</rules_id></active-response>"
    "<active-response><command>failing</command><location>server</location>"
    "<rules_id>102</rules_id></active-response>"
    "<active-response><command>hung</command><location>local</location>"
    "<rules_id>103</rules_id></active-response>"
    "<active-response><command>notify</command><location>local</location>"
    "<rules_id>104</rules_id><apply_white_list>no</apply_white_list>"
    "</active-response>"
    "<active-response><command>rec</command><location>all</location>"
    "<rules_id>105</rules_id></active-response>"
    "<daemon><active_response_dir>%s/ar</active_response_dir>"
    "<node_name>test</node_name></daemon>"
    "</arx_config>";

static void
on_event(const struct ar_event *e, void *ctx)
{
	struct rec_event *r;

	(void)ctx;
	assert_true(fx.nev < MAX_EVENTS);
	r = &fx.ev[fx.nev++];
	r->type = e->type;
	snprintf(
	    r->command, sizeof(r->command), "%s", e->command ? e->command : "");
	snprintf(
	    r->action, sizeof(r->action), "%s", e->action ? e->action : "");
	snprintf(r->addr, sizeof(r->addr), "%s", e->addr ? e->addr : "");
	r->timeout_s = e->timeout_s;
	r->now_ms = e->now_ms;
	r->expires_ms = e->expires_ms;
	r->offences = e->offences;
}

static void
path_of(const char *name)
{
	snprintf(fx.path, sizeof(fx.path), "%s/%s", fx.dir, name);
}

static int
start(void)
{
	char journal[256], arlog[256];
	struct ar_dispatch_opts o = {
	    .conf = fx.conf,
	    .loop = fx.loop,
	    .clock = clock_real(),
	    .journal_path = journal,
	    .arlog_path = arlog,
	    .on_event = on_event,
	};

	snprintf(journal, sizeof(journal), "%s/blocks.journal", fx.dir);
	snprintf(arlog, sizeof(arlog), "%s/active-responses.log", fx.dir);
	return ar_dispatch_new(&o, &fx.d);
}

static int
setup(void **state)
{
	char ar[128], link[160];

	(void)state;
	memset(&fx, 0, sizeof(fx));
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/arx-dispatch-XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	snprintf(ar, sizeof(ar), "%s/ar", fx.dir);
	assert_int_equal(mkdir(ar, 0700), 0);
	snprintf(link, sizeof(link), "%s/recorder", ar);
	assert_int_equal(symlink(RECORDER, link), 0);
	snprintf(fx.conf_text, sizeof(fx.conf_text), conf_fmt, fx.dir);
	assert_int_equal(conf_load_mem("test.conf", fx.conf_text,
			     strlen(fx.conf_text), &fx.conf),
	    0);
	fx.loop = evloop_new(clock_real());
	assert_non_null(fx.loop);
	assert_int_equal(start(), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	ar_dispatch_free(fx.d);
	/* Programs still running end on their own (each has a deadline). */
	while (evloop_ntimers(fx.loop) > 0)
		assert_true(evloop_run_once(fx.loop, 50) >= 0);
	evloop_free(fx.loop);
	conf_free(fx.conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Index of the first event of type (and action) from event from. */
static int
find_event(size_t from, enum ar_event_type type, const char *action)
{
	size_t i;

	for (i = from; i < fx.nev; i++)
		if (fx.ev[i].type == type &&
		    (action == NULL || strcmp(fx.ev[i].action, action) == 0))
			return (int)i;
	return -1;
}

/* Run the loop until the event comes (at most max_ms). */
static int
wait_event(size_t from, enum ar_event_type type, const char *action, int max_ms)
{
	int i, k;

	for (i = 0; i < max_ms / 20; i++) {
		if ((k = find_event(from, type, action)) >= 0)
			return k;
		assert_true(evloop_run_once(fx.loop, 20) >= 0);
	}
	return find_event(from, type, action);
}

static char *
slurp(const char *name)
{
	static char text[16384];
	FILE *f;
	size_t n;

	(void)evloop_run_once(fx.loop, 0); /* the turn's end writes the log */
	path_of(name);
	text[0] = '\0';
	if ((f = fopen(fx.path, "r")) == NULL)
		return text;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static int
trigger(unsigned rule_id, const char *srcip, const char *user)
{
	struct ar_trigger t = {
	    .rule = {.id = rule_id, .level = 10, .groups = "test,"},
	    .srcip = srcip,
	    .user = user,
	    .location = "/var/log/auth.log",
	    .alert_id = "1700000000.42",
	    .alert_json = NULL,
	};

	return ar_dispatch_trigger(fx.d, &t);
}

static void
test_block_extend_lift(void **state)
{
	int b, u, k;

	(void)state;
	assert_int_equal(trigger(100, "192.0.2.6", "root"), 1);
	assert_int_equal(fx.ev[0].type, AR_EV_BLOCK);
	assert_string_equal(fx.ev[0].addr, "192.0.2.6");
	assert_int_equal(fx.ev[0].timeout_s, 1);
	assert_true(wait_event(0, AR_EV_DONE, "add", 3000) > 0);
	assert_string_equal(
	    slurp("ar/recorder.log"), "IN:add 192.0.2.6\nREPLY:continue\n");
	/* A second trigger while blocked extends, is no new offence, and
	 * runs no program. */
	b = (int)fx.nev;
	assert_int_equal(trigger(100, "192.0.2.6", NULL), 1);
	assert_int_equal(fx.ev[b].type, AR_EV_EXTEND);
	assert_int_equal(fx.ev[b].offences, 1);
	assert_int_equal(ar_dispatch_pending(fx.d), 0);
	/* Lifted within a second of its deadline, never before it. */
	u = wait_event((size_t)b, AR_EV_UNBLOCK, NULL, 5000);
	assert_true(u > b);
	assert_true(fx.ev[u].now_ms >= fx.ev[b].expires_ms);
	assert_true(fx.ev[u].now_ms - fx.ev[b].expires_ms < 1000);
	assert_true(wait_event((size_t)u, AR_EV_DONE, "delete", 3000) > u);
	assert_non_null(
	    strstr(slurp("ar/recorder.log"), "IN:delete 192.0.2.6"));
	/* Within the grace (3 s) after the lift: the same attack, blocked
	 * again for the first offence's time. */
	k = (int)fx.nev;
	assert_int_equal(trigger(100, "192.0.2.6", NULL), 1);
	assert_int_equal(fx.ev[k].type, AR_EV_BLOCK);
	assert_int_equal(fx.ev[k].timeout_s, 1);
	assert_int_equal(fx.ev[k].offences, 1);
	u = wait_event((size_t)k, AR_EV_UNBLOCK, NULL, 5000);
	assert_true(u > k);
	/* After the grace: a new attack, the repeated_offenders step. */
	usleep(3200 * 1000);
	k = (int)fx.nev;
	assert_int_equal(trigger(100, "192.0.2.6", NULL), 1);
	assert_int_equal(fx.ev[k].type, AR_EV_BLOCK);
	assert_int_equal(fx.ev[k].timeout_s, 2);
	assert_int_equal(fx.ev[k].offences, 2);
	assert_true(wait_event((size_t)k, AR_EV_DONE, "add", 3000) > k);
	slurp("active-responses.log");
	assert_non_null(strstr(slurp("active-responses.log"),
	    "arx-ar: rec add 192.0.2.6 rule 100 alert 1700000000.42 timeout 1"));
	assert_non_null(strstr(slurp("active-responses.log"),
	    "arx-ar: rec extend 192.0.2.6 rule 100"));
	assert_non_null(strstr(
	    slurp("active-responses.log"), "arx-ar: rec delete 192.0.2.6"));
}

static void
test_whitelist(void **state)
{
	int n;

	(void)state;
	assert_int_equal(trigger(100, "127.0.0.1", NULL), 0);
	assert_int_equal(trigger(100, "::ffff:127.0.0.1", NULL), 0);
	assert_int_equal(trigger(100, "2001:db8:ffff::5", NULL), 0);
	assert_int_equal(fx.nev, 3);
	for (n = 0; n < 3; n++)
		assert_int_equal(fx.ev[n].type, AR_EV_WHITELIST);
	assert_int_equal(ar_dispatch_pending(fx.d), 0);
	assert_non_null(strstr(slurp("active-responses.log"),
	    "arx-ar: rec whitelisted 127.0.0.1 rule 100"));
	/* Just outside the block: blocked. */
	assert_int_equal(trigger(100, "2001:db8:fffe::5", NULL), 1);
	assert_int_equal(fx.ev[3].type, AR_EV_BLOCK);
	/* A response that opted out of the white list still runs. */
	assert_int_equal(trigger(104, "127.0.0.1", NULL), 1);
	assert_int_equal(fx.ev[4].type, AR_EV_BLOCK);
	assert_string_equal(fx.ev[4].command, "notify");
}

static void
test_legacy(void **state)
{
	(void)state;
	assert_int_equal(trigger(101, "192.0.2.7", "admin"), 1);
	assert_true(wait_event(0, AR_EV_DONE, "add", 3000) > 0);
	assert_string_equal(slurp("ar/recorder.log"),
	    "add|admin|192.0.2.7|1700000000.42|101|/var/log/auth.log|-\n");
}

static void
test_failures(void **state)
{
	struct ar_dispatch_stats st;
	int f;

	(void)state;
	assert_int_equal(trigger(102, "192.0.2.8", NULL), 1);
	f = wait_event(0, AR_EV_FAIL, NULL, 3000);
	assert_true(f > 0);
	assert_non_null(strstr(
	    slurp("active-responses.log"), "arx-ar: failing fail 192.0.2.8"));
	/* A failed add is not in force: the next offence runs it again. */
	assert_int_equal(trigger(102, "192.0.2.8", NULL), 1);
	assert_int_equal(fx.ev[fx.nev - 1].type, AR_EV_BLOCK);
	/* A hung program is killed at its limit. */
	assert_int_equal(trigger(103, "192.0.2.9", NULL), 1);
	for (f = 0; f < 250 && ar_dispatch_pending(fx.d) > 0; f++)
		assert_true(evloop_run_once(fx.loop, 20) >= 0);
	ar_dispatch_stats(fx.d, &st);
	assert_int_equal(st.runs_timed_out, 1);
	assert_int_equal(st.failed, 3);
}

static void
test_refused(void **state)
{
	struct ar_dispatch_stats st;

	(void)state;
	assert_int_equal(trigger(100, "192.0.2.1; rm -rf /", NULL), 0);
	assert_int_equal(trigger(100, "192.0.2.1", "x$(id)"), 0);
	assert_int_equal(trigger(999, "192.0.2.1", NULL), 0);
	/* location all needs agents: nothing on a single host. */
	assert_int_equal(trigger(105, "192.0.2.1", NULL), 0);
	assert_int_equal(fx.nev, 2);
	assert_int_equal(fx.ev[0].type, AR_EV_REFUSED);
	assert_int_equal(fx.ev[1].type, AR_EV_REFUSED);
	/* No peer sends from these: never blocked (loopback and link-local
	 * only with <block_local>). */
	assert_int_equal(trigger(100, "0.0.0.0", NULL), 0);
	assert_int_equal(trigger(100, "255.255.255.255", NULL), 0);
	assert_int_equal(trigger(100, "ff02::1", NULL), 0);
	assert_int_equal(trigger(100, "127.0.0.2", NULL), 0);
	assert_int_equal(trigger(100, "fe80::1", NULL), 0);
	assert_int_equal(fx.nev, 7);
	assert_int_equal(fx.ev[6].type, AR_EV_REFUSED);
	assert_string_equal(fx.ev[6].addr, "fe80::1");
	ar_dispatch_stats(fx.d, &st);
	assert_int_equal(st.refused, 7);
	assert_int_equal(st.table.active, 0);
}

static void
test_manual(void **state)
{
	struct ar_dispatch_stats st;
	const char *why;
	int u;

	(void)state;
	assert_int_equal(ar_dispatch_block(fx.d, NULL, "198.51.100.4", 60,
			     AR_ORIGIN_MANUAL, &why),
	    1);
	assert_string_equal(fx.ev[0].command, "rec");
	assert_int_equal(fx.ev[0].timeout_s, 60);
	assert_int_equal(ar_dispatch_block(fx.d, "nope", "198.51.100.4", 60,
			     AR_ORIGIN_MANUAL, &why),
	    ARX_ERR_NOTFOUND);
	assert_int_equal(ar_dispatch_block(fx.d, NULL, "127.0.0.1", 60,
			     AR_ORIGIN_MANUAL, &why),
	    ARX_ERR_INVAL);
	assert_string_equal(why, "the address is white-listed");
	assert_int_equal(ar_dispatch_block(fx.d, NULL, "300.1.1.1", 60,
			     AR_ORIGIN_MANUAL, &why),
	    ARX_ERR_INVAL);
	assert_int_equal(ar_dispatch_unblock(fx.d, NULL, "198.51.100.4", 0), 1);
	u = wait_event(0, AR_EV_UNBLOCK, NULL, 100);
	assert_true(u > 0);
	assert_true(wait_event((size_t)u, AR_EV_DONE, "delete", 3000) > u);
	assert_int_equal(ar_dispatch_unblock(fx.d, NULL, "198.51.100.4", 0),
	    ARX_ERR_NOTFOUND);
	/* A manager's delete lifts only what a manager placed: a manual
	 * block stays (the trial's agent lifted any block it was asked). */
	assert_int_equal(ar_dispatch_block(fx.d, "rec", "198.51.100.9", 60,
			     AR_ORIGIN_MANUAL, &why),
	    1);
	assert_int_equal(
	    ar_dispatch_unblock(fx.d, NULL, "198.51.100.9", AR_ORIGIN_MANAGER),
	    ARX_ERR_PERM);
	assert_int_equal(ar_dispatch_block(fx.d, "rec", "198.51.100.10", 60,
			     AR_ORIGIN_MANAGER, &why),
	    1);
	assert_int_equal(
	    ar_dispatch_unblock(fx.d, NULL, "198.51.100.10", AR_ORIGIN_MANAGER),
	    1);
	ar_dispatch_stats(fx.d, &st);
	assert_int_equal(st.table.active, 1); /* the manual one */
}

static void
test_restart(void **state)
{
	int k;
	const char *why;
	int64_t deadline, overdue_at;
	int u;

	(void)state;
	assert_int_equal(ar_dispatch_block(fx.d, "rec", "203.0.113.5", 2,
			     AR_ORIGIN_MANUAL, &why),
	    1);
	assert_int_equal(ar_dispatch_block(fx.d, "rec", "2001:db8::5", 1,
			     AR_ORIGIN_MANUAL, &why),
	    1);
	deadline = fx.ev[0].expires_ms;
	overdue_at = fx.ev[1].expires_ms;
	assert_true(wait_event(0, AR_EV_DONE, "add", 3000) >= 0);
	/* As after SIGKILL: nothing lifted, the state is only on disk. */
	ar_dispatch_free(fx.d);
	fx.d = NULL;
	usleep(1200 * 1000);
	fx.nev = 0;
	assert_int_equal(start(), 0);
	/* the journal kept who placed them: not a manager's to lift */
	assert_int_equal(
	    ar_dispatch_unblock(fx.d, NULL, "203.0.113.5", AR_ORIGIN_MANAGER),
	    ARX_ERR_PERM);
	/* The overdue block goes at once, the other at its own deadline. */
	u = wait_event(0, AR_EV_UNBLOCK, NULL, 200);
	assert_true(u >= 0);
	assert_string_equal(fx.ev[u].addr, "2001:db8::5");
	assert_true(fx.ev[u].now_ms >= overdue_at);
	u = wait_event((size_t)u + 1, AR_EV_UNBLOCK, NULL, 3000);
	assert_true(u >= 0);
	assert_string_equal(fx.ev[u].addr, "203.0.113.5");
	assert_true(fx.ev[u].now_ms >= deadline);
	assert_true(fx.ev[u].now_ms - deadline < 1000);
	/* its delete's report, not the overdue one's (which may come later
	 * than this lift on a busy machine) */
	for (k = 0; k < 50 &&
	     strstr(slurp("ar/recorder.log"), "IN:delete 203.0.113.5") == NULL;
	     k++)
		(void)wait_event(fx.nev, AR_EV_DONE, "delete", 100);
	assert_non_null(
	    strstr(slurp("ar/recorder.log"), "IN:delete 203.0.113.5"));
}

static size_t
count_of(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* At arxd's start a block of the journal goes back through its program
 * (its add again, counted, not logged to active-responses.log again and
 * not taken out of the table if it failed); a dispatcher rebuilt
 * without ar_dispatch_restore (a reload) runs nothing. */
static void
test_restore(void **state)
{
	const char *why;
	struct ar_dispatch_stats st;

	(void)state;
	assert_int_equal(ar_dispatch_block(fx.d, "rec", "203.0.113.5", 600,
			     AR_ORIGIN_MANUAL, &why),
	    1);
	assert_true(wait_event(0, AR_EV_DONE, "add", 3000) >= 0);
	ar_dispatch_free(fx.d);
	fx.d = NULL;
	assert_int_equal(start(), 0); /* a reload: nothing runs */
	for (int i = 0; i < 10; i++)
		(void)evloop_run_once(fx.loop, 20);
	assert_int_equal(
	    count_of(slurp("ar/recorder.log"), "IN:add 203.0.113.5"), 1);
	ar_dispatch_free(fx.d);
	fx.d = NULL;
	assert_int_equal(start(), 0); /* a start */
	assert_int_equal(ar_dispatch_restore(fx.d), 1);
	for (int i = 0; i < 150 && ar_dispatch_restoring(fx.d) > 0; i++)
		assert_true(evloop_run_once(fx.loop, 20) >= 0);
	assert_int_equal(ar_dispatch_restoring(fx.d), 0);
	assert_int_equal(
	    count_of(slurp("ar/recorder.log"), "IN:add 203.0.113.5"), 2);
	assert_int_equal(
	    count_of(slurp("active-responses.log"), "rec add 203.0.113.5"), 1);
	ar_dispatch_stats(fx.d, &st);
	assert_int_equal(st.kernel.reapplied, 1);
	assert_int_equal(st.table.active, 1);
}

/* A lifted block's offence count survives restarts (its off record is
 * journaled, and kept when the journal is compacted at start). */
static void
test_repeat_offender_restart(void **state)
{
	int u, k, round;

	(void)state;
	assert_int_equal(trigger(100, "198.51.100.9", NULL), 1);
	u = wait_event(0, AR_EV_UNBLOCK, NULL, 3000);
	assert_true(u > 0);
	assert_true(wait_event((size_t)u, AR_EV_DONE, "delete", 3000) > u);
	for (round = 0; round < 2; round++) {
		ar_dispatch_free(fx.d);
		fx.d = NULL;
		fx.nev = 0;
		assert_int_equal(start(), 0);
	}
	assert_non_null(
	    strstr(slurp("blocks.journal"), "off rec 198.51.100.9 1 "));
	k = (int)fx.nev;
	assert_int_equal(trigger(100, "198.51.100.9", NULL), 1);
	assert_int_equal(fx.ev[k].type, AR_EV_BLOCK);
	assert_int_equal(fx.ev[k].offences, 2);
	assert_int_equal(fx.ev[k].timeout_s, 2);
}

/* Each program arxd would refuse to run as root, and why (fx.dir/ar is
 * the response directory; fx.dir/ar/recorder is a link to a good one). */
static void
test_program_refused(void **state)
{
	static const struct {
		const char *exe; /* relative to fx.dir, or absolute */
		mode_t mode;     /* 0: do not create */
		const char *why;
	} rows[] = {
	    {"ar/none", 0, "does not exist"},
	    {"/nonexistent/x", 0,
		"is outside the response directory (<active_response_dir>)"},
	    {"other/prog", 0755,
		"is outside the response directory (<active_response_dir>)"},
	    {"ar/plain", 0644, "is not executable"},
	    {"ar/gw", 0775, "can be written by group or others"},
	    {"ar/ow", 0757, "can be written by group or others"},
	    {"ar/subdir", 0, "is not a regular file"},
	};
	struct ar_dispatch_opts o = {.loop = fx.loop, .clock = clock_real()};
	char text[1024], path[256], want[512];
	struct log_capture cap;
	struct arx_conf *conf;
	struct ar_dispatch *d;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/other", fx.dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/ar/subdir", fx.dir);
	assert_int_equal(mkdir(path, 0755), 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].exe[0] == '/')
			snprintf(path, sizeof(path), "%s", rows[i].exe);
		else
			snprintf(
			    path, sizeof(path), "%s/%s", fx.dir, rows[i].exe);
		if (rows[i].mode != 0) {
			FILE *f = fopen(path, "w");

			assert_non_null(f);
			fputs("#!/bin/sh\n", f);
			fclose(f);
			assert_int_equal(chmod(path, rows[i].mode), 0);
		}
		snprintf(text, sizeof(text),
		    "<arx_config><command><name>x</name><executable>%s"
		    "</executable></command><active-response><command>x"
		    "</command><location>local</location><rules_id>1"
		    "</rules_id></active-response><daemon>"
		    "<active_response_dir>%s/ar/</active_response_dir>"
		    "</daemon></arx_config>",
		    path, fx.dir);
		assert_int_equal(
		    conf_load_mem("x.conf", text, strlen(text), &conf), 0);
		o.conf = conf;
		capture_start(&cap);
		assert_int_equal(ar_dispatch_new(&o, &d), ARX_ERR_CONFIG);
		capture_stop();
		snprintf(want, sizeof(want),
		    "x.conf:1: command 'x': program %s %s", path, rows[i].why);
		assert_captured(&cap, want);
		conf_free(conf);
	}
}

/* Responses for agents (a manager): <location> decides who gets them,
 * and a repeat offender's block sent to agents escalates like a block
 * here. */
struct sent_log {
	char what[8][96];
	size_t n;
};

static void
on_remote_capture(const struct ar_remote *r, void *ctx)
{
	struct sent_log *l = ctx;

	if (l->n < 8)
		snprintf(l->what[l->n++], sizeof(l->what[0]),
		    "%d %s %s %s %llu #%u", (int)r->to,
		    r->agent ? r->agent : "-", r->command, r->addr,
		    (unsigned long long)r->timeout_s, r->offences);
}

static void
test_remote_routes(void **state)
{
	static const char text[] =
	    "<arx_config><command><name>fw</name><executable>fw"
	    "</executable><timeout_allowed>yes</timeout_allowed></command>"
	    "<active-response><command>fw</command><location>local"
	    "</location><rules_id>100</rules_id><timeout>10</timeout>"
	    "<repeated_offenders>60,120</repeated_offenders>"
	    "</active-response><active-response><command>fw</command>"
	    "<location>all</location><rules_id>101</rules_id>"
	    "<timeout>5</timeout></active-response><active-response>"
	    "<command>fw</command><location>defined-agent</location>"
	    "<agent_id>003, db01,7</agent_id><rules_id>102</rules_id>"
	    "<timeout>5</timeout></active-response></arx_config>";
	struct sent_log l = {0};
	struct evloop *loop = evloop_new(clock_real());
	struct ar_dispatch_opts o = {.loop = loop,
	    .clock = clock_real(),
	    .dry_run = true,
	    .remote = on_remote_capture,
	    .ctx = &l};
	struct ar_rule r100 = {.id = 100, .level = 10, .groups = "t,"};
	struct ar_rule r101 = {.id = 101, .level = 10, .groups = "t,"};
	struct ar_rule r102 = {.id = 102, .level = 10, .groups = "t,"};
	struct ar_trigger t = {.rule = r100,
	    .srcip = "192.0.2.6",
	    .location = "(web01) 192.0.2.1->/var/log/auth.log"};
	struct ar_dispatch_stats st;
	struct arx_conf *conf;
	struct ar_dispatch *d;

	(void)state;
	assert_int_equal(conf_load_mem("r.conf", text, strlen(text), &conf), 0);
	o.conf = conf;
	assert_int_equal(ar_dispatch_new(&o, &d), 0);
	/* local, an agent's event: to that agent, not here; twice: the
	 * second comes while the first block runs on the agent, so it is
	 * the same attack (10 s again, no new offence). */
	assert_int_equal(ar_dispatch_trigger(d, &t), 0);
	assert_int_equal(ar_dispatch_trigger(d, &t), 0);
	/* local, this host's own event: here only. */
	t.location = "/var/log/auth.log";
	assert_int_equal(ar_dispatch_trigger(d, &t), 1);
	/* all: every agent, not here. */
	t.rule = r101;
	t.srcip = "198.51.100.7";
	assert_int_equal(ar_dispatch_trigger(d, &t), 0);
	/* defined-agent with a list: each id or name, not here. */
	t.rule = r102;
	t.srcip = "198.51.100.8";
	assert_int_equal(ar_dispatch_trigger(d, &t), 0);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.what[0], "1 web01 fw 192.0.2.6 10 #1");
	assert_string_equal(l.what[1], "1 web01 fw 192.0.2.6 10 #1");
	assert_string_equal(l.what[2], "3 - fw 198.51.100.7 5 #1");
	assert_string_equal(l.what[3], "2 003 fw 198.51.100.8 5 #1");
	assert_string_equal(l.what[4], "1 db01 fw 198.51.100.8 5 #1");
	assert_string_equal(l.what[5], "2 7 fw 198.51.100.8 5 #1");
	ar_dispatch_stats(d, &st);
	assert_int_equal(st.table.active, 1); /* the host's own event only */
	/* another manager's offences (<cluster>): 2 of 203.0.113.9 under
	 * fw; its next offence here is the third (120 min), a lower count
	 * changes nothing, an unknown command or a non-address is refused */
	assert_int_equal(ar_dispatch_offence(d, "fw", "203.0.113.9", 2,
			     clock_wall_ms(clock_real()) - 7300 * 1000),
	    1);
	assert_int_equal(ar_dispatch_offence(d, "fw", "203.0.113.9", 1, 0), 0);
	assert_int_equal(ar_dispatch_offence(d, "nope", "203.0.113.9", 3, 0),
	    ARX_ERR_NOTFOUND);
	assert_int_equal(ar_dispatch_offence(d, "fw", "203.0.113.0/24", 3, 0),
	    ARX_ERR_INVAL);
	t.rule = r100;
	t.srcip = "203.0.113.9";
	t.location = "(web01) 192.0.2.1->/var/log/auth.log";
	assert_int_equal(ar_dispatch_trigger(d, &t), 0);
	assert_int_equal(l.n, 7);
	assert_string_equal(l.what[6], "1 web01 fw 203.0.113.9 7200 #3");
	ar_dispatch_stats(d, &st);
	assert_int_equal(st.fleet_offences, 1);
	ar_dispatch_free(d);
	evloop_free(loop);
	conf_free(conf);
}

/* The journal near a 4 KiB file size limit: the blocks still run, one
 * error (with the cause) and one fail line, then, with the limit gone,
 * the rewrite within its 5 s period: a recovered line, every block in
 * the file. */
static void
test_journal_full(void **state)
{
	char junk[4000], ip[32];
	struct ar_dispatch_stats st;
	struct rlimit old, lim;
	struct log_capture lc;
	const char *why, *text;
	int fd, i;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	path_of("blocks.journal");
	memset(junk, '#', sizeof(junk));
	fd = open(fx.path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
	close(fd);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	capture_start(&lc);
	for (i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		assert_int_equal(ar_dispatch_block(fx.d, "rec", ip, 60,
				     AR_ORIGIN_MANUAL, &why),
		    1);
	}
	for (i = 0; i < 5; i++)
		assert_true(wait_event(0, AR_EV_DONE, "add", 3000) >= 0);
	capture_stop();
	assert_int_equal(lc.nerrors, 1);
	assert_captured(&lc,
	    "blocks.journal: cannot write: File too large; "
	    "blocks go on");
	ar_dispatch_stats(fx.d, &st);
	assert_true(st.journal_errors >= 4);
	assert_int_equal(st.table.active, 5);
	text = slurp("active-responses.log");
	assert_int_equal(count_of(text, "arx-journal fail - error "), 1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	for (i = 0; i < 400 &&
	     !strstr(slurp("active-responses.log"), "arx-journal recovered");
	     i++)
		(void)evloop_run_once(fx.loop, 20);
	assert_non_null(
	    strstr(slurp("active-responses.log"), "arx-journal recovered"));
	text = slurp("blocks.journal");
	assert_int_equal(count_of(text, "add rec 198.51.100."), 5);
	assert_null(strchr(text, '#'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_block_extend_lift, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_whitelist, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_legacy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manual, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_repeat_offender_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_program_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_remote_routes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
