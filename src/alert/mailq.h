/*
 * The queue of alerts waiting to be mailed, with OSSEC maild's grouping
 * and rate limit, decided on times the caller gives (pure; the sending
 * is analysis/mailer.c):
 *
 * - alerts that arrive close together go in one mail: a group is sent
 *   once no alert has joined it for MAILQ_QUIET_MS (OSSEC's 5 s wait
 *   for the next message), or MAILQ_HOLD_MS after its first alert (arx:
 *   OSSEC waits as long as alerts keep coming);
 * - an alert marked MQ_NOW (<do_not_delay>) sends its group at once;
 * - one marked MQ_ALONE (<do_not_group>, and every sms mail) is a mail
 *   of its own, sent at once, the group before it sent first;
 * - at most maxperhour mails a clock hour (<email_maxperhour>): the rest
 *   wait, and keep grouping, until the hour changes;
 * - at most MAILQ_MAX alerts wait (OSSEC's 96): the oldest is dropped
 *   and counted.
 *
 * The subject of a grouped mail is that of its highest-level alert (the
 * first of them), as in OSSEC; its body is their bodies in order.
 */
#ifndef ARX_ALERT_MAILQ_H
#define ARX_ALERT_MAILQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/mail.h"
#include "core/buf.h"

#define MAILQ_MAX      96
#define MAILQ_QUIET_MS 5000
#define MAILQ_HOLD_MS  60000
#define MAILQ_MSG_MAX  (8u << 20) /* a grouped mail's body */

#define MQ_NOW   0x1u /* send its group at once */
#define MQ_ALONE 0x2u /* a mail of its own */
#define MQ_SMS   0x4u /* the sms format: its own recipients only */

struct mailq_item {
	char subject[MAIL_SUBJECT_MAX];
	int level;
	uint64_t rcpt; /* bit i: the recipients of <email_alerts> i */
	unsigned flags;
	int64_t at_ms; /* when it was queued (monotonic) */
	char *body;    /* owned, malloc'd */
	size_t len;
};

struct mailq {
	struct mailq_item item[MAILQ_MAX]; /* a ring from head */
	size_t head, n;
	unsigned maxperhour, sent; /* mails begun in hour */
	int64_t hour;              /* the caller's number of the hour */
	bool held;                 /* the head's mail is counted in capped */
	uint64_t dropped;          /* alerts dropped, the queue full */
	uint64_t capped;           /* mails held back by maxperhour */
};

enum mailq_state {
	MAILQ_IDLE,   /* nothing waits */
	MAILQ_READY,  /* take a mail now */
	MAILQ_WAIT,   /* look again in *wait_ms */
	MAILQ_CAPPED, /* the hour's mails are spent: look at the next hour */
};

/* One mail taken from the queue. */
struct mailq_mail {
	char subject[MAIL_SUBJECT_MAX];
	uint64_t rcpt;   /* the union of its alerts' */
	bool sms;        /* its recipients are only rcpt's */
	size_t nalerts;  /* alerts in it */
	struct buf body; /* owned: mailq_mail_release() */
};

void mailq_init(struct mailq *q, unsigned maxperhour);
/* Free what waits. */
void mailq_release(struct mailq *q);

/* Queue it (the queue takes it->body); the oldest is dropped, and
 * counted, when MAILQ_MAX wait. */
void mailq_add(struct mailq *q, const struct mailq_item *it);

/* What to do at now_ms (the clock of at_ms) in hour (any number that
 * changes when the clock hour does). */
enum mailq_state mailq_next(
    struct mailq *q, int64_t now_ms, int64_t hour, int64_t *wait_ms);

/* Take the head's mail (after MAILQ_READY), counted against the hour.
 * 0, ARX_ERR_INVAL when nothing waits, or ARX_ERR_TOOBIG (the mail is
 * cut). */
int mailq_take(struct mailq *q, struct mailq_mail *m);
void mailq_mail_release(struct mailq_mail *m);

#endif
