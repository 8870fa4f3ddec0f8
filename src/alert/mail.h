/*
 * E-mail alerts as text: OSSEC's maild mail format, with arx's name where
 * OSSEC's says OSSEC, so filters written on its structure keep working
 * (docs/CONFIG.md, "E-mail alerts"). Pure: rule, event and times in,
 * text out; the queue that groups them is mailq.h, the sending is
 * analysis/mailer.c.
 *
 *   Subject: arx Notification - web01 - Alert level 10
 *
 *   arx Notification.
 *   2026 Dec 07 22:30:00
 *
 *   Received From: web01->/var/log/auth.log
 *   Rule: 5712 fired (level 10) -> "description"
 *   Src IP: 203.0.113.7
 *   User: root
 *   Portion of the log(s):
 *
 *   <the line, then the previous events of a correlation>
 *
 *
 *    --END OF NOTIFICATION
 *
 * The sms format is a subject "arx 10 - 5712 - description" and the
 * first 128 bytes of the log lines. Every line ends in CRLF; text from
 * the event has its control characters replaced by '?'.
 */
#ifndef ARX_ALERT_MAIL_H
#define ARX_ALERT_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/rule.h"

#define MAIL_SUBJECT_MAX 128   /* bytes with the NUL, as OSSEC's */
#define MAIL_BODY_MAX    65536 /* the log lines of one alert */
#define MAIL_SMS_BODY    128   /* the log bytes of an sms mail */
#define MAIL_LINE_MAX    990   /* longer body lines are broken */

/*
 * The subject of rule r's alert on ev: "arx Notification - HOST - Alert
 * level N", HOST being what comes before "->" in the location (the
 * event's host name, else node). sms: "arx N - ID - DESCRIPTION".
 * Cut to fit size; never holds a control character.
 */
void mail_subject(char *out, size_t size, const struct rule *r,
    const struct event *ev, const char *node, bool sms);

/*
 * Append the body of rule r's alert on ev at now_ms (wall clock) to
 * out; c (may be NULL) gives the previous events. node stands for the
 * host when the line names none. 0, or ARX_ERR_TOOBIG from out.
 */
int mail_body(struct buf *out, const struct rule *r, const struct event *ev,
    const struct corr *c, int64_t now_ms, const char *node);

/* Append the sms body: the first MAIL_SMS_BODY bytes of the line. */
int mail_sms_body(struct buf *out, const struct event *ev);

/* What a message's header says. */
struct mail_head {
	const char *from;     /* address */
	const char *reply_to; /* address or NULL */
	const char *const *to;
	size_t nto;
	const char *subject;
	int64_t date_ms;  /* wall clock */
	const char *node; /* for the Message-ID and X-IDS-arx */
	uint64_t seq;     /* one number per message of this process */
};

/*
 * Append a whole message (the header, an empty line, body) to out,
 * as it is given to SMTP's DATA: CRLF line ends, body lines longer
 * than MAIL_LINE_MAX broken. 0, or ARX_ERR_TOOBIG.
 */
int mail_message(
    struct buf *out, const struct mail_head *h, const char *body, size_t len);

#endif
