/* Unit tests for core/strparse: integers, durations, lists, suggestions. */
#include <stdint.h>

#include "testutil.h"

#include "core/err.h"
#include "core/strparse.h"

static void
test_uint(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(str_to_uint("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_uint(" 7 \n", 0, 100, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(str_to_uint("101", 0, 100, &v), ARX_ERR_RANGE);
	assert_int_equal(str_to_uint("3", 5, 100, &v), ARX_ERR_RANGE);
	assert_int_equal(str_to_uint("-1", 0, 100, &v), ARX_ERR_INVAL);
	assert_int_equal(str_to_uint("+1", 0, 100, &v), ARX_ERR_INVAL);
	assert_int_equal(str_to_uint("12x", 0, 100, &v), ARX_ERR_INVAL);
	assert_int_equal(str_to_uint("1 2", 0, 100, &v), ARX_ERR_INVAL);
	assert_int_equal(str_to_uint("", 0, 100, &v), ARX_ERR_INVAL);
	assert_int_equal(str_to_uint("0x10", 0, 100, &v), ARX_ERR_INVAL);
	assert_int_equal(
	    str_to_uint("99999999999999999999999", 0, UINT64_MAX, &v),
	    ARX_ERR_RANGE);
	assert_int_equal(
	    str_to_uint("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_duration(void **state)
{
	static const struct {
		const char *in;
		uint64_t unit, want;
	} ok[] = {
	    {"600", 1, 600},
	    {"30", 60, 1800},
	    {"30s", 60, 30},
	    {"10m", 1, 600},
	    {"2h", 1, 7200},
	    {"1d", 60, 86400},
	    {"1w", 1, 604800},
	    {" 5M ", 1, 300},
	    {"0", 1, 0},
	};
	static const char *const bad[] = {
	    "", "m", "10x", "10mm", "1.5h", "-5", "10 m", "1h30m"};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(
		    str_to_duration(ok[i].in, ok[i].unit, 1000000, &v), 0);
		assert_int_equal(v, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    str_to_duration(bad[i], 1, 1000000, &v), ARX_ERR_INVAL);
	assert_int_equal(str_to_duration("12d", 1, 86400, &v), ARX_ERR_RANGE);
	assert_int_equal(str_to_duration("2", 60, 100, &v), ARX_ERR_RANGE);
}

static void
test_format_duration(void **state)
{
	char out[32];

	(void)state;
	str_format_duration(out, sizeof(out), 0);
	assert_string_equal(out, "0s");
	str_format_duration(out, sizeof(out), 90);
	assert_string_equal(out, "90s");
	str_format_duration(out, sizeof(out), 1800);
	assert_string_equal(out, "30m");
	str_format_duration(out, sizeof(out), 7200);
	assert_string_equal(out, "2h");
	str_format_duration(out, sizeof(out), 86400 * 3);
	assert_string_equal(out, "3d");
	str_format_duration(out, sizeof(out), 604800 * 2);
	assert_string_equal(out, "2w");
}

static void
test_bool_trim_copy(void **state)
{
	struct span sp;
	char small[4];
	bool b;

	(void)state;
	assert_int_equal(str_to_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(str_to_bool(" NO ", &b), 0);
	assert_false(b);
	assert_int_equal(str_to_bool("true", &b), ARX_ERR_INVAL);
	assert_int_equal(str_to_bool("", &b), ARX_ERR_INVAL);
	sp = str_trim("\t a b \r\n");
	assert_int_equal(sp.len, 3);
	assert_memory_equal(sp.p, "a b", 3);
	assert_int_equal(str_trim("   ").len, 0);
	assert_int_equal(str_lcpy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
}

struct collect {
	char all[256];
	int stop_at;
	int n;
};

static int
collect_item(void *ctx, const char *item)
{
	struct collect *c = ctx;

	if (++c->n == c->stop_at)
		return -99;
	strcat(c->all, "[");
	strcat(c->all, item);
	strcat(c->all, "]");
	return 0;
}

static void
test_split_list(void **state)
{
	struct collect c = {.stop_at = 0};
	char longitem[400];

	(void)state;
	assert_int_equal(str_split_list(" a, b ,,c d ,", collect_item, &c), 0);
	assert_string_equal(c.all, "[a][b][c d]");
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	assert_int_equal(str_split_list("x,y,z", collect_item, &c), -99);
	assert_string_equal(c.all, "[x]");
	memset(longitem, 'a', sizeof(longitem) - 1);
	longitem[sizeof(longitem) - 1] = '\0';
	assert_int_equal(
	    str_split_list(longitem, collect_item, &c), ARX_ERR_TOOBIG);
}

static void
test_suggest(void **state)
{
	static const char *const names[] = {
	    "timeout_allowed", "executable", "name", "extra_args"};

	(void)state;
	assert_int_equal(str_distance("kitten", "sitting"), 3);
	assert_int_equal(str_distance("Name", "name"), 0);
	assert_string_equal(
	    str_suggest("timeout_alowed", names, 4), "timeout_allowed");
	assert_string_equal(str_suggest("executible", names, 4), "executable");
	assert_string_equal(str_suggest("nme", names, 4), "name");
	assert_null(str_suggest("frequency", names, 4));
}

static void
test_is_name(void **state)
{
	char long_name[129];

	(void)state;
	memset(long_name, 'a', 128);
	long_name[128] = '\0';
	assert_true(str_is_name("firewall-drop", 13));
	assert_true(str_is_name("web_1.example", 13));
	assert_true(str_is_name(long_name, 127));
	assert_false(str_is_name(long_name, 128));
	assert_false(str_is_name("", 0));
	assert_false(str_is_name("a;b", 3));
	assert_false(str_is_name("a b", 3));
	assert_false(str_is_name("a\0b", 3));
	assert_false(str_is_name("caf\xc3\xa9", 5));
}

/* A program's stderr as one line: no newline survives. */
static void
test_one_line(void **state)
{
	char out[128], small[12];
	const char *err = "nft: Error: Could not process rule  \n"
			  "\n  add element inet arx block4 { x }\r\n";

	(void)state;
	assert_string_equal(str_one_line(out, sizeof(out), err, strlen(err)),
	    "nft: Error: Could not process rule |   add element inet arx "
	    "block4 { x }");
	assert_null(strchr(out, '\n'));
	assert_string_equal(
	    str_one_line(out, sizeof(out), "a\001b\n", 4), "a?b");
	assert_string_equal(str_one_line(out, sizeof(out), "\n\n", 2), "");
	assert_string_equal(
	    str_one_line(small, sizeof(small), "abcdefgh\nij", 11), "abcdefgh");
}

/* The helpers that replaced sscanf and strcpy. */
static void
test_words_numbers(void **state)
{
	char line[] = "  pending 1  bob\tx 42 ", full[] = "a b c d e";
	char *w[4], small[4];
	int64_t i;
	uint64_t h;

	(void)state;
	assert_int_equal(str_words(line, w, 4), 4);
	assert_string_equal(w[0], "pending");
	assert_string_equal(w[2], "bob\tx"); /* only spaces split */
	assert_string_equal(w[3], "42");
	assert_int_equal(str_words(full, w, 4), 5); /* more than max */
	assert_int_equal(str_to_int("-42", -100, 100, &i), 0);
	assert_int_equal(i, -42);
	assert_int_equal(
	    str_to_int("-9223372036854775808", INT64_MIN, INT64_MAX, &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(
	    str_to_int("9223372036854775808", INT64_MIN, INT64_MAX, &i),
	    ARX_ERR_RANGE);
	assert_int_equal(str_to_int("--1", -9, 9, &i), ARX_ERR_INVAL);
	assert_int_equal(str_to_int("- 1", -9, 9, &i), ARX_ERR_INVAL);
	assert_int_equal(str_to_int("-", -9, 9, &i), ARX_ERR_INVAL);
	assert_int_equal(str_to_int("10", -9, 9, &i), ARX_ERR_RANGE);
	assert_int_equal(str_to_hex("00ffAB", &h), 0);
	assert_true(h == 0xffab);
	assert_int_equal(str_to_hex("ffffffffffffffff", &h), 0);
	assert_true(h == UINT64_MAX);
	assert_int_equal(str_to_hex("10000000000000000", &h), ARX_ERR_INVAL);
	assert_int_equal(str_to_hex("", &h), ARX_ERR_INVAL);
	assert_int_equal(str_to_hex("0x1", &h), ARX_ERR_INVAL);
	assert_true(str_copy_fits(small, "abc", sizeof(small)));
	assert_string_equal(small, "abc");
	assert_false(str_copy_fits(small, "abcd", sizeof(small)));
	assert_string_equal(small, "abc"); /* untouched */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_one_line),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_format_duration),
	    cmocka_unit_test(test_bool_trim_copy),
	    cmocka_unit_test(test_split_list),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_is_name),
	    cmocka_unit_test(test_words_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
