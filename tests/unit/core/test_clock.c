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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real),
	    cmocka_unit_test(test_fake),
	    cmocka_unit_test(test_localtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
