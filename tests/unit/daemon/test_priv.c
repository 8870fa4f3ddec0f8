/*
 * The privilege boundary: the codec of the analysis child's messages
 * (every truncation and every kind of damage refused, with a reason),
 * and the root side's answers run against a dry-run dispatcher: forged
 * and malformed requests are refused and logged, a trigger can only
 * start a configured response on a parsed, non-white-listed address.
 */
#define _GNU_SOURCE /* memmem */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "ar/blocklist.h"
#include "ar/dispatch.h"
#include "core/clock.h"
#include "core/err.h"
#include "daemon/child.h"
#include "transport/priv.h"

static const struct priv_trigger good = {
    .rule_id = 5712,
    .level = 10,
    .groups = "syslog,sshd,authentication_failures,",
    .srcip = "192.0.2.6",
    .user = "guest",
    .location = "/var/log/auth.log",
    .alert_id = "1795349005.1",
    .alert_json = "{\"rule\":{\"id\":\"5712\"}}",
};

static void
test_roundtrip(void **state)
{
	static struct counters st;
	static struct priv_msg m;
	const char *why;
	struct buf b;
	char name[16];
	size_t i;

	(void)state;
	buf_init(&b, PRIV_MSG_MAX);
	assert_int_equal(priv_put_trigger(&b, &good), 0);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), 0);
	assert_int_equal(m.type, PRIV_TRIGGER);
	assert_int_equal(m.trigger.rule_id, 5712);
	assert_int_equal(m.trigger.level, 10);
	assert_string_equal(m.trigger.srcip, "192.0.2.6");
	assert_string_equal(m.trigger.user, "guest");
	assert_string_equal(m.trigger.alert_json, good.alert_json);
	counters_clear(&st);
	for (i = 0; i < COUNTERS_MAX; i++) {
		snprintf(name, sizeof(name), "c_%zu", i);
		assert_int_equal(
		    counters_add(&st, name, (uint64_t)i << 40 | i), 0);
	}
	assert_int_equal(priv_put_stats(&b, &st), 0);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), 0);
	assert_int_equal(m.type, PRIV_STATS);
	assert_true(counters_same(&m.stats, &st));
	assert_int_equal(priv_put_ready(&b), 0);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), 0);
	assert_int_equal(m.type, PRIV_READY);
	buf_release(&b);
}

/* Counters as rows: a bad name, a name twice and too many rows are
 * each refused with a reason. */
static void
test_stats_bad(void **state)
{
	static struct counters st;
	static struct priv_msg m;
	const char *why;
	struct buf b;
	char *p;

	(void)state;
	buf_init(&b, PRIV_MSG_MAX);
	counters_clear(&st);
	assert_int_equal(counters_add(&st, "lines", 1), 0);
	assert_int_equal(counters_add(&st, "linez", 2), 0);
	assert_int_equal(priv_put_stats(&b, &st), 0);
	p = memmem(b.data, b.len, "linez", 5);
	assert_non_null(p);
	p[4] = 's'; /* "lines" twice */
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "stats: a counter named twice");
	p[0] = 'L';
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "stats: bad counter name or label");
	p[0] = 'l';
	p = b.data + 8; /* the count */
	p[0] = (char)((COUNTERS_MAX + 1) & 0xff);
	p[1] = (char)((COUNTERS_MAX + 1) >> 8);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "stats: too many counters");
	buf_release(&b);
}

/* Labelled rows and the root's counters (PRIV_ROOT_STATS) round-trip;
 * a label key or value out of shape, a family with and without labels
 * and a repeated label set are refused, whichever way they travel. */
