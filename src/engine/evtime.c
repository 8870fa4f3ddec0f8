/*
 * Implementation of evtime.h for the stamp forms the pre-decoder knows:
 * "Mmm dd hh:mm:ss[.frac]", "Mmm dd yyyy hh:mm:ss", "yyyy Mmm dd
 * hh:mm:ss", and "yyyy-mm-dd[T ]hh:mm:ss[.,frac][Z|+hh:mm|+hhmm]".
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "engine/evtime.h"

static int
month_of(const char *s)
{
	static const char m[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char low[3];
	int i;

	for (i = 0; i < 3; i++) /* ASCII letters only: others never match */
		low[i] = (char)(s[i] | 0x20);
	for (i = 0; i < 12; i++)
		if (low[0] == m[3 * i] && low[1] == m[3 * i + 1] &&
		    low[2] == m[3 * i + 2])
			return i;
	return strncmp(s, "M\xc3\xa4r", 4) == 0 ? 2 : -1;
}

/* n digits at s[*i] into *v. */
static bool
num(const char *s, size_t len, size_t *i, int n, int *v)
{
	int k;

	*v = 0;
	while (*i < len && s[*i] == ' ')
		(*i)++;
	for (k = 0; k < n; k++, (*i)++) {
		if (*i >= len || !isdigit((unsigned char)s[*i]))
			return k > 0 && n == 2; /* "9" for a day */
		*v = *v * 10 + (s[*i] - '0');
	}
	return true;
}

static bool
clock_part(const char *s, size_t len, size_t *i, struct tm *tm)
{
	return num(s, len, i, 2, &tm->tm_hour) && *i < len &&
	    s[(*i)++] == ':' && num(s, len, i, 2, &tm->tm_min) && *i < len &&
	    s[(*i)++] == ':' && num(s, len, i, 2, &tm->tm_sec);
}

/* Fraction and zone after the seconds; *offset in seconds east of UTC. */
static int
frac_zone(
    const char *s, size_t len, size_t i, int *ms, int *offset, bool *has_zone)
{
	int h, m, sign, scale = 100;

	*ms = 0;
	*has_zone = false;
	if (i < len && (s[i] == '.' || s[i] == ',')) {
		for (i++; i < len && isdigit((unsigned char)s[i]);
		     i++, scale /= 10)
			*ms += (s[i] - '0') * scale;
	}
	if (i < len && s[i] == 'Z') {
		*offset = 0;
		*has_zone = true;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i++] == '-' ? -1 : 1;
		if (!num(s, len, &i, 2, &h))
			return -1;
		if (i < len && s[i] == ':')
			i++;
		if (!num(s, len, &i, 2, &m))
			return -1;
		*offset = sign * (h * 3600 + m * 60);
		*has_zone = true;
	}
	return 0;
}

/*
 * mktime() for a local time, without its cost: glibc's mktime looks at
 * /etc/localtime (a stat) on every call. The local offset is found once
 * per hour of local time with mktime and kept (one entry per thread:
 * log lines come in order, so the hour rarely changes); within that
 * hour, the time is timegm() less the offset.
 */
static time_t
local_mktime(struct tm *tm)
{
	static _Thread_local struct {
		int year, yday_key, hour;
		long gmtoff;
		bool set;
	} c;
	struct tm h = *tm, g;
	time_t t;
	int key = tm->tm_mon * 32 + tm->tm_mday;

	if (!c.set || c.year != tm->tm_year || c.yday_key != key ||
	    c.hour != tm->tm_hour) {
		h.tm_min = h.tm_sec = 0;
		h.tm_isdst = -1;
		g = h;
		if ((t = mktime(&h)) == (time_t)-1)
			return mktime(tm);
		c.gmtoff = (long)(clock_timegm(&g) - t);
		c.year = tm->tm_year;
		c.yday_key = key;
		c.hour = tm->tm_hour;
		c.set = true;
	}
	return (time_t)clock_timegm(tm) - c.gmtoff;
}

