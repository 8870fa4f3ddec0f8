/*
 * A line's own time: syslog stamps in local time must give what
 * mktime() gives, for every hour of a year in a zone with summer time
 * (the conversion keeps the zone's offset per hour instead of calling
 * mktime for each line), and ISO 8601 stamps with a zone are exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "testutil.h"

#include "core/err.h"
#include "engine/event.h"
#include "engine/evtime.h"

static int64_t
stamp_ms(const char *text, int64_t ref_ms)
{
	struct event ev;
	int64_t out = 0;

	event_init(&ev);
	ev.timestamp.p = text;
	ev.timestamp.len = strlen(text);
	assert_int_equal(event_time_ms(&ev, ref_ms, &out), 0);
	event_release(&ev);
	return out;
}

static void
test_every_hour(void **state)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm = {.tm_year = 126, .tm_mday = 1, .tm_isdst = -1};
	int64_t ref;
	char text[32];
	int h;

	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	for (h = 0; h < 365 * 24; h++) {
		struct tm t = tm, want_tm;
		time_t want;

		t.tm_hour = h;
		t.tm_min = 30;
		t.tm_sec = 15;
		want_tm = t;
		want = mktime(&want_tm); /* normalises t to a date */
		t = want_tm;
		snprintf(text, sizeof(text), "%s %2d %02d:%02d:%02d",
		    mon[t.tm_mon], t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
		ref = ((int64_t)want + 60) * 1000; /* read a minute later */
		if (stamp_ms(text, ref) != (int64_t)want * 1000)
			fail_msg("%s: %lld, mktime says %lld", text,
			    (long long)stamp_ms(text, ref),
			    (long long)want * 1000);
		/* the same hour again: from the kept offset */
		text[strlen(text) - 5] = '5';
		text[strlen(text) - 4] = '9';
		if (stamp_ms(text, ref + 1800000) !=
		    ((int64_t)want + 29 * 60) * 1000)
			fail_msg("%s: not from the kept offset", text);
	}
	/* With a zone: exact, whatever TZ says. */
	ref = (int64_t)1795400000 * 1000;
	assert_int_equal(stamp_ms("2026-11-22T12:03:25.250+01:00", ref),
	    (int64_t)1795345405 * 1000 + 250);
	unsetenv("TZ");
	tzset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_hour),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