static void
test_root_stats(void **state)
{
	static struct counters st;
	static struct priv_msg m;
	const char *why;
	struct buf b;
	char *p;

	(void)state;
	buf_init(&b, PRIV_MSG_MAX);
	counters_clear(&st);
	assert_int_equal(counters_add(&st, "blocks_active", 2), 0);
	assert_int_equal(counters_add_l(&st, "responses", "command", "rec",
			     "outcome", "block", 5),
	    0);
	assert_int_equal(counters_add_l(&st, "responses", "command", "rec",
			     "outcome", "blocc", 6),
	    0);
	assert_int_equal(priv_put_root_stats(&b, &st), 0);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), 0);
	assert_int_equal(m.type, PRIV_ROOT_STATS);
	assert_true(counters_same(&m.stats, &st));
	assert_string_equal(m.stats.row[1].label[1].value, "block");
	/* the same label set twice */
	p = memmem(b.data, b.len, "blocc", 5);
	assert_non_null(p);
	p[4] = 'k';
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "stats: a counter named twice");
	/* a control character in a value, an upper-case key */
	p[4] = '\n';
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "stats: bad counter name or label");
	p[4] = 'c';
	p = memmem(b.data, b.len, "outcome", 7);
	p[0] = 'O';
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "stats: bad counter name or label");
	p[0] = 'o';
	/* a family both with labels and without */
	p = memmem(b.data, b.len, "blocks_active", 13);
	memcpy(p, "responses\0\0\0\0", 13);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_non_null(why);
	buf_release(&b);
}

/* Every proper prefix of a valid message, and the message with one
 * more byte, is refused with a reason. */
static void
test_truncated(void **state)
{
	struct priv_msg m;
	const char *why;
	struct buf b;
	size_t n;

	(void)state;
	buf_init(&b, PRIV_MSG_MAX);
	assert_int_equal(priv_put_trigger(&b, &good), 0);
	for (n = 0; n < b.len; n++) {
		assert_int_equal(
		    priv_parse(b.data, n, &m, &why), ARX_ERR_INVAL);
		assert_non_null(why);
	}
	assert_int_equal(buf_putc(&b, 'x'), 0);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "trailing bytes");
	buf_release(&b);
}

