/*
 * Unit tests for core/srclimit: per_source connections from one address
 * and no more (the rest counted), others unaffected, a slot back when
 * one goes, an IPv6 /64 as one source, and a table never fuller than
 * its cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/addr.h"
#include "core/err.h"
#include "core/srclimit.h"

static struct arx_addr
A(const char *text) {
	struct arx_addr a;

	assert_int_equal(addr_parse_str(text, &a), 0);
	return a;
}

static void
test_per_source(void **state)
{
	struct srclimit l;
	struct arx_addr a = A("192.0.2.1"), b = A("192.0.2.2");

	(void)state;
	assert_int_equal(srclimit_init(&l, 8, 3), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(srclimit_take(&l, &a), 0);
	assert_int_equal(srclimit_take(&l, &a), ARX_ERR_TOOBIG);
	assert_int_equal(srclimit_take(&l, &a), ARX_ERR_TOOBIG);
	assert_int_equal(l.refused, 2);
	assert_int_equal(srclimit_take(&l, &b), 0);
	assert_int_equal(srclimit_count(&l, &a), 3);
	srclimit_put(&l, &a);
	assert_int_equal(srclimit_count(&l, &a), 2);
	assert_int_equal(srclimit_take(&l, &a), 0);
	srclimit_release(&l);
}

static void
test_v6_block_and_cap(void **state)
{
	struct srclimit l;
	struct arx_addr x = A("2001:db8:1:2::1"), y = A("2001:db8:1:2::ffff");
	struct arx_addr z = A("2001:db8:1:3::1");
	struct arx_addr w = A("198.51.100.9");

	(void)state;
	assert_int_equal(srclimit_init(&l, 2, 2), 0);
	assert_int_equal(srclimit_take(&l, &x), 0);
	assert_int_equal(srclimit_take(&l, &y), 0);
	assert_int_equal(srclimit_take(&l, &x), ARX_ERR_TOOBIG);
	assert_int_equal(srclimit_take(&l, &z), 0);
	/* two sources in a table of two: a third one waits for a free one */
	assert_int_equal(srclimit_take(&l, &w), ARX_ERR_TOOBIG);
	srclimit_put(&l, &z);
	assert_int_equal(srclimit_take(&l, &w), 0);
	assert_int_equal(srclimit_count(&l, &y), 2);
	srclimit_release(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_per_source),
	    cmocka_unit_test(test_v6_block_and_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
