/*
 * Unit tests for the rules engine (rule_load.c, rule_eval.c, corr.c,
 * lists.c): load errors with file:line, tree order, and correlation under
 * a controlled clock: the F-th event fires, events outside the timeframe
 * do not count, a firing consumes, same_* keys and different_* filters,
 * ignore windows per source, bounded buckets, CDB list lookups.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "core/err.h"
#include "engine/predecode.h"
#include "engine/ruleset.h"

static const char decoders[] =
    "<decoder name=\"t\"><prematch>^t: </prematch>"
    "<regex offset=\"after_prematch\">^(\\S+) (\\S+) (\\S+)</regex>"
    "<order>action, srcip, dstuser</order></decoder>\n"
    "<decoder name=\"j\"><prematch>^{\"f</prematch>"
    "<plugin_decoder>JSON_Decoder</plugin_decoder></decoder>\n";

static char dir[64];

static struct ruleset *
load(const char *rules, struct log_capture *c)
{
	struct ruleset *rs = NULL;
	const char *dirs[1] = {dir};
	char sub[128];

	strcpy(dir, "/tmp/arx-rules-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/decoders", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/rules", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/lists", dir);
	mkdir(sub, 0700);
	test_write_file(dir, "decoders/d.xml", decoders);
	test_write_file(dir, "rules/r.xml", rules);
	test_write_file(
	    dir, "lists/bad-ips", "192.0.2.:\n198.51.100.7:x\n\"a:b\":v\n");
	capture_start(c);
	(void)ruleset_load_dirs(dirs, 1, &rs);
	capture_stop();
	return rs;
}

static void
cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Run one "t: action srcip user" line at time t_ms; the final rule id. */
static unsigned
run(struct ruleset *rs, struct corr *c, const char *line, int64_t t_ms,
    struct rule_result *res)
{
	struct pattern_scratch sc = {0};
	struct event ev;
	struct rule_result local;

	if (res == NULL)
		res = &local;
	event_init(&ev);
	event_set_line(&ev, line, strlen(line), "test");
	ruleset_analyse(rs, c, &ev, t_ms, &sc, NULL, res);
	event_release(&ev);
	pattern_scratch_release(&sc);
	return res->rule ? res->rule->id : 0;
}

static const char corr_rules[] =
    "<group name=\"t,\">\n"
    "<rule id=\"100\" level=\"3\"><decoded_as>t</decoded_as>"
    "<description>t</description></rule>\n"
    "<rule id=\"101\" level=\"5\"><if_sid>100</if_sid><action>fail</action>"
    "<description>failure</description><group>auth_fail,</group></rule>\n"
    "<rule id=\"102\" level=\"10\" frequency=\"4\" timeframe=\"60\">"
    "<if_matched_sid>101</if_matched_sid><same_source_ip />"
    "<description>brute</description></rule>\n"
    "<rule id=\"103\" level=\"4\"><if_sid>100</if_sid><action>miss</action>"
    "<description>miss</description></rule>\n"
    "<rule id=\"104\" level=\"9\" frequency=\"3\" timeframe=\"60\" "
    "ignore=\"30\"><if_matched_sid>103</if_matched_sid><same_srcip />"
    "<different_user /><description>spray</description></rule>\n"
    "<rule id=\"105\" level=\"6\"><if_sid>100</if_sid><action>listed</action>"
    "<list field=\"srcip\" lookup=\"address_match_key\">etc/lists/bad-ips"
    "</list><description>listed</description></rule>\n"
    "</group>\n";

