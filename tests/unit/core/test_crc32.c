/*
 * Unit tests for core/crc32: the standard check value, the empty input,
 * and that one flipped bit changes the sum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/crc32.h"

static void
test_check_values(void **state)
{
	char rec[] = "add firewall-drop 192.0.2.6 1000 2000 1";

	(void)state;
	assert_int_equal(crc32_of("123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32_of("", 0), 0);
	assert_int_equal(crc32_of("a", 1), 0xe8b7be43u);
	uint32_t before = crc32_of(rec, strlen(rec));
	rec[30] ^= 0x01;
	assert_int_not_equal(crc32_of(rec, strlen(rec)), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