static void
expect_bad(struct buf *b, size_t off, unsigned char byte, const char *want)
{
	struct priv_msg m;
	const char *why;
	unsigned char old = (unsigned char)b->data[off];

	b->data[off] = (char)byte;
	assert_int_equal(priv_parse(b->data, b->len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, want);
	b->data[off] = (char)old;
}

static void
test_damaged(void **state)
{
	struct priv_trigger t = good;
	struct buf b;

	(void)state;
	buf_init(&b, PRIV_MSG_MAX);
	assert_int_equal(priv_put_trigger(&b, &good), 0);
	expect_bad(&b, 0, 9, "unknown version");
	expect_bad(&b, 4, 77, "unknown message type");
	expect_bad(&b, 12, 17, "trigger: level outside 0-16");
	expect_bad(&b, 16, 1, "trigger: unknown options");
	/* groups: length at 20, text from 24; a NUL inside, none at the
	 * end, a length past the end */
	expect_bad(&b, 26, 0, "trigger: bad groups");
	expect_bad(&b, 24 + strlen(good.groups), 'x', "trigger: bad groups");
	expect_bad(&b, 23, 0x7f, "trigger: bad groups");
	t.rule_id = 0;
	assert_int_equal(priv_put_trigger(&b, &t), 0);
	expect_bad(&b, 0, 1, "trigger: rule id outside 1-99999999");
	t = good;
	t.srcip = NULL; /* absent fields travel as empty strings */
	t.user = NULL;
	assert_int_equal(priv_put_trigger(&b, &t), 0);
	t.srcip = "x";
	{
		char big[PRIV_FIELD_MAX + 2];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		t.user = big;
		assert_int_equal(priv_put_trigger(&b, &t), ARX_ERR_TOOBIG);
	}
	buf_release(&b);
}

/* ---- the root side's answers ---- */

static const char conf_text[] =
    "<arx_config><command><name>fw</name><executable>fw</executable>"
    "<timeout_allowed>yes</timeout_allowed></command>"
    "<active-response><command>fw</command><location>local"
    "</location><rules_id>5712</rules_id><timeout>10m</timeout>"
    "</active-response><global><white_list>198.51.100.10</white_list>"
    "</global></arx_config>";

struct rig {
	struct fake_clock fc;
	struct arx_conf *conf;
	struct evloop *loop;
	struct ar_dispatch *d;
	struct child *c;
	struct buf b;
	struct log_capture cap;
};

static void
rig_open(struct rig *g)
{
	struct ar_dispatch_opts o = {.dry_run = true};

	fake_clock_init(&g->fc, 1795349005000);
	assert_int_equal(
	    conf_load_mem("c.conf", conf_text, strlen(conf_text), &g->conf), 0);
	assert_non_null(g->loop = evloop_new(&g->fc.base));
	o.conf = g->conf, o.loop = g->loop, o.clock = &g->fc.base;
	assert_int_equal(ar_dispatch_new(&o, &g->d), 0);
	assert_non_null(g->c = child_new_detached(g->d));
	buf_init(&g->b, PRIV_MSG_MAX);
	capture_start(&g->cap);
}

static void
rig_close(struct rig *g)
{
	capture_stop();
	buf_release(&g->b);
	child_free_detached(g->c);
	ar_dispatch_free(g->d);
	evloop_free(g->loop);
	conf_free(g->conf);
}

static int
send_trigger(struct rig *g, const struct priv_trigger *t)
{
	assert_int_equal(priv_put_trigger(&g->b, t), 0);
	return child_answer(g->c, g->b.data, g->b.len);
}

static size_t
active(struct rig *g)
{
	struct ar_dispatch_stats st;

	ar_dispatch_stats(g->d, &st);
	return st.table.active;
}

static void
test_answers(void **state)
{
	static struct counters rows;
	struct rig g;
	struct priv_trigger t = good;
	struct ar_dispatch_stats st;

	(void)state;
	rig_open(&g);
	/* Nothing is taken before the child said it is ready. */
	assert_int_equal(send_trigger(&g, &good), ARX_ERR_INVAL);
	assert_non_null(strstr(g.cap.text, "trigger before ready"));
	assert_int_equal(priv_put_ready(&g.b), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), ARX_ERR_INVAL);
	assert_non_null(strstr(g.cap.text, "ready twice"));
	/* Garbage is a protocol violation, and so is a message only the
	 * root sends. */
	assert_int_equal(child_answer(g.c, "rm -rf /", 8), ARX_ERR_INVAL);
	counters_clear(&rows);
	assert_int_equal(priv_put_root_stats(&g.b, &rows), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), ARX_ERR_INVAL);
	assert_non_null(
	    strstr(g.cap.text, "a message only the root process sends"));
	assert_non_null(strstr(g.cap.text, "broke the protocol"));
	/* Forged addresses and user names reach no table. */
	t.srcip = "192.0.2.6; iptables -F";
	assert_int_equal(send_trigger(&g, &t), 0);
	t.srcip = "192.0.2.6";
	t.user = "-rf";
	assert_int_equal(send_trigger(&g, &t), 0);
	t = good;
	t.srcip = "198.51.100.10"; /* white-listed */
	assert_int_equal(send_trigger(&g, &t), 0);
	t.srcip = "192.0.2.7";
	t.rule_id = 5710; /* no response is bound to it */
	assert_int_equal(send_trigger(&g, &t), 0);
	t.rule_id = 5712;
	t.options = 0x02; /* no_ar */
	assert_int_equal(send_trigger(&g, &t), 0);
	assert_int_equal(active(&g), 0);
	/* The one proper request blocks, by the root side's command. */
	assert_int_equal(send_trigger(&g, &good), 0);
	assert_int_equal(active(&g), 1);
	ar_dispatch_stats(g.d, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.whitelisted, 1);
	/* the same, as the rows arx status and /metrics read */
	counters_clear(&rows);
	child_root_counters(g.c, &rows);
	assert_int_equal(counters_get(&rows, "blocks_active"), 1);
	assert_int_equal(counters_get(&rows, "analysis_violations"), 4);
	rig_close(&g);
}

/* A response request (what an agent's child relays from its manager):
 * it round-trips, is refused when malformed, and this host is no agent
 * (no <client>), so even a well-formed one is a violation here. */
