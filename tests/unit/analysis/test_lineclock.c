/*
 * Line times: a file's line is judged on its own stamp (a backlog keeps
 * its timing), never later than the clock; fresh lines that are old
 * betray a skewed writer, whose stamps are then moved; and the rule for
 * a line too old to be answered (the rule's window, or max_age).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

#include "analysis/lineclock.h"
#include "engine/event.h"
#include "pipeline/step.h"

#define MAX_AGE (600 * 1000)

/* now: 2026-12-07 12:00:00 UTC; the zone is UTC for the whole test. */
static const int64_t NOW = 1796644800000;

static int64_t
at(struct line_clock *lc, const char *line)
{
	struct event ev;
	int64_t t;

	event_init(&ev);
	assert_int_equal(event_set_line(&ev, line, strlen(line), "f"), 0);
	t = line_clock_time(lc, &ev, NOW, MAX_AGE);
	event_release(&ev);
	return t;
}

static void
test_stamps(void **state)
{
	struct line_clock lc = {.name = "auth.log"};

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* No clock (a syslog message): arrival. */
	assert_int_equal(at(NULL, "Dec  7 11:00:00 h sshd[1]: x"), NOW);
	/* A backlog line: its own time, an hour ago. */
	assert_int_equal(
	    at(&lc, "Dec  7 11:00:00 h sshd[1]: x"), NOW - 3600 * 1000);
	assert_int_equal(
	    at(&lc, "2026-12-07T11:59:30.250+00:00 h sshd[1]: x"), NOW - 29750);
	/* Ahead of the clock: the clock. No stamp: the clock. */
	assert_int_equal(at(&lc, "Dec  7 12:00:05 h sshd[1]: x"), NOW);
	assert_int_equal(at(&lc, "no stamp at all"), NOW);
	assert_false(lc.warned);
	/* Caught up: a fresh line an hour old is a skewed writer. */
	lc.live = true;
	assert_int_equal(at(&lc, "Dec  7 11:00:00 h sshd[1]: x"), NOW);
	assert_true(lc.warned);
	assert_int_equal(lc.skew_ms, 3600 * 1000);
	/* From then on its stamps are moved by the skew. */
	assert_int_equal(at(&lc, "Dec  7 10:59:30 h sshd[1]: x"), NOW - 30000);
	/* A fresh line within max_age is taken as it is. */
	lc = (struct line_clock){.name = "auth.log", .live = true};
	assert_int_equal(
	    at(&lc, "Dec  7 11:55:00 h sshd[1]: x"), NOW - 300 * 1000);
	assert_false(lc.warned);
	unsetenv("TZ");
	tzset();
}

static void
test_too_old(void **state)
{
	(void)state;
	/* max_age alone */
	assert_false(ar_step_too_old(NOW - 600000, NOW, 0, MAX_AGE));
	assert_true(ar_step_too_old(NOW - 600001, NOW, 0, MAX_AGE));
	/* a rule's window shorter than max_age decides */
	assert_false(ar_step_too_old(NOW - 120000, NOW, 120, MAX_AGE));
	assert_true(ar_step_too_old(NOW - 120001, NOW, 120, MAX_AGE));
	/* a longer window does not lengthen max_age */
	assert_true(ar_step_too_old(NOW - 600001, NOW, 3600, MAX_AGE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stamps),
	    cmocka_unit_test(test_too_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