static void
test_frequency_and_timeframe(void **state)
{
	struct log_capture lc;
	struct ruleset *rs = load(corr_rules, &lc);
	struct corr *c;
	int i;

	(void)state;
	assert_non_null(rs);
	c = corr_new(rs->rules);
	/* three failures, the fourth fires (frequency 4 = the 4th event) */
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    run(rs, c, "t: fail 192.0.2.6 u", 1000 * i, NULL), 101);
	assert_int_equal(run(rs, c, "t: fail 192.0.2.6 u", 3000, NULL), 102);
	/* consumed: the next firing needs four new events */
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    run(rs, c, "t: fail 192.0.2.6 u", 4000 + i, NULL), 101);
	assert_int_equal(run(rs, c, "t: fail 192.0.2.6 u", 5000, NULL), 102);
	/* another address has its own count */
	assert_int_equal(run(rs, c, "t: fail 198.51.100.9 u", 5000, NULL), 101);
	/* events older than the timeframe do not count */
	corr_reset(c);
	for (i = 0; i < 3; i++)
		run(rs, c, "t: fail 192.0.2.7 u", 1000 * i, NULL);
	assert_int_equal(run(rs, c, "t: fail 192.0.2.7 u", 61500, NULL), 101);
	/* ... but exactly the timeframe still counts */
	corr_reset(c);
	for (i = 0; i < 3; i++)
		run(rs, c, "t: fail 192.0.2.8 u", 10000, NULL);
	assert_int_equal(run(rs, c, "t: fail 192.0.2.8 u", 70000, NULL), 102);
	corr_free(c);
	ruleset_free(rs);
	cleanup();
}

/* A frequency rule on 40 dynamic <different_field>s: an earlier event
 * with an equal value in any of them does not count. A record keeps
 * the values past the first 32 too (corr.c copies those after its
 * plan's cache), so the 40th is compared as well. */
static void
test_many_dynamic_fields(void **state)
{
	char rules[4096], line[1024];
	size_t n = 0, m;
	struct log_capture lc;
	struct ruleset *rs;
	struct corr *c;

	(void)state;
	n += (size_t)snprintf(rules + n, sizeof(rules) - n,
	    "<group name=\"j,\"><rule id=\"200\" level=\"3\">"
	    "<decoded_as>j</decoded_as><description>j</description></rule>"
	    "<rule id=\"201\" level=\"8\" frequency=\"2\" "
	    "timeframe=\"60\"><if_matched_sid>200</if_matched_sid>");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(rules + n, sizeof(rules) - n,
		    "<different_field>f%d</different_field>", i);
	snprintf(rules + n, sizeof(rules) - n,
	    "<description>differ</description></rule></group>\n");
	rs = load(rules, &lc);
	assert_non_null(rs);
	c = corr_new(rs->rules);
	for (int e = 0; e < 3; e++) {
		m = (size_t)snprintf(line, sizeof(line), "{");
		/* the second event repeats the first's f39, nothing else */
		for (int i = 0; i < 40; i++)
			m += (size_t)snprintf(line + m, sizeof(line) - m,
			    "%s\"f%d\":\"v%d\"", i ? "," : "", i,
			    e == 1 && i == 39 ? 0 : e);
		snprintf(line + m, sizeof(line) - m, "}");
		/* the third differs from both in every field */
		assert_int_equal(run(rs, c, line, e, NULL), e == 2 ? 201 : 200);
	}
	corr_free(c);
	ruleset_free(rs);
	cleanup();
}