static void
test_response_request(void **state)
{
	struct priv_response r = {.target = PRIV_HERE,
	    .agent = "",
	    .command = "firewall-drop",
	    .action = "add",
	    .address = "192.0.2.9",
	    .timeout_s = 600,
	    .rule_id = 5712,
	    .alert_id = ""};
	struct priv_msg m;
	const char *why;
	struct rig g;

	(void)state;
	rig_open(&g);
	assert_int_equal(priv_put_response(&g.b, &r), 0);
	assert_int_equal(priv_parse(g.b.data, g.b.len, &m, &why), 0);
	assert_int_equal(m.type, PRIV_RESPONSE);
	assert_string_equal(m.response.address, "192.0.2.9");
	assert_int_equal(m.response.timeout_s, 600);
	r.action = "flush";
	assert_int_equal(priv_put_response(&g.b, &r), 0);
	assert_int_equal(
	    priv_parse(g.b.data, g.b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "response: action is not add or delete");
	r.action = "add";
	r.command = "fw; reboot";
	assert_int_equal(priv_put_response(&g.b, &r), 0);
	assert_int_equal(
	    priv_parse(g.b.data, g.b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "response: command is not a plain name");
	r.command = "firewall-drop";
	assert_int_equal(priv_put_ready(&g.b), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), 0);
	assert_int_equal(priv_put_response(&g.b, &r), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), ARX_ERR_INVAL);
	assert_non_null(strstr(g.cap.text, "this host is not an agent"));
	assert_int_equal(active(&g), 0);
	rig_close(&g);
}

/* Another manager's offence (a <cluster> manager's child): it
 * round-trips and is refused when malformed; this host is in no
 * cluster, so even a well-formed one is a violation here. */
static void
test_offence(void **state)
{
	struct priv_offence o = {.command = "firewall-drop",
	    .address = "192.0.2.9",
	    .count = 2,
	    .last_ms = 1700000000000ull};
	struct priv_msg m;
	const char *why;
	struct rig g;

	(void)state;
	rig_open(&g);
	assert_int_equal(priv_put_offence(&g.b, &o), 0);
	assert_int_equal(priv_parse(g.b.data, g.b.len, &m, &why), 0);
	assert_int_equal(m.type, PRIV_OFFENCE);
	assert_string_equal(m.offence.address, "192.0.2.9");
	assert_int_equal(m.offence.count, 2);
	assert_true(m.offence.last_ms == 1700000000000ull);
	o.count = 0;
	assert_int_equal(priv_put_offence(&g.b, &o), 0);
	assert_int_equal(
	    priv_parse(g.b.data, g.b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "offence: count outside 1-1000");
	o.count = 2;
	o.command = "fw drop";
	assert_int_equal(priv_put_offence(&g.b, &o), 0);
	assert_int_equal(
	    priv_parse(g.b.data, g.b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "offence: command is not a plain name");
	o.command = "firewall-drop";
	assert_int_equal(priv_put_ready(&g.b), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), 0);
	assert_int_equal(priv_put_offence(&g.b, &o), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), ARX_ERR_INVAL);
	assert_non_null(strstr(g.cap.text, "in no cluster"));
	rig_close(&g);
}

/* Responses for agents when the child is busy: its socket fills, and
 * what does not fit waits in order (none lost) until the child reads;
 * before the child is ready they wait too. */
