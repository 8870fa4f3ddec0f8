/*
 * The time of a line, for correlation and for the "old lines never
 * block" rule. A line read from a file or the journal is judged on its
 * own time stamp, so a backlog read after downtime keeps its real
 * timing; a syslog message or an agent's event on its arrival.
 *
 * The stamp is trusted within bounds: never later than the clock (plus
 * a second), and a source whose fresh lines (read after it caught up
 * with its file) are older than max_age has a skewed clock or a wrong
 * time zone, not a backlog: it is warned about once and its lines are
 * moved by the skew from then on. Owns nothing but that per-source
 * state.
 */
#ifndef ARX_ANALYSIS_LINECLOCK_H
#define ARX_ANALYSIS_LINECLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/event.h"

struct line_clock {
	const char *name; /* the source, for the warning */
	int64_t skew_ms;  /* added to the stamps once a skew was seen */
	bool live;        /* caught up: what it reads now was just written */
	bool warned;
};

/* ev's time (ev->full_log set; predecodes it): its stamp, bounded as
 * above, or now_ms when it has none or lc is NULL. */
int64_t line_clock_time(struct line_clock *lc, struct event *ev, int64_t now_ms,
    int64_t max_age_ms);

#endif
