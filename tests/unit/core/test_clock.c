/* Unit tests for core/clock: the real clock moves forward, the fake one
 * only when told. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real),
	    cmocka_unit_test(test_fake),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
