/*
 * Real and fake implementations of the clock interface in clock.h.
 */
#include <stdbool.h>
#include <time.h>

#include "core/clock.h"

static uint64_t
real_mono_ms(const struct arx_clock *c)
{
	struct timespec ts;

	(void)c;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int64_t
real_wall_ms(const struct arx_clock *c)
{
	struct timespec ts;

	(void)c;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct arx_clock real_clock = {real_mono_ms, real_wall_ms};

const struct arx_clock *
clock_real(void)
{
	return &real_clock;
}

static uint64_t
fake_mono_ms(const struct arx_clock *c)
{
	return ((const struct fake_clock *)c)->mono;
}

static int64_t
fake_wall_ms(const struct arx_clock *c)
{
	return ((const struct fake_clock *)c)->wall;
}

void
fake_clock_init(struct fake_clock *fc, int64_t wall_ms)
{
	fc->base.mono_ms = fake_mono_ms;
	fc->base.wall_ms = fake_wall_ms;
	fc->mono = 1000;
	fc->wall = wall_ms;
}

void
fake_clock_advance(struct fake_clock *fc, uint64_t ms)
{
	fc->mono += ms;
	fc->wall += (int64_t)ms;
}

void
clock_localtime(int64_t secs, struct tm *out)
{
	/* Two minutes remembered: a line's time and the clock it is read
	 * against alternate, and one entry would be replaced on every call. */
	static _Thread_local struct {
		int64_t minute;
		struct tm tm;
		bool set;
	} c[2];
	static _Thread_local unsigned next;
	int64_t minute = secs >= 0 ? secs / 60 : (secs - 59) / 60;
	unsigned k;
	time_t t;

	for (k = 0; k < 2 && !(c[k].set && c[k].minute == minute); k++)
		;
	if (k == 2) {
		k = next;
		next ^= 1;
		t = (time_t)(minute * 60);
		if (localtime_r(&t, &c[k].tm) == NULL) {
			t = (time_t)secs;
			(void)localtime_r(&t, out);
			return;
		}
		c[k].minute = minute;
		c[k].set = true;
	}
	*out = c[k].tm;
	out->tm_sec = (int)(secs - minute * 60);
}

/* Days from 1970-01-01 to the civil date y-m-d (m 1-12), for any y: the
 * year is counted from March so the leap day falls last. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int64_t
clock_timegm(const struct tm *tm)
{
	int64_t y = (int64_t)tm->tm_year + 1900;
	int mon = tm->tm_mon;

	y += mon / 12;
	if ((mon %= 12) < 0) {
		mon += 12;
		y--;
	}
	return days_from_civil(y, mon + 1, 1) * 86400 +
	    ((int64_t)tm->tm_mday - 1) * 86400 + (int64_t)tm->tm_hour * 3600 +
	    (int64_t)tm->tm_min * 60 + tm->tm_sec;
}
