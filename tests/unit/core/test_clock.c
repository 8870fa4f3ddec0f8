/* Unit tests for core/clock: the real clock moves forward, the fake one
 * only when told. */
#include <stdlib.h>
#include <time.h>

#include "testutil.h"

#include "core/clock.h"

static void
test_real(void **state)
{
	const struct arx_clock *c = clock_real();
	uint64_t m1, m2;
	int64_t w;

	(void)state;
	m1 = clock_mono_ms(c);
	m2 = clock_mono_ms(c);
	assert_true(m2 >= m1);
	w = clock_wall_ms(c);
	assert_true(w / 1000 - (int64_t)time(NULL) <= 1);
	assert_true((int64_t)time(NULL) - w / 1000 <= 1);
}

static void
test_fake(void **state)
{
	struct fake_clock fc;

	(void)state;
	fake_clock_init(&fc, 1700000000000);
	assert_int_equal(clock_mono_ms(&fc.base), 1000);
	assert_int_equal(clock_wall_ms(&fc.base), 1700000000000);
	fake_clock_advance(&fc, 2500);
	assert_int_equal(clock_mono_ms(&fc.base), 3500);
	assert_int_equal(clock_wall_ms(&fc.base), 1700000002500);
}

/* The remembered minute gives what localtime_r gives, second by second
 * across both summer-time changes of 2026 in Berlin, and backwards. */
static void
test_localtime(void **state)
{
	static const int64_t around[] = {1774746000, 1792890000};
	struct tm got, want;
	int64_t s;
	time_t t;
	size_t i;

	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	for (i = 0; i < 2; i++) {
		for (s = around[i] - 7200; s < around[i] + 7200; s += 7) {
			t = (time_t)s;
			clock_localtime(s, &got);
			localtime_r(&t, &want);
			assert_int_equal(got.tm_hour, want.tm_hour);
			assert_int_equal(got.tm_min, want.tm_min);
			assert_int_equal(got.tm_sec, want.tm_sec);
			assert_int_equal(got.tm_mday, want.tm_mday);
			assert_int_equal(got.tm_isdst, want.tm_isdst);
		}
		for (s = around[i] + 100; s > around[i] - 100; s--) {
			t = (time_t)s;
			clock_localtime(s, &got);
			localtime_r(&t, &want);
			assert_int_equal(
			    got.tm_hour * 3600 + got.tm_min * 60 + got.tm_sec,
			    want.tm_hour * 3600 + want.tm_min * 60 +
				want.tm_sec);
		}
	}
	unsetenv("TZ");
	tzset();
}

/* clock_timegm agrees with glibc's timegm on every day from 1600 to
 * 2400 (leap centuries included), at varied times, and on fields out of
 * range that timegm carries (month 13, day 0, hour 24, month -1). */
static void
test_timegm(void **state)
{
	static const int odd[][6] = {
	    {126, 12, 1, 0, 0, 0},
	    {126, 0, 0, 0, 0, 0},
	    {126, 5, 30, 24, 0, 0},
	    {126, -1, 15, 3, 4, 5},
	    {126, 1, 29, 23, 59, 60},
	    {-300, 25, 3, 1, 1, 1},
	};
	struct tm tm, g;
	int64_t day;
	size_t i;

	(void)state;
	for (day = -134774; day < 157808; day++) { /* 1601 .. 2402 */
		time_t t =
		    (time_t)(day * 86400 + (day % 86400 + 86400) % 86400);
		gmtime_r(&t, &g);
		tm = g;
		tm.tm_wday = tm.tm_yday = -7; /* not read */
		assert_int_equal(clock_timegm(&tm), (int64_t)t);
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = odd[i][0];
		tm.tm_mon = odd[i][1];
		tm.tm_mday = odd[i][2];
		tm.tm_hour = odd[i][3];
		tm.tm_min = odd[i][4];
		tm.tm_sec = odd[i][5];
		g = tm;
		assert_int_equal(clock_timegm(&tm), (int64_t)timegm(&g));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real),
	    cmocka_unit_test(test_fake),
	    cmocka_unit_test(test_localtime),
	    cmocka_unit_test(test_timegm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
