/*
 * Implementation of alert_log.h.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/alert_log.h"
#include "alert/rule_json.h"
#include "core/clock.h"
#include "core/strparse.h"

/* The record is written piece by piece rather than with printf: one
 * record per alert, and formatting was a fifth of the analysis time. */

static void
put_u64(struct buf *out, uint64_t v)
{
	static const char pairs[] = "00010203040506070809"
				    "10111213141516171819"
				    "20212223242526272829"
				    "30313233343536373839"
				    "40414243444546474849"
				    "50515253545556575859"
				    "60616263646566676869"
				    "70717273747576777879"
				    "80818283848586878889"
				    "90919293949596979899";
	char d[24];
	size_t i = sizeof(d);

	for (; v >= 100; v /= 100) { /* two digits a division */
		i -= 2;
		memcpy(d + i, pairs + (v % 100) * 2, 2);
	}
	if (v >= 10) {
		i -= 2;
		memcpy(d + i, pairs + v * 2, 2);
	} else
		d[--i] = (char)('0' + v);
	buf_append(out, d + i, sizeof(d) - i);
}

static void
put_2d(struct buf *out, int v, char after)
{
	char d[3] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10), after};

	buf_append(out, d, 3);
}

static void
put_line(struct buf *out, const char *label, struct span v)
{
	if (!span_is_set(v) || v.len == 0)
		return;
	buf_puts(out, label);
	buf_append(out, ": ", 2);
	buf_append(out, v.p, v.len);
	buf_putc(out, '\n');
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
		str_lcpy(host, "localhost", sizeof(host));
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

	clock_localtime((int64_t)t, &tm);
	buf_append(out, "** Alert ", 9);
	if (t < 0)
		buf_printf(out, "%lld", (long long)t);
	else
		put_u64(out, (uint64_t)t);
	buf_putc(out, '.');
	put_u64(out, offset);
	buf_puts(
	    out, (r->options & RULE_OPT_ALERT_EMAIL) ? ": mail  - " : ": - ");
	buf_puts(out, r->groups);
	buf_putc(out, '\n');
	put_u64(out, (uint64_t)(tm.tm_year + 1900));
	buf_putc(out, ' ');
	buf_puts(out, months[tm.tm_mon]);
	buf_putc(out, ' ');
	put_2d(out, tm.tm_mday, ' ');
	put_2d(out, tm.tm_hour, ':');
	put_2d(out, tm.tm_min, ':');
	put_2d(out, tm.tm_sec, ' ');
	put_host(out, ev);
	buf_append(out, "->", 2);
	buf_puts(out, ev->location);
	buf_append(out, "\nRule: ", 7);
	put_u64(out, r->id);
	buf_append(out, " (level ", 8);
	put_u64(out, (uint64_t)(r->level < 0 ? 0 : r->level));
	buf_append(out, ") -> '", 6);
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
	for (i = 0; i < n && r->correlates; i++) {
		buf_puts(out, last[i]);
		buf_putc(out, '\n');
	}
	return buf_putc(out, '\n');
}
