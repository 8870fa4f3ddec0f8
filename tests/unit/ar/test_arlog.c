/*
 * Unit tests for active-responses.log (arlog.c): the exact line, optional
 * parts left out, appends, and the round trip that matters: every line
 * arx writes is read back by arx's own ruleset as rule 601, 602 or 603,
 * and the block journal's fail and recovered lines as 605 and 606.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "ar/arlog.h"
#include "core/err.h"
#include "engine/ruleset.h"

static const struct ar_log_entry add = {
    "firewall-drop", "add", "192.0.2.6", 5712, "1700000000.42", 600, NULL};

static void
test_format(void **state)
{
	struct ar_log_entry del = {
	    "firewall-drop", "delete", "2001:db8::6", 0, NULL, 0, NULL};
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	assert_int_equal(ar_log_format(&b, 1700000000123, &add), 0);
	assert_string_equal(buf_cstr(&b),
	    "2023/11/14 22:13:20 arx-ar: firewall-drop add 192.0.2.6 rule "
	    "5712 alert 1700000000.42 timeout 600\n");
	buf_reset(&b);
	assert_int_equal(ar_log_format(&b, 1700000000123, &del), 0);
	assert_string_equal(buf_cstr(&b),
	    "2023/11/14 22:13:20 arx-ar: firewall-drop delete 2001:db8::6\n");
	buf_release(&b);
}

static unsigned
rule_of(struct ruleset *rs, struct corr *c, const char *line)
{
	struct pattern_scratch sc = {0};
	struct rule_result res;
	struct event ev;
	size_t len = strlen(line);

	event_init(&ev);
	event_set_line(
	    &ev, line, len - 1, "/var/ossec/logs/active-responses.log");
	ruleset_analyse(rs, c, &ev, 1700000000000, &sc, NULL, &res);
	event_release(&ev);
	pattern_scratch_release(&sc);
	return res.rule != NULL ? res.rule->id : 0;
}

static void
test_read_back(void **state)
{
	const char *dirs[1] = {ARX_SOURCE_DIR "/ruleset"};
	const char *types[] = {"add", "extend", "delete", "fail"};
	const unsigned want[] = {601, 601, 602, 603};
	struct ruleset *rs = NULL;
	struct ar_log_entry e = add;
	struct corr *c;
	struct buf b;
	size_t i;

	(void)state;
	assert_int_equal(ruleset_load_dirs(dirs, 1, &rs), 0);
	c = corr_new(rs->rules);
	buf_init(&b, 4096);
	for (i = 0; i < 4; i++) {
		e.type = types[i];
		e.addr = i % 2 ? "2001:db8::6" : "192.0.2.6";
		buf_reset(&b);
		assert_int_equal(ar_log_format(&b, 1700000000000, &e), 0);
		assert_int_equal(rule_of(rs, c, buf_cstr(&b)), want[i]);
	}
	/* The block journal failing and whole again: 605 and 606. */
	e = (struct ar_log_entry){.command = "arx-journal",
	    .type = "fail",
	    .addr = "-",
	    .error = "/var/lib/arx/blocks.journal: cannot write: No space "
		     "left on device"};
	buf_reset(&b);
	assert_int_equal(ar_log_format(&b, 1700000000000, &e), 0);
	assert_string_equal(buf_cstr(&b),
	    "2023/11/14 22:13:20 arx-ar: arx-journal fail - error "
	    "/var/lib/arx/blocks.journal: cannot write: No space left on "
	    "device\n");
	assert_int_equal(rule_of(rs, c, buf_cstr(&b)), 605);
	e.type = "recovered";
	e.error = "rewritten whole";
	buf_reset(&b);
	assert_int_equal(ar_log_format(&b, 1700000000000, &e), 0);
	assert_int_equal(rule_of(rs, c, buf_cstr(&b)), 606);
	buf_release(&b);
	corr_free(c);
	ruleset_free(rs);
}

static void
test_append(void **state)
{
	char path[] = "/tmp/arx-arlog-XXXXXX";
	char text[512];
	ssize_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ar_log_append(path, 1700000000000, &add), 0);
	assert_int_equal(ar_log_append(path, 1700000001000, &add), 0);
	n = read(fd, text, sizeof(text) - 1);
	assert_true(n > 0);
	text[n] = '\0';
	assert_non_null(strstr(text, "22:13:20 arx-ar: firewall-drop add"));
	assert_non_null(strstr(text, "timeout 600\n2023/11/14 22:13:21 "));
	close(fd);
	unlink(path);
	/* Not logged here (the dispatcher limits how often it says so);
	 * errno says why. */
	errno = 0;
	assert_int_equal(
	    ar_log_append("/nonexistent/dir/log", 0, &add), ARX_ERR_SYS);
	assert_int_equal(errno, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_read_back),
	    cmocka_unit_test(test_append),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