static void
test_response_queue(void **state)
{
	struct ar_remote r = {.to = AR_TO_ALL,
	    .command = "firewall-drop",
	    .timeout_s = 60,
	    .rule_id = 5712,
	    .alert_id = ""};
	static unsigned char msg[PRIV_MSG_MAX + 1];
	char addr[64];
	struct counters rows;
	struct priv_msg m;
	const char *why;
	unsigned got = 0;
	struct rig g;
	int sv[2];
	ssize_t n;

	(void)state;
	rig_open(&g);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	child_detached_socket(g.c, g.loop, sv[0]);
	r.addr = "192.0.2.1"; /* not ready yet: it waits */
	assert_int_equal(child_send_response(g.c, &r), 0);
	assert_int_equal(priv_put_ready(&g.b), 0);
	assert_int_equal(child_answer(g.c, g.b.data, g.b.len), 0);
	for (unsigned i = 2; i <= 3000; i++) {
		snprintf(addr, sizeof(addr), "198.51.%u.%u", i / 250, i % 250);
		r.addr = addr;
		assert_int_equal(child_send_response(g.c, &r), 0);
	}
	counters_clear(&rows);
	child_root_counters(g.c, &rows);
	assert_true(counters_get(&rows, "responses_to_agents_waiting") > 0);
	/* the child reads; the loop sends what waited, in order */
	for (int idle = 0; idle < 50 && got < 3000;) {
		(void)evloop_run_once(g.loop, 10);
		n = recv(sv[1], msg, sizeof(msg), MSG_DONTWAIT);
		if (n <= 0) {
			idle++;
			continue;
		}
		assert_int_equal(priv_parse(msg, (size_t)n, &m, &why), 0);
		got++;
		if (got == 1)
			assert_string_equal(m.response.address, "192.0.2.1");
		else {
			snprintf(addr, sizeof(addr), "198.51.%u.%u", got / 250,
			    got % 250);
			assert_string_equal(m.response.address, addr);
		}
	}
	assert_int_equal(got, 3000);
	counters_clear(&rows);
	child_root_counters(g.c, &rows);
	assert_int_equal(counters_get(&rows, "responses_to_agents_waiting"), 0);
	assert_int_equal(counters_get(&rows, "responses_to_agents_dropped"), 0);
	close(sv[1]);
	rig_close(&g);
}

static void
count_agent(const struct priv_agent *a, void *ctx)
{
	unsigned *n = ctx;

	assert_true(a->id == 1 || a->id == 2);
	(*n)++;
}

/* The manager's agent list: round trip; a bad name or state refused. */
static void
test_agents(void **state)
{
	struct priv_agent a = {.id = 1,
	    .name = "web01",
	    .state = PRIV_AGENT_ACTIVE,
	    .last_seen_ms = 5,
	    .events = 8,
	    .eps = 1,
	    .blocks = 2,
	    .group = "default",
	    .config = PRIV_CONFIG_CURRENT};
	struct priv_msg m;
	const char *why;
	unsigned n = 0;
	struct buf b;

	(void)state;
	buf_init(&b, PRIV_MSG_MAX);
	assert_int_equal(priv_put_agents_begin(&b), 0);
	assert_int_equal(priv_put_agent(&b, &a), 0);
	a.id = 2;
	a.state = PRIV_AGENT_NEVER;
	assert_int_equal(priv_put_agent(&b, &a), 0);
	priv_put_agents_end(&b, 2);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), 0);
	assert_int_equal(m.nagents, 2);
	priv_agents_each(b.data, b.len, count_agent, &n);
	assert_int_equal(n, 2);
	priv_put_agents_end(&b, 3); /* says 3, holds 2 */
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_int_equal(priv_put_agents_begin(&b), 0);
	a.name = "web01\",\"x";
	assert_int_equal(priv_put_agent(&b, &a), 0);
	priv_put_agents_end(&b, 1);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "agents: bad name");
	assert_int_equal(priv_put_agents_begin(&b), 0);
	a.name = "web01";
	a.state = 7;
	assert_int_equal(priv_put_agent(&b, &a), 0);
	priv_put_agents_end(&b, 1);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "agents: unknown state");
	buf_release(&b);
}

static void
count_entry(const char *e, void *ctx)
{
	unsigned *n = ctx;

	assert_true(
	    strcmp(e, "192.0.2.9") == 0 || strcmp(e, "2001:db8::/32") == 0);
	(*n)++;
}

/* A <blocklist> part: round trip; an entry that is no address, too many
 * entries in a part, unknown flags refused. */