static void
test_different_and_ignore(void **state)
{
	struct log_capture lc;
	struct ruleset *rs = load(corr_rules, &lc);
	struct corr *c = corr_new(rs->rules);
	struct rule_result res;

	(void)state;
	/* the same user again does not count (different_user) */
	assert_int_equal(run(rs, c, "t: miss 192.0.2.6 a", 0, NULL), 103);
	assert_int_equal(run(rs, c, "t: miss 192.0.2.6 a", 1, NULL), 103);
	assert_int_equal(run(rs, c, "t: miss 192.0.2.6 a", 2, NULL), 103);
	/* a different user: two earlier events differ from it */
	assert_int_equal(run(rs, c, "t: miss 192.0.2.6 b", 3, &res), 104);
	assert_false(res.suppressed);
	/* the firing consumed: two new events are needed */
	assert_int_equal(run(rs, c, "t: miss 192.0.2.6 c", 5, NULL), 103);
	assert_int_equal(run(rs, c, "t: miss 192.0.2.6 d", 6, NULL), 103);
	/* the third would fire again, but the ignore window holds it back
	 * for this source: it is shown as the parent */
	assert_int_equal(run(rs, c, "t: miss 192.0.2.6 e", 7, &res), 103);
	assert_true(res.suppressed);
	/* another source crossing the threshold inside the window fires */
	run(rs, c, "t: miss 198.51.100.7 a", 8, NULL);
	run(rs, c, "t: miss 198.51.100.7 b", 9, NULL);
	assert_int_equal(run(rs, c, "t: miss 198.51.100.7 c", 10, &res), 104);
	assert_false(res.suppressed);
	corr_free(c);
	ruleset_free(rs);
	cleanup();
}

static void
test_lists(void **state)
{
	struct log_capture lc;
	struct ruleset *rs = load(corr_rules, &lc);
	struct corr *c = corr_new(rs->rules);

	(void)state;
	assert_int_equal(run(rs, c, "t: listed 192.0.2.200 u", 0, NULL), 105);
	assert_int_equal(run(rs, c, "t: listed 198.51.100.7 u", 0, NULL), 105);
	assert_int_equal(run(rs, c, "t: listed 198.51.100.8 u", 0, NULL), 100);
	corr_free(c);
	ruleset_free(rs);
	cleanup();
}

static void
test_bounded_buckets(void **state)
{
	struct log_capture lc;
	struct ruleset *rs = load(corr_rules, &lc);
	struct corr *c = corr_new(rs->rules);
	struct corr_stats st;
	char line[64];
	int i;

	(void)state;
	/* more distinct sources than buckets: the oldest are dropped */
	for (i = 0; i < CORR_MAX_BUCKETS + 100; i++) {
		snprintf(line, sizeof(line), "t: fail 2001:db8::%x u", i);
		run(rs, c, line, 0, NULL);
	}
	corr_get_stats(c, &st);
	assert_int_equal(st.evicted_buckets, 100);
	/* the newest ones still count */
	snprintf(line, sizeof(line), "t: fail 2001:db8::%x u",
	    CORR_MAX_BUCKETS + 99);
	run(rs, c, line, 1, NULL);
	run(rs, c, line, 2, NULL);
	assert_int_equal(run(rs, c, line, 3, NULL), 102);
	corr_free(c);
	ruleset_free(rs);
	cleanup();
}

/* A source that went quiet is forgotten once its window has passed,
 * whatever the cap: the state follows the attackers of the last window,
 * not every address ever seen. */
static void
test_idle_forgotten(void **state)
{
	struct log_capture lc;
	struct ruleset *rs = load(corr_rules, &lc);
	struct corr *c = corr_new(rs->rules);
	struct corr_stats st;
	char line[64];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "t: fail 2001:db8::%x u", i);
		run(rs, c, line, 0, NULL);
	}
	for (i = 0; i < 3; i++) /* 104's ignore window opens for it */
		run(rs, c, "t: miss 198.51.100.1 u", 0, NULL);
	corr_get_stats(c, &st);
	assert_true(st.buckets >= 1000);
	/* 61 s later, one new source: two idle buckets go per store (its
	 * every fourth failure fires 102 and is not stored) */
	for (i = 0; i < 1000; i++)
		run(rs, c, "t: fail 192.0.2.9 u", 61000 + i, NULL);
	run(rs, c, "t: miss 192.0.2.9 a", 62000, NULL);
	run(rs, c, "t: miss 192.0.2.9 b", 62000, NULL);
	assert_int_equal(run(rs, c, "t: miss 192.0.2.9 c", 62000, NULL), 104);
	corr_get_stats(c, &st);
	if (st.buckets > 3)
		fail_msg("%zu buckets held", st.buckets);
	assert_int_equal(st.ignores, 1);
	corr_free(c);
	ruleset_free(rs);
	cleanup();
}

