/*
 * Implementation of mailq.h: the alerts waiting to be mailed, grouped
 * and rate limited as OSSEC's maild does.
 */
#include <stdlib.h>
#include <string.h>

#include "alert/mailq.h"
#include "core/err.h"
#include "core/strparse.h"

static struct mailq_item *
at(struct mailq *q, size_t i)
{
	return &q->item[(q->head + i) % MAILQ_MAX];
}

void
mailq_init(struct mailq *q, unsigned maxperhour)
{
	memset(q, 0, sizeof(*q));
	q->maxperhour = maxperhour;
}

static void
pop(struct mailq *q)
{
	free(at(q, 0)->body);
	at(q, 0)->body = NULL;
	q->head = (q->head + 1) % MAILQ_MAX;
	q->n--;
}

void
mailq_release(struct mailq *q)
{
	while (q->n > 0)
		pop(q);
}

void
mailq_add(struct mailq *q, const struct mailq_item *it)
{
	if (q->n == MAILQ_MAX) {
		pop(q);
		q->dropped++;
		q->held = false;
	}
	*at(q, q->n) = *it;
	q->n++;
}

/* How many alerts the head's mail takes: one alone, else the run of
 * alerts up to the next alone one. */
static size_t
group_len(struct mailq *q)
{
	size_t i;

	if (at(q, 0)->flags & MQ_ALONE)
		return 1;
	for (i = 1; i < q->n && !(at(q, i)->flags & MQ_ALONE); i++)
		;
	return i;
}

/* Whether the head's mail of k alerts is to go at now; if not, *wait. */
static bool
group_due(struct mailq *q, size_t k, int64_t now, int64_t *wait)
{
	int64_t quiet = at(q, k - 1)->at_ms + MAILQ_QUIET_MS;
	int64_t hold = at(q, 0)->at_ms + MAILQ_HOLD_MS;
	size_t i;

	if (k < q->n || (at(q, 0)->flags & MQ_ALONE))
		return true; /* an alone alert waits behind it */
	for (i = 0; i < k; i++)
		if (at(q, i)->flags & MQ_NOW)
			return true;
	if (now >= quiet || now >= hold)
		return true;
	*wait = (quiet < hold ? quiet : hold) - now;
	return false;
}

enum mailq_state
mailq_next(struct mailq *q, int64_t now_ms, int64_t hour, int64_t *wait_ms)
{
	*wait_ms = 0;
	if (hour != q->hour) {
		q->hour = hour;
		q->sent = 0;
	}
	if (q->n == 0)
		return MAILQ_IDLE;
	if (!group_due(q, group_len(q), now_ms, wait_ms))
		return MAILQ_WAIT;
	if (q->sent < q->maxperhour)
		return MAILQ_READY;
	if (!q->held)
		q->capped++;
	q->held = true;
	return MAILQ_CAPPED;
}

int
mailq_take(struct mailq *q, struct mailq_mail *m)
{
	size_t k, i;
	int best = -1, r = 0;

	memset(m, 0, sizeof(*m));
	buf_init(&m->body, MAILQ_MSG_MAX);
	if (q->n == 0)
		return ARX_ERR_INVAL;
	k = group_len(q);
	m->sms = (at(q, 0)->flags & MQ_SMS) != 0;
	for (i = 0; i < k; i++) {
		struct mailq_item *it = at(q, 0);

		if (it->level > best) {
			best = it->level;
			str_lcpy(m->subject, it->subject, sizeof(m->subject));
		}
		m->rcpt |= it->rcpt;
		if (buf_append(&m->body, it->body, it->len) != 0)
			r = ARX_ERR_TOOBIG;
		pop(q);
	}
	m->nalerts = k;
	q->sent++;
	q->held = false;
	return r;
}

void
mailq_mail_release(struct mailq_mail *m)
{
	buf_release(&m->body);
}