static int64_t
to_ms(struct tm *tm, int ms, bool has_zone, int offset)
{
	time_t t;

	tm->tm_isdst = -1;
	t = has_zone ? (time_t)clock_timegm(tm) - offset : local_mktime(tm);
	return (int64_t)t * 1000 + ms;
}

static int
stamp_parse(const struct event *ev, int64_t ref_ms, int64_t *out)
{
	const char *s = ev->timestamp.p;
	size_t len = ev->timestamp.len, i = 0;
	struct tm tm = {0}, ref;
	time_t rt = (time_t)(ref_ms / 1000);
	int ms = 0, offset = 0, mon;
	bool zone = false, bsd;

	if (s == NULL)
		return ARX_ERR_NOTFOUND;
	clock_localtime((int64_t)rt, &ref);
	tm.tm_year = ref.tm_year;
	if (len >= 4 && isdigit((unsigned char)s[0]) && s[4] == '-') {
		if (!num(s, len, &i, 4, &tm.tm_year) || s[i++] != '-' ||
		    !num(s, len, &i, 2, &tm.tm_mon) || s[i++] != '-' ||
		    !num(s, len, &i, 2, &tm.tm_mday) || i >= len)
			return ARX_ERR_INVAL;
		i++; /* 'T' or ' ' */
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		bsd = false;
	} else {
		if (len >= 4 && isdigit((unsigned char)s[0]) && s[4] == ' ') {
			(void)num(s, len, &i, 4, &tm.tm_year);
			tm.tm_year -= 1900;
			i++;
		}
		if ((mon = month_of(s + i)) < 0)
			return ARX_ERR_INVAL;
		tm.tm_mon = mon;
		i += strncmp(s + i, "M\xc3\xa4r", 4) == 0 ? 4 : 3;
		if (!num(s, len, &i, 2, &tm.tm_mday))
			return ARX_ERR_INVAL;
		bsd = !(len >= 4 && isdigit((unsigned char)s[0]));
		if (i + 5 < len && s[i + 3] != ':' && s[i + 1] != ' ' &&
		    isdigit((unsigned char)s[i + 1]) && s[i + 5] == ' ') {
			(void)num(s, len, &i, 4, &tm.tm_year); /* Mmm dd yyyy */
			tm.tm_year -= 1900;
			bsd = false;
		}
	}
	if (!clock_part(s, len, &i, &tm) ||
	    frac_zone(s, len, i, &ms, &offset, &zone) != 0)
		return ARX_ERR_INVAL;
	*out = to_ms(&tm, ms, zone, offset);
	if (bsd && *out > ref_ms + 86400000) { /* last year's December */
		tm.tm_year--;
		*out = to_ms(&tm, ms, zone, offset);
	}
	return 0;
}

/*
 * Lines come in bursts of one stamp: the last stamp read and the second
 * of the reference it was read against are kept per thread (the
 * reference decides the year of a stamp without one), and the same pair
 * gives the same time without parsing again.
 */
#define STAMP_KEY_MAX 40

int
event_time_ms(const struct event *ev, int64_t ref_ms, int64_t *out)
{
	static _Thread_local struct {
		char key[STAMP_KEY_MAX];
		size_t len;
		int64_t ref_s, out;
	} c;
	const char *s = ev->timestamp.p;
	size_t len = ev->timestamp.len;
	int r;

	if (s != NULL && len > 0 && len <= STAMP_KEY_MAX && len == c.len &&
	    ref_ms / 1000 == c.ref_s && memcmp(s, c.key, len) == 0) {
		*out = c.out;
		return 0;
	}
	/* near the day-ahead test (last year's December), milliseconds of
	 * the reference decide: not kept */
	if ((r = stamp_parse(ev, ref_ms, out)) != 0 || s == NULL ||
	    len > STAMP_KEY_MAX || *out > ref_ms + 86400000 - 2000)
		return r;
	memcpy(c.key, s, len);
	c.len = len;
	c.ref_s = ref_ms / 1000;
	c.out = *out;
	return 0;
}