static void
test_blocklist_codec(void **state)
{
	struct priv_blocklist h = {1, "spamhaus-drop", PRIV_BL_FIRST, 0};
	static struct priv_msg m;
	const char *why;
	unsigned n = 0;
	struct buf b;

	(void)state;
	buf_init(&b, PRIV_MSG_MAX);
	assert_int_equal(priv_put_blocklist_begin(&b, &h), 0);
	assert_int_equal(priv_put_blocklist_entry(&b, "192.0.2.9"), 0);
	assert_int_equal(priv_put_blocklist_entry(&b, "2001:db8::/32"), 0);
	priv_put_blocklist_end(&b, 2);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), 0);
	assert_int_equal(m.type, PRIV_BLOCKLIST);
	assert_int_equal(m.blocklist.list, 1);
	assert_string_equal(m.blocklist.name, "spamhaus-drop");
	assert_int_equal(m.blocklist.flags, PRIV_BL_FIRST);
	assert_int_equal(m.blocklist.count, 2);
	priv_blocklist_each(b.data, b.len, count_entry, &n);
	assert_int_equal(n, 2);
	priv_put_blocklist_end(&b, 3); /* says 3, holds 2 */
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_int_equal(priv_put_blocklist_begin(&b, &h), 0);
	assert_int_equal(priv_put_blocklist_entry(&b, "1.2.3.4; rm"), 0);
	priv_put_blocklist_end(&b, 1);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "blocklist: an entry is not an address");
	assert_int_equal(priv_put_blocklist_begin(&b, &h), 0);
	priv_put_blocklist_end(&b, PRIV_BL_CHUNK + 1);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "blocklist: too many entries in one part");
	h.flags = 4;
	assert_int_equal(priv_put_blocklist_begin(&b, &h), 0);
	assert_int_equal(priv_parse(b.data, b.len, &m, &why), ARX_ERR_INVAL);
	assert_string_equal(why, "blocklist: unknown flags");
	buf_release(&b);
}

/* The root side's checks of parts (before anything reaches nftables):
 * an unknown list or name, an entry outside a list, an entry that does
 * not parse again, more than <max_entries>. */
static void
test_blocklist_root(void **state)
{
	static const char text[] =
	    "<arx_config><blocklist><name>drop</name><file>/x</file>"
	    "<max_entries>2</max_entries></blocklist></arx_config>\n";
	struct arx_conf *conf;
	struct evloop *loop;
	struct ar_lists *l;

	(void)state;
	assert_int_equal(conf_load_mem("b.conf", text, strlen(text), &conf), 0);
	assert_non_null(loop = evloop_new(clock_real()));
	assert_non_null(l = ar_lists_new(loop));
	assert_int_equal(ar_lists_configure(l, conf), 0);
	assert_string_equal(
	    ar_lists_begin(l, 1, "drop", true), "blocklist: no such list");
	assert_string_equal(
	    ar_lists_begin(l, 0, "other", true), "blocklist: no such list");
	assert_string_equal(ar_lists_entry(l, 0, "192.0.2.1"),
	    "blocklist: an entry outside a list");
	assert_string_equal(ar_lists_begin(l, 0, "drop", false),
	    "blocklist: a part without its first");
	assert_null(ar_lists_begin(l, 0, "drop", true));
	assert_string_equal(ar_lists_entry(l, 0, "192.0.2.300"),
	    "blocklist: an entry is not an address or network");
	assert_string_equal(ar_lists_entry(l, 0, "10.1.2.3/8"),
	    "blocklist: an entry is not an address or network");
	assert_null(ar_lists_entry(l, 0, "192.0.2.1"));
	assert_null(ar_lists_entry(l, 0, "127.0.0.1")); /* refused, counted */
	assert_string_equal(ar_lists_entry(l, 0, "192.0.2.2"),
	    "blocklist: more entries than <max_entries>");
	assert_null(ar_lists_end(l, 0, false));
	ar_lists_free(l);
	evloop_free(loop);
	conf_free(conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_stats_bad),
	    cmocka_unit_test(test_root_stats),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_response_request),
	    cmocka_unit_test(test_agents),
	    cmocka_unit_test(test_offence),
	    cmocka_unit_test(test_response_queue),
	    cmocka_unit_test(test_blocklist_codec),
	    cmocka_unit_test(test_blocklist_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
