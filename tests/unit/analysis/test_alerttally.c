/*
 * Unit tests for analysis/alerttally and the metrics body: alerts
 * counted by rule and level up to ALERT_RULES_MAX pairs, the rest in
 * "other" rows by level and counted as dropped; the /metrics body of
 * those rows with arx_build_info last.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "analysis/alerttally.h"
#include "analysis/metrics.h"
#include "core/buf.h"

static uint64_t
row(const struct counters *c, const char *rule, const char *level)
{
	const struct counter *r;
	struct counter want;

	memset(&want, 0, sizeof(want));
	snprintf(want.name, sizeof(want.name), "alerts");
	snprintf(want.label[0].key, COUNTER_KEY_MAX, "rule");
	snprintf(want.label[0].value, COUNTER_VALUE_MAX, "%s", rule);
	snprintf(want.label[1].key, COUNTER_KEY_MAX, "level");
	snprintf(want.label[1].value, COUNTER_VALUE_MAX, "%s", level);
	r = counters_find_row(c, &want);
	return r != NULL ? r->value : UINT64_MAX;
}

static void
test_bounded(void **state)
{
	static struct alert_tally t;
	static struct counters c;
	uint32_t id;

	(void)state;
	memset(&t, 0, sizeof(t));
	alert_tally_add(&t, 5712, 10);
	alert_tally_add(&t, 5712, 10);
	alert_tally_add(&t, 5710, 5);
	for (id = 100000; id < 100000 + ALERT_RULES_MAX; id++)
		alert_tally_add(&t, id, 3); /* the last two find no row */
	alert_tally_add(&t, 5712, 10);      /* known: still its own row */
	alert_tally_add(&t, 7, 99);         /* a level outside: 16 */
	counters_clear(&c);
	alert_tally_counters(&t, &c);
	assert_int_equal(row(&c, "5712", "10"), 3);
	assert_int_equal(row(&c, "5710", "5"), 1);
	assert_int_equal(row(&c, "100000", "3"), 1);
	assert_int_equal(row(&c, "other", "3"), 2);
	assert_int_equal(row(&c, "other", "16"), 1);
	assert_int_equal(row(&c, "other", "10"), UINT64_MAX); /* 0: no row */
	assert_int_equal(c.n, ALERT_RULES_MAX + 2 + 1);
	assert_string_equal(c.row[c.n - 1].name, "dropped");
	assert_int_equal(c.row[c.n - 1].value, 3);
}

static void
test_body(void **state)
{
	static struct alert_tally t;
	static struct counters c;
	const struct counters *sets[] = {&c};
	struct buf b;
	const char *s;

	(void)state;
	memset(&t, 0, sizeof(t));
	alert_tally_add(&t, 5712, 10);
	counters_clear(&c);
	assert_int_equal(counters_add(&c, "blocks_active", 1), 0);
	alert_tally_counters(&t, &c);
	buf_init(&b, 1 << 16);
	assert_int_equal(metrics_body(&b, sets, 1), 0);
	s = buf_cstr(&b);
	assert_non_null(strstr(s,
	    "# TYPE arx_blocks_active gauge\n"
	    "arx_blocks_active 1\n"));
	assert_non_null(strstr(s,
	    "# TYPE arx_alerts_total counter\n"
	    "arx_alerts_total{rule=\"5712\",level=\"10\"}"
	    " 1\n"));
	assert_non_null(strstr(s,
	    "# TYPE arx_dropped_total counter\n"
	    "arx_dropped_total{table=\"alert_rules\"} 0\n"));
	assert_non_null(
	    strstr(s, "arx_build_info{version=\"" ARX_VERSION "\"} 1\n"));
	assert_int_equal(s[strlen(s) - 1], '\n');
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bounded),
	    cmocka_unit_test(test_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
