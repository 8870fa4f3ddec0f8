/*
 * Unit tests for core/promtext: the Prometheus text format of counter
 * rows. Label values and help texts escaped as the format wants; a
 * family's HELP and TYPE once even when its rows are spread over two
 * sets; counters get _total, gauges not; a row in two sets written
 * once; a full buffer is an error.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/counters.h"
#include "core/err.h"
#include "core/promtext.h"

static const struct promtext_family fams[] = {
    {"blocks_active", true, "Blocks now."},
    {"lines", false, "Lines \\ read\nall"},
};

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_escape(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(promtext_escape(&b, "a\\b\"c\nd", false), 0);
	assert_string_equal(buf_cstr(&b), "a\\\\b\\\"c\\nd");
	buf_reset(&b);
	assert_int_equal(promtext_escape(&b, "a\\b\"c\nd", true), 0);
	assert_string_equal(buf_cstr(&b), "a\\\\b\"c\\nd");
	buf_release(&b);
}

static void
test_families(void **state)
{
	static struct counters root, kid;
	const struct counters *sets[] = {&root, &kid};
	struct buf b;
	const char *t;

	(void)state;
	counters_clear(&root);
	counters_clear(&kid);
	assert_int_equal(counters_add(&root, "blocks_active", 3), 0);
	assert_int_equal(
	    counters_add_l(&root, "dropped", "table", "blocks", NULL, NULL, 1),
	    0);
	assert_int_equal(counters_add(&kid, "lines", 7), 0);
	assert_int_equal(
	    counters_add_l(&kid, "dropped", "table", "a\"b\\c", NULL, NULL, 2),
	    0);
	assert_int_equal(
	    counters_add_l(&kid, "dropped", "table", "blocks", NULL, NULL, 9),
	    0); /* in root already: left out */
	assert_int_equal(
	    counters_add_l(&kid, "alerts", "rule", "5712", "level", "10", 4),
	    0);
	buf_init(&b, 1 << 16);
	assert_int_equal(promtext_put(&b, "arx", sets, 2, fams, 2), 0);
	t = buf_cstr(&b);
	assert_int_equal(count(t, "# HELP arx_dropped_total "), 1);
	assert_int_equal(count(t, "# TYPE arx_dropped_total counter\n"), 1);
	assert_non_null(strstr(t,
	    "# TYPE arx_dropped_total counter\n"
	    "arx_dropped_total{table=\"blocks\"} 1\n"
	    "arx_dropped_total{table=\"a\\\"b\\\\c\"} 2\n"));
	assert_int_equal(count(t, "arx_dropped_total{table=\"blocks\"}"), 1);
	assert_non_null(strstr(t,
	    "# HELP arx_blocks_active Blocks now.\n"
	    "# TYPE arx_blocks_active gauge\n"
	    "arx_blocks_active 3\n"));
	assert_non_null(strstr(t,
	    "# HELP arx_lines_total Lines \\\\ read\\nall\n"
	    "# TYPE arx_lines_total counter\n"
	    "arx_lines_total 7\n"));
	assert_non_null(strstr(t,
	    "# HELP arx_alerts_total alerts (see arx "
	    "status)\n# TYPE arx_alerts_total counter\n"
	    "arx_alerts_total{rule=\"5712\",level=\"10\"} "
	    "4\n"));
	assert_int_equal(count(t, "# HELP"), 4);
	assert_int_equal(count(t, "# TYPE"), 4);
	buf_release(&b);
}

static void
test_full(void **state)
{
	static struct counters c;
	const struct counters *sets[] = {&c};
	char name[32];
	struct buf b;

	(void)state;
	counters_clear(&c);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "row_%d", i);
		assert_int_equal(counters_add(&c, name, 1), 0);
	}
	buf_init(&b, 512);
	assert_int_equal(
	    promtext_put(&b, "arx", sets, 1, fams, 2), ARX_ERR_TOOBIG);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_families),
	    cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