static void
test_load_errors(void **state)
{
	static const struct {
		const char *rules, *msg;
	} cases[] = {
	    {"<group name=\"t,\">\n<rule id=\"1x\" level=\"3\"/></group>",
		"r.xml:2: rule 0: bad attribute: id"},
	    {"<group name=\"t,\">\n<rule id=\"9\" level=\"17\"/></group>",
		"r.xml:2: rule 9: bad attribute: level"},
	    {"<group name=\"t,\">\n<rule id=\"9\"/></group>",
		"rule 9: <rule> needs id= and level="},
	    {"<group name=\"t,\"><rule id=\"200\" level=\"3\">\n<mach>x</mach>"
	     "</rule></group>",
		"r.xml:2: did you mean <match>?"},
	    {"<group name=\"t,\"><rule id=\"200\" level=\"3\">\n<regex>\\n"
	     "</regex></rule></group>",
		"r.xml:2: rule 200: <regex>: invalid pattern"},
	    {"<group name=\"t,\"><rule id=\"200\" level=\"3\" frequency=\"4\">"
	     "\n</rule></group>",
		"frequency needs an if_matched_*"},
	    {"<group name=\"t,\" x=\"1\"><rule id=\"200\" level=\"3\"/></group>",
		"<group> needs exactly one attribute"},
	    {"<rules>\n</rules>", "r.xml:1: unknown element <rules>"},
	};
	struct log_capture lc;
	struct ruleset *rs;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rs = load(cases[i].rules, &lc);
		if (rs != NULL)
			fail_msg("case %zu loaded", i);
		if (strstr(lc.text, cases[i].msg) == NULL)
			fail_msg("case %zu: want \"%s\" in:\n%s", i,
			    cases[i].msg, lc.text);
		cleanup();
	}
}

/* Level 0 siblings are tried first, then higher levels; deepest wins. */
static void
test_tree_order(void **state)
{
	static const char rules[] =
	    "<group name=\"t,\">\n"
	    "<rule id=\"100\" level=\"0\" noalert=\"1\"><decoded_as>t"
	    "</decoded_as><description>g</description></rule>\n"
	    "<rule id=\"110\" level=\"3\"><if_sid>100</if_sid>"
	    "<description>low</description></rule>\n"
	    "<rule id=\"111\" level=\"8\"><if_sid>100</if_sid><action>x</action>"
	    "<description>high</description></rule>\n"
	    "<rule id=\"112\" level=\"0\"><if_sid>100</if_sid>"
	    "<srcip>192.0.2.0/24</srcip><description>ignore</description>"
	    "</rule>\n"
	    "<rule id=\"113\" level=\"5\"><if_sid>110</if_sid><user>^bob$"
	    "</user><description>deeper</description></rule>\n"
	    "</group>\n";
	struct log_capture lc;
	struct ruleset *rs = load(rules, &lc);
	struct corr *c = corr_new(rs->rules);

	(void)state;
	assert_int_equal(run(rs, c, "t: x 192.0.2.9 u", 0, NULL), 112);
	assert_int_equal(run(rs, c, "t: x 198.51.100.1 u", 0, NULL), 111);
	assert_int_equal(run(rs, c, "t: y 198.51.100.1 u", 0, NULL), 110);
	assert_int_equal(run(rs, c, "t: y 198.51.100.1 bob", 0, NULL), 113);
	corr_free(c);
	ruleset_free(rs);
	cleanup();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frequency_and_timeframe),
	    cmocka_unit_test(test_idle_forgotten),
	    cmocka_unit_test(test_different_and_ignore),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_bounded_buckets),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_tree_order),
	    cmocka_unit_test(test_many_dynamic_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
