/*
 * The clock interface. Everything in arx that needs the time (timers,
 * correlation windows, block expiry) asks a struct arx_clock it was given,
 * never the system directly, so tests and replay can drive time by hand.
 * Two implementations: the real clock (CLOCK_MONOTONIC and CLOCK_REALTIME)
 * and a fake clock that moves only when told.
 */
#ifndef ARX_CORE_CLOCK_H
#define ARX_CORE_CLOCK_H

#include <stdint.h>

struct arx_clock {
	/* Milliseconds on a clock that never goes backwards. */
	uint64_t (*mono_ms)(const struct arx_clock *c);
	/* Wall-clock time, milliseconds since the Unix epoch. */
	int64_t (*wall_ms)(const struct arx_clock *c);
};

/* The process-wide real clock (immutable, shared). */
const struct arx_clock *clock_real(void);

/*
 * localtime_r() with a one-minute memory per thread: a second of the
 * minute last asked for is that minute's broken-down time with its
 * seconds changed (zone offsets change on minute boundaries). Alerts and
 * line times ask for the same minute again and again.
 */
struct tm;
void clock_localtime(int64_t secs, struct tm *out);

/* timegm() by arithmetic (glibc's normalises through several calls):
 * seconds since the epoch of a UTC broken-down time. Out-of-range
 * fields carry as timegm's do; tm_wday, tm_yday and tm_isdst are not
 * read. */
int64_t clock_timegm(const struct tm *tm);

struct fake_clock {
	struct arx_clock base; /* pass &fc.base where a clock is wanted */
	uint64_t mono;
	int64_t wall;
};

/* Start a fake clock at the given wall time; monotonic time starts at 1000. */
void fake_clock_init(struct fake_clock *fc, int64_t wall_ms);
/* Move both clocks forward by ms. */
void fake_clock_advance(struct fake_clock *fc, uint64_t ms);

static inline uint64_t
clock_mono_ms(const struct arx_clock *c)
{
	return c->mono_ms(c);
}

static inline int64_t
clock_wall_ms(const struct arx_clock *c)
{
	return c->wall_ms(c);
}

#endif
