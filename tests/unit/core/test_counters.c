/*
 * Unit tests for core/counters: rows in order of first use, the same
 * name summed, bad names and a full set refused and counted, look-ups,
 * and comparison.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/counters.h"
#include "core/err.h"

static void
test_rows(void **state)
{
	static struct counters c, d;

	(void)state;
	counters_clear(&c);
	assert_int_equal(counters_add(&c, "lines", 5), 0);
	assert_int_equal(counters_add(&c, "cut", 1), 0);
	assert_int_equal(counters_add(&c, "lines", 2), 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.row[0].name, "lines");
	assert_int_equal(counters_get(&c, "lines"), 7);
	assert_int_equal(counters_get(&c, "cut"), 1);
	assert_int_equal(counters_get(&c, "absent"), 0);
	assert_null(counters_find(&c, "absent"));
	assert_int_equal(counters_add(&c, "", 1), ARX_ERR_INVAL);
	assert_int_equal(counters_add(&c, "Lines", 1), ARX_ERR_INVAL);
	assert_int_equal(counters_add(&c, "a b", 1), ARX_ERR_INVAL);
	assert_int_equal(
	    counters_add(
		&c, "a_name_that_is_much_longer_than_the_cap_of_48_bytes", 1),
	    ARX_ERR_INVAL);
	assert_int_equal(c.dropped, 4);
	assert_int_equal(c.n, 2);
	d = c;
	assert_true(counters_same(&c, &d));
	assert_int_equal(counters_add(&d, "cut", 1), 0);
	assert_false(counters_same(&c, &d));
}

static void
test_full(void **state)
{
	static struct counters c;
	char name[16];

	(void)state;
	counters_clear(&c);
	for (int i = 0; i < COUNTERS_MAX; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		assert_int_equal(counters_add(&c, name, (uint64_t)i), 0);
	}
	assert_int_equal(counters_add(&c, "one_more", 1), ARX_ERR_TOOBIG);
	assert_int_equal(counters_add(&c, "c7", 1), 0); /* still summed */
	assert_int_equal(counters_get(&c, "c7"), 8);
	assert_int_equal(c.n, COUNTERS_MAX);
	assert_int_equal(c.dropped, 1);
}

/* Labelled rows: one name, several label sets, each its own row; a
 * family is labelled or not, never both; bad keys and values refused
 * and counted; a label set repeated sums. */
static void
test_labels(void **state)
{
	static struct counters c, d;
	char longv[COUNTER_VALUE_MAX + 1];
	struct counter row;

	(void)state;
	counters_clear(&c);
	assert_int_equal(counters_add_l(&c, "source_lines", "source",
			     "/var/log/auth.log", NULL, NULL, 3),
	    0);
	assert_int_equal(counters_add_l(&c, "source_lines", "source",
			     "/var/log/syslog", NULL, NULL, 4),
	    0);
	assert_int_equal(counters_add_l(&c, "source_lines", "source",
			     "/var/log/auth.log", NULL, NULL, 1),
	    0);
	assert_int_equal(
	    counters_add_l(&c, "alerts", "rule", "5712", "level", "10", 2), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.row[0].value, 4);
	assert_int_equal(counters_nlabels(&c.row[2]), 2);
	assert_null(counters_find(&c, "source_lines")); /* unlabelled only */
	/* a family with labels takes no row without, and the reverse */
	assert_int_equal(counters_add(&c, "source_lines", 1), ARX_ERR_INVAL);
	assert_int_equal(counters_add(&c, "lines", 1), 0);
	assert_int_equal(
	    counters_add_l(&c, "lines", "source", "x", NULL, NULL, 1),
	    ARX_ERR_INVAL);
	/* bad keys and values */
	assert_int_equal(
	    counters_add_l(&c, "a", "Rule", "1", NULL, NULL, 1), ARX_ERR_INVAL);
	assert_int_equal(counters_add_l(&c, "a", "1rule", "1", NULL, NULL, 1),
	    ARX_ERR_INVAL);
	assert_int_equal(
	    counters_add_l(&c, "a", "rule", "a\\nb", NULL, NULL, 1),
	    0); /* a backslash is text; promtext escapes it */
	assert_int_equal(counters_add_l(&c, "b", "rule", "a\nb", NULL, NULL, 1),
	    ARX_ERR_INVAL);
	assert_int_equal(counters_add_l(&c, "b", "rule", "x", "rule", "y", 1),
	    ARX_ERR_INVAL);
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(counters_add_l(&c, "b", "rule", longv, NULL, NULL, 1),
	    ARX_ERR_INVAL);
	assert_int_equal(c.dropped, 7);
	/* a row with its second label but not its first */
	memset(&row, 0, sizeof(row));
	memcpy(row.name, "b", 2);
	memcpy(row.label[1].key, "rule", 5);
	assert_false(counters_row_ok(&row));
	assert_int_equal(counters_add_row(&c, &row), ARX_ERR_INVAL);
	d = c;
	assert_true(counters_same(&c, &d));
	d.row[1].label[0].value[1] = 'X';
	assert_false(counters_same(&c, &d));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
