/*
 * E-mail alerts from the analysis child (<global><email_notification>):
 * which alerts are mailed (<alerts><email_alert_level>, the rule's
 * alert_by_email / no_email_alert), to whom (<email_to>, and each
 * <email_alerts> whose filters match), queued and grouped by
 * alert/mailq.h, written by alert/mail.h and sent over SMTP with
 * libcurl's multi interface driven by the child's event loop, one mail
 * at a time (STARTTLS when the server offers it), so a slow or absent
 * mail server never stalls the analysis. The server's name is resolved
 * at start (before the sandbox) and again before a mail while it could
 * not be. Counts mail_sent, mail_failed, mail_dropped (the queue full),
 * mail_capped (mails held back by <email_maxperhour>) and mail_waiting.
 */
#ifndef ARX_ANALYSIS_MAILER_H
#define ARX_ANALYSIS_MAILER_H

#include <stdint.h>

#include "config/conf.h"
#include "core/counters.h"
#include "core/evloop.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/rule.h"

struct mailer;

/* A mailer for conf on loop, or *out NULL when conf sends no mail.
 * Call before the sandbox. 0, ARX_ERR_NOMEM or ARX_ERR_CONFIG. */
int mailer_new(
    const struct arx_conf *conf, struct evloop *loop, struct mailer **out);

/* Rule r fired on ev at wall_ms: queue its mail when it calls for one. */
void mailer_alert(struct mailer *m, const struct rule *r,
    const struct event *ev, const struct corr *c, int64_t wall_ms);

void mailer_counters(const struct mailer *m, struct counters *c);

/* Stop (a mail under way is abandoned, waiting alerts are logged as
 * not sent) and free. NULL is a no-op. */
void mailer_free(struct mailer *m);

#endif
