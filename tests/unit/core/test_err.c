/* Unit tests for core/err: every code has its own message. */
#include "testutil.h"

#include "core/err.h"

static void
test_messages(void **state)
{
	int e;

	(void)state;
	assert_string_equal(arx_strerror(ARX_OK), "success");
	assert_string_equal(arx_strerror(ARX_ERR_NOMEM), "out of memory");
	for (e = ARX_ERR_NOMEM; e >= ARX_ERR_PERM; e--)
		assert_string_not_equal(arx_strerror(e), "unknown error");
	assert_string_equal(arx_strerror(-1000), "unknown error");
	assert_string_equal(arx_strerror(5), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_messages)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
