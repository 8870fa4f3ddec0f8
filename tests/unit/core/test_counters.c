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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
