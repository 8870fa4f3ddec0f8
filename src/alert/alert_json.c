/*
 * Implementation of alert_json.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert/alert_json.h"
#include "alert/event_json.h"
#include "alert/rule_json.h"
#include "core/clock.h"
#include "engine/json.h"

/* "2024-05-01T10:00:00.123+0200": local time, ms, offset without colon. */
static void
put_timestamp(struct buf *out, int64_t now_ms)
{
	time_t t = (time_t)(now_ms / 1000);
	char zone[8], date[32];
	struct tm tm;

	clock_localtime((int64_t)t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	buf_printf(out, "\"timestamp\":\"%s.%03d%s\"", date,
	    (int)(now_ms % 1000), zone);
}

static void
put_previous(struct buf *out, const struct rule *r, const struct corr *c)
{
	const char *const *last;
	size_t n = c != NULL && r->correlates ? corr_last_events(c, &last) : 0;
	struct buf tmp;
	size_t i;

	if (n < 2)
		return;
	buf_init(&tmp, 1u << 20);
	for (i = 0; i < n; i++)
		buf_printf(&tmp, "%s%s", i ? "\n" : "", last[i]);
	buf_puts(out, ",\"previous_output\":");
	json_put_string(out, buf_cstr(&tmp), tmp.len);
	buf_release(&tmp);
}

int
alert_json_format(struct buf *out, const struct rule *r, const struct event *ev,
    const struct corr *c, unsigned long firedtimes, int64_t now_ms,
    uint64_t offset, const char *manager)
{
	buf_putc(out, '{');
	put_timestamp(out, now_ms);
	buf_putc(out, ',');
	alert_rule_json(r, ev, firedtimes, out);
	buf_puts(out, ",\"agent\":{\"id\":\"000\",\"name\":");
	json_put_string(out, manager, strlen(manager));
	buf_puts(out, "},\"manager\":{\"name\":");
	json_put_string(out, manager, strlen(manager));
	buf_printf(out, "},\"id\":\"%lld.%llu\"", (long long)(now_ms / 1000),
	    (unsigned long long)offset);
	put_previous(out, r, c);
	buf_putc(out, ',');
	alert_event_json(ev, !(r->options & RULE_OPT_NO_FULL_LOG), out);
	return buf_puts(out, "}\n");
}
