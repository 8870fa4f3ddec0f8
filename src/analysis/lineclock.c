/*
 * Line times (lineclock.h).
 */
#include "analysis/lineclock.h"
#include "core/log.h"
#include "engine/evtime.h"
#include "engine/predecode.h"

#define FUTURE_SLACK_MS 1000 /* a stamp may run this much ahead */

/* A fresh line older than max_age: the source's clock is off by about
 * age; from now on its stamps are moved by it. */
static void
skew_seen(struct line_clock *lc, int64_t age_ms)
{
	lc->skew_ms += age_ms;
	if (lc->warned)
		return;
	lc->warned = true;
	log_warn("%s: fresh lines carry times %lld s in the past: the "
		 "writer's clock or time zone differs from this host's; "
		 "its times are moved by that much from now on",
	    lc->name != NULL ? lc->name : "a source",
	    (long long)(age_ms / 1000));
}

int64_t
line_clock_time(
    struct line_clock *lc, struct event *ev, int64_t now_ms, int64_t max_age_ms)
{
	int64_t t;

	if (lc == NULL || predecode(ev) != 0 ||
	    event_time_ms(ev, now_ms, &t) != 0)
		return now_ms;
	t += lc->skew_ms;
	if (t > now_ms + FUTURE_SLACK_MS)
		return now_ms;
	if (lc->live && now_ms - t > max_age_ms) {
		skew_seen(lc, now_ms - t);
		return now_ms;
	}
	return t < now_ms ? t : now_ms;
}
