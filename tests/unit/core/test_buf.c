/* Unit tests for core/buf: growth, the bound, formatting, detach. */
#include <stdlib.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/err.h"

static void
test_append_and_grow(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, 100000);
	assert_string_equal(buf_cstr(&b), "");
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_puts(&b, "0123456789"), 0);
	assert_int_equal(b.len, 10000);
	assert_int_equal(strlen(buf_cstr(&b)), 10000);
	assert_int_equal(buf_printf(&b, "-%d-%s", 42, "x"), 0);
	assert_string_equal(buf_cstr(&b) + 10000, "-42-x");
	buf_reset(&b);
	assert_string_equal(buf_cstr(&b), "");
	buf_release(&b);
}

static void
test_bound(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_putc(&b, 'x'), ARX_ERR_TOOBIG);
	assert_int_equal(buf_printf(&b, "%d", 1), ARX_ERR_TOOBIG);
	assert_string_equal(buf_cstr(&b), "12345678");
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%s", "123456789"), ARX_ERR_TOOBIG);
	assert_int_equal(b.len, 0);
	assert_true(b.cap <= 9);
	buf_release(&b);
}

static void
test_binary_and_detach(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "a\0b", 4);
	s = buf_detach(&b);
	assert_memory_equal(s, "a\0b", 4);
	free(s);
	assert_null(b.data);
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
}

static void
test_truncate(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_puts(&b, "record one|half a rec"), 0);
	buf_truncate(&b, 11);
	assert_string_equal(buf_cstr(&b), "record one|");
	buf_truncate(&b, 40); /* longer than the content: nothing changes */
	assert_int_equal(b.len, 11);
	assert_int_equal(buf_puts(&b, "two"), 0);
	assert_string_equal(buf_cstr(&b), "record one|two");
	buf_release(&b);
}

static void
test_duration(void **state)
{
	static const struct {
		uint64_t s;
		const char *want;
	} cases[] = {{0, "0s"}, {45, "45s"}, {600, "10m"}, {5400, "1h 30m"},
	    {3630, "1h"}, {90061, "1d 1h"}, {86400 + 59, "1d"}};
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 64);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		assert_int_equal(buf_put_duration(&b, cases[i].s), 0);
		assert_string_equal(buf_cstr(&b), cases[i].want);
	}
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_append_and_grow),
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_binary_and_detach),
	    cmocka_unit_test(test_truncate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
