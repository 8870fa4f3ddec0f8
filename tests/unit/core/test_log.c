/* Unit tests for core/log: escaping, levels, sink, counters. */
#include <unistd.h>

#include "testutil.h"

static void
test_escape_controls(void **state)
{
	char out[128];

	(void)state;
	log_escape(out, sizeof(out), "a\nb\rc\td\\e\x1b[31m\x7f", 15);
	assert_string_equal(out, "a\\nb\\rc\\td\\\\e\\x1b[31m\\x7f");
}

static void
test_escape_nul_and_utf8(void **state)
{
	char out[128];

	(void)state;
	/* NUL inside the span, valid UTF-8 kept, invalid bytes escaped. */
	log_escape(out, sizeof(out), "x\0y", 3);
	assert_string_equal(out, "x\\x00y");
	log_escape(out, sizeof(out), "caf\xc3\xa9", 5);
	assert_string_equal(out, "caf\xc3\xa9");
	log_escape(out, sizeof(out), "\xc3(\xff\xed\xa0\x80", 6);
	assert_string_equal(out, "\\xc3(\\xff\\xed\\xa0\\x80");
	/* overlong encoding of '/' */
	log_escape(out, sizeof(out), "\xc0\xaf", 2);
	assert_string_equal(out, "\\xc0\\xaf");
}

static void
test_escape_truncates_whole_escapes(void **state)
{
	char out[5];

	(void)state;
	assert_int_equal(log_escape(out, sizeof(out), "ab\ncd", 5), 4);
	assert_string_equal(out, "ab\\n");
	assert_int_equal(log_escape(out, 0, "ab", 2), 0);
}

static void
test_message_cannot_forge_lines(void **state)
{
	struct log_capture c;

	(void)state;
	capture_start(&c);
	log_warn("user %s failed", "root\nDec 1 sshd: Accepted");
	capture_stop();
	assert_string_equal(
	    c.text, "user root\\nDec 1 sshd: Accepted failed\n");
	assert_int_equal(c.nwarnings, 1);
}

static void
test_levels_and_counts(void **state)
{
	struct log_capture c;
	unsigned long before = log_count(LOG_LVL_ERROR);

	(void)state;
	capture_start(&c);
	log_set_level(LOG_LVL_WARN);
	log_info("hidden");
	log_debug("hidden");
	log_error("shown %d", 1);
	log_error_f("with function");
	capture_stop();
	log_set_level(LOG_LVL_INFO);
	assert_string_equal(
	    c.text, "shown 1\ntest_levels_and_counts: with function\n");
	assert_int_equal(log_count(LOG_LVL_ERROR), before + 2);
	assert_string_equal(log_level_name(LOG_LVL_WARN), "warning");
}

static void
test_long_message_is_cut(void **state)
{
	struct log_capture c;
	char big[5000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	capture_start(&c);
	log_error("%s", big);
	capture_stop();
	assert_true(c.len < 2100);
	assert_non_null(strstr(c.text, "...\n"));
}

/* The start-up tee: warnings and errors also go to the descriptor, one
 * line each as on a terminal, with a forged newline still escaped;
 * notices do not; after log_tee_stop() (which returns it) nothing. */
static void
test_tee(void **state)
{
	struct log_capture c;
	char got[512] = "";
	int p[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	log_set_tag("arxd");
	capture_start(&c);
	log_tee_start(p[1], LOG_LVL_WARN);
	log_notice("not teed");
	log_warn("careful %s", "x\nforged");
	log_error("broken");
	assert_int_equal(log_tee_stop(), p[1]);
	assert_int_equal(log_tee_stop(), -1);
	log_error("after");
	capture_stop();
	close(p[1]);
	n = read(p[0], got, sizeof(got) - 1);
	close(p[0]);
	assert_true(n > 0);
	assert_string_equal(got,
	    "arxd: warning: careful x\\nforged\n"
	    "arxd: error: broken\n");
	assert_int_equal(c.nwarnings, 1);
}

/* 3 a second: the 4th and 5th are held, the first after the period
 * says 2 were; a clock going back starts a new period. */
static void
test_limit(void **state)
{
	struct log_limit l = LOG_LIMIT_INIT(3, 1000);
	unsigned long held = 99;

	(void)state;
	assert_true(log_limit_pass(&l, 5000, &held));
	assert_int_equal(held, 0);
	assert_true(log_limit_pass(&l, 5001, &held));
	assert_true(log_limit_pass(&l, 5999, &held));
	assert_false(log_limit_pass(&l, 5999, &held));
	assert_false(log_limit_pass(&l, 5999, &held));
	assert_true(log_limit_pass(&l, 6000, &held));
	assert_int_equal(held, 2);
	assert_true(log_limit_pass(&l, 6001, &held));
	assert_int_equal(held, 0);
	assert_true(log_limit_pass(&l, 10, &held));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit),
	    cmocka_unit_test(test_escape_controls),
	    cmocka_unit_test(test_escape_nul_and_utf8),
	    cmocka_unit_test(test_escape_truncates_whole_escapes),
	    cmocka_unit_test(test_message_cannot_forge_lines),
	    cmocka_unit_test(test_levels_and_counts),
	    cmocka_unit_test(test_long_message_is_cut),
	    cmocka_unit_test(test_tee),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
