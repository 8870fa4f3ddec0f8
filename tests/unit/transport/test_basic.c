/*
 * Unit tests for transport/basic: base64 as RFC 7617 sends it (padding
 * of none, one and two '=' taken off, not counted), what is not base64
 * refused, and the credential check: the right pair, a wrong password,
 * a prefix, a longer one, another scheme, one too long to check.
 */
#include <string.h>

#include "testutil.h"

#include "transport/basic.h"

static long
dec(const char *s, unsigned char *out, size_t size)
{
	return basic_decode(s, strlen(s), out, size);
}

static void
test_decode(void **state)
{
	unsigned char out[64];

	(void)state;
	assert_int_equal(dec("Zm9vYmFy", out, sizeof(out)), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(dec("Zm9vYg==", out, sizeof(out)), 4);
	assert_memory_equal(out, "foob", 4);
	assert_int_equal(dec("Zm9vYmE=", out, sizeof(out)), 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(dec("", out, sizeof(out)), 0);
	/* not base64: unpadded, white space, '=' inside, other bytes */
	assert_int_equal(dec("Zm9vYg", out, sizeof(out)), -1);
	assert_int_equal(dec(" Zm9vYmFy", out, sizeof(out)), -1);
	assert_int_equal(dec("Zm9vYmFy ", out, sizeof(out)), -1);
	assert_int_equal(dec("Zm=vYmFy", out, sizeof(out)), -1);
	assert_int_equal(dec("Zm9v*mFy", out, sizeof(out)), -1);
	assert_int_equal(dec("Zm9vY===", out, sizeof(out)), -1);
	/* does not fit */
	assert_int_equal(dec("Zm9vYmFy", out, 5), -1);
	assert_int_equal(basic_decode("Zm9v\0mFy", 8, out, sizeof(out)), -1);
}

static void
test_check(void **state)
{
	char big[1200] = "Basic ";

	(void)state;
	/* fw:feed-secret */
	assert_true(basic_check("fw:feed-secret", "Basic Znc6ZmVlZC1zZWNyZXQ=",
	    strlen("Basic Znc6ZmVlZC1zZWNyZXQ=")));
	assert_true(basic_check("fw:feed-secret", "basic Znc6ZmVlZC1zZWNyZXQ= ",
	    strlen("basic Znc6ZmVlZC1zZWNyZXQ= ")));
	/* fw:feed-secreT, fw:feed-secre, fw:feed-secret! */
	assert_false(basic_check("fw:feed-secret", "Basic Znc6ZmVlZC1zZWNyZVQ=",
	    strlen("Basic Znc6ZmVlZC1zZWNyZVQ=")));
	assert_false(basic_check("fw:feed-secret", "Basic Znc6ZmVlZC1zZWNyZQ==",
	    strlen("Basic Znc6ZmVlZC1zZWNyZQ==")));
	assert_false(basic_check("fw:feed-secret", "Basic Znc6ZmVlZC1zZWNyZXQh",
	    strlen("Basic Znc6ZmVlZC1zZWNyZXQh")));
	assert_false(
	    basic_check("fw:feed-secret", "Bearer Znc6ZmVlZC1zZWNyZXQ=",
		strlen("Bearer Znc6ZmVlZC1zZWNyZXQ=")));
	assert_false(basic_check("fw:feed-secret", "Basic", 5));
	assert_false(basic_check("fw:feed-secret", "", 0));
	/* an empty expectation matches nothing but an empty pair */
	assert_false(basic_check("a:", "Basic ", 6));
	/* too long to be checked: refused, not cut and compared */
	memset(big + 6, 'A', 1100);
	assert_false(basic_check("x:y", big, strlen(big)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
