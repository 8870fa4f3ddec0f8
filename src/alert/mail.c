/*
 * Implementation of mail.h: OSSEC's mail of an alert, as text.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert/mail.h"
#include "alert/rule_json.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/strparse.h"

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const days[] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* Text from outside, with every control character (and DEL) made '?';
 * bytes from 0x80 up stay (UTF-8). */
static void
put_clean(struct buf *out, const char *p, size_t len)
{
	char tmp[256];
	size_t i, k;

	while (len > 0) {
		k = len < sizeof(tmp) ? len : sizeof(tmp);
		for (i = 0; i < k; i++) {
			unsigned char c = (unsigned char)p[i];
			tmp[i] =
			    (c < 0x20 && c != '\t') || c == 0x7f ? '?' : p[i];
		}
		buf_append(out, tmp, k);
		p += k;
		len -= k;
	}
}

/* Header text: printable ASCII only, at most size - 1 bytes. */
static void
clean_header(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static void
put_host(struct buf *out, const struct event *ev, const char *node)
{
	if (span_is_set(ev->hostname) && ev->hostname.len > 0)
		put_clean(out, ev->hostname.p, ev->hostname.len);
	else
		buf_puts(out, node);
}

void
mail_subject(char *out, size_t size, const struct rule *r,
    const struct event *ev, const char *node, bool sms)
{
	struct buf b;

	buf_init(&b, 4096);
	if (sms) {
		buf_printf(&b, "arx %d - %u - ", r->level, r->id);
		alert_description(r, ev, &b);
	} else {
		buf_puts(&b, "arx Notification - ");
		put_host(&b, ev, node);
		buf_printf(&b, " - Alert level %d", r->level);
	}
	str_lcpy(out, b.data != NULL ? buf_cstr(&b) : "", size);
	clean_header(out);
	buf_release(&b);
}

static void
put_field(struct buf *out, const char *label, struct span v)
{
	if (!span_is_set(v) || v.len == 0)
		return;
	buf_puts(out, label);
	put_clean(out, v.p, v.len);
	buf_puts(out, "\r\n");
}

/* The log lines: the event's, then a correlation's previous ones. */
static void
put_logs(struct buf *out, const struct rule *r, const struct event *ev,
    const struct corr *c)
{
	size_t start = out->len, i, n, k;
	const char *const *last;

	put_clean(out, ev->full_log, ev->full_len);
	buf_puts(out, "\r\n");
	n = c != NULL && r->correlates ? corr_last_events(c, &last) : 0;
	for (i = 0; i < n && out->len - start < MAIL_BODY_MAX; i++) {
		k = strlen(last[i]);
		put_clean(out, last[i], k);
		buf_puts(out, "\r\n");
	}
	if (out->len - start > MAIL_BODY_MAX) {
		buf_truncate(out, start + MAIL_BODY_MAX);
		buf_puts(out, "\r\n");
	}
}

/* The description, $(field)s and all, cleaned. */
static void
put_description(struct buf *out, const struct rule *r, const struct event *ev)
{
	struct buf d;

	buf_init(&d, 4096);
	alert_description(r, ev, &d);
	put_clean(out, d.data != NULL ? d.data : "", d.len);
	buf_release(&d);
}

int
mail_body(struct buf *out, const struct rule *r, const struct event *ev,
    const struct corr *c, int64_t now_ms, const char *node)
{
	struct tm tm;

	clock_localtime(now_ms / 1000, &tm);
	buf_printf(out,
	    "\r\narx Notification.\r\n%d %s %02d %02d:%02d:%02d\r\n",
	    tm.tm_year + 1900, months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	buf_puts(out, "\r\nReceived From: ");
	put_host(out, ev, node);
	buf_puts(out, "->");
	put_clean(out, ev->location, strlen(ev->location));
	buf_printf(out, "\r\nRule: %u fired (level %d) -> \"", r->id, r->level);
	put_description(out, r, ev);
	buf_puts(out, "\"\r\n");
	put_field(out, "Src IP: ", ev->fields[EF_SRCIP]);
	put_field(out, "Dst IP: ", ev->fields[EF_DSTIP]);
	put_field(out, "User: ", ev->fields[EF_DSTUSER]);
	buf_puts(out, "Portion of the log(s):\r\n\r\n");
	put_logs(out, r, ev, c);
	return buf_puts(out, "\r\n\r\n --END OF NOTIFICATION\r\n\r\n\r\n");
}

int
mail_sms_body(struct buf *out, const struct event *ev)
{
	size_t n = ev->full_len < MAIL_SMS_BODY ? ev->full_len : MAIL_SMS_BODY;

	put_clean(out, ev->full_log, n);
	return buf_puts(out, "\r\n");
}

/* Date: in RFC 5322's form, local time with its offset. */
static void
put_date(struct buf *out, int64_t ms)
{
	struct tm tm;
	long off;

	clock_localtime(ms / 1000, &tm);
	off = tm.tm_gmtoff / 60;
	buf_printf(out, "Date: %s, %02d %s %d %02d:%02d:%02d %c%02ld%02ld\r\n",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
	    (off < 0 ? -off : off) % 60);
}

static void
put_head(struct buf *out, const struct mail_head *h)
{
	size_t i;

	buf_printf(out, "From: arx <%s>\r\nTo: ", h->from);
	for (i = 0; i < h->nto; i++)
		buf_printf(out, "%s<%s>", i ? ",\r\n " : "", h->to[i]);
	buf_puts(out, "\r\n");
	if (h->reply_to != NULL)
		buf_printf(out, "Reply-To: arx <%s>\r\n", h->reply_to);
	put_date(out, h->date_ms);
	buf_printf(out, "Subject: %s\r\n", h->subject);
	buf_printf(out, "Message-ID: <arx.%lld.%llu@%s>\r\n",
	    (long long)(h->date_ms / 1000), (unsigned long long)h->seq,
	    h->node);
	buf_printf(out, "X-IDS-arx: %s\r\n", h->node);
	buf_puts(out,
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
}

int
mail_message(
    struct buf *out, const struct mail_head *h, const char *body, size_t len)
{
	size_t i, run = 0, from = 0;

	put_head(out, h);
	for (i = 0; i < len; i++) {
		if (body[i] == '\n') {
			run = 0;
			continue;
		}
		if (++run <= MAIL_LINE_MAX)
			continue;
		buf_append(out, body + from, i - from);
		buf_puts(out, "\r\n");
		from = i;
		run = 1;
	}
	buf_append(out, body + from, len - from);
	return out->len > 0 && out->len + 1 < out->max ? 0 : ARX_ERR_TOOBIG;
}
