/*
 * Implementation of alert_log.h.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert_log.h"
#include "alert/rule_json.h"

static void
put_line(struct buf *out, const char *label, struct span v)
{
	if (span_is_set(v) && v.len > 0)
		buf_printf(out, "%s: %.*s\n", label, (int)v.len, v.p);
}

static void
put_host(struct buf *out, const struct event *ev)
{
	char host[256];

	if (span_is_set(ev->hostname) && ev->hostname.len > 0) {
		buf_append(out, ev->hostname.p, ev->hostname.len);
		return;
	}
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	buf_puts(out, host);
}

int
alert_log_format(struct buf *out, const struct rule *r, const struct event *ev,
    const struct corr *c, int64_t now_ms, uint64_t offset)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t t = (time_t)(now_ms / 1000);
	const char *const *last;
	struct tm tm;
	size_t i, n;

	localtime_r(&t, &tm);
	buf_printf(out, "** Alert %lld.%llu:%s - %s\n", (long long)t,
	    (unsigned long long)offset,
	    (r->options & RULE_OPT_ALERT_EMAIL) ? " mail " : "", r->groups);
	buf_printf(out, "%d %s %02d %02d:%02d:%02d ", tm.tm_year + 1900,
	    months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	put_host(out, ev);
	buf_printf(out, "->%s\nRule: %u (level %d) -> '", ev->location, r->id,
	    r->level);
	alert_description(r, ev, out);
	buf_puts(out, "'\n");
	put_line(out, "Src IP", ev->fields[EF_SRCIP]);
	put_line(out, "Src Port", ev->fields[EF_SRCPORT]);
	put_line(out, "Dst IP", ev->fields[EF_DSTIP]);
	put_line(out, "Dst Port", ev->fields[EF_DSTPORT]);
	put_line(out, "User", ev->fields[EF_DSTUSER]);
	buf_append(out, ev->full_log, ev->full_len);
	buf_putc(out, '\n');
	for (i = 0; i < ev->ndyn; i++)
		put_line(out, ev->dyn[i].name, ev->dyn[i].value);
	n = c != NULL ? corr_last_events(c, &last) : 0;
	for (i = 0; i < n && r->correlates; i++)
		buf_printf(out, "%s\n", last[i]);
	return buf_putc(out, '\n');
}
