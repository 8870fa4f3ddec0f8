/*
 * The alerts.log record of OSSEC and Wazuh (docs/COMPAT.md, "Outputs"):
 *
 *   ** Alert 1714557600.48213: - syslog,sshd,authentication_failures,
 *   2024 May 01 10:00:00 web01->/var/log/auth.log
 *   Rule: 5763 (level 10) -> 'description'
 *   Src IP: 203.0.113.7
 *   User: root
 *   <full log>
 *   <dynamic field: value lines>
 *   <previous events of a correlation, newest first>
 *   <empty line>
 */
#ifndef ARX_ALERT_ALERT_LOG_H
#define ARX_ALERT_ALERT_LOG_H

#include <stdint.h>

#include "core/buf.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/rule.h"

/*
 * Append the record for an alert of rule r on ev at now_ms (wall clock);
 * offset is the byte position the record will have in alerts.log (the
 * second part of the alert id). c (may be NULL) gives the previous events.
 */
int alert_log_format(struct buf *out, const struct rule *r,
    const struct event *ev, const struct corr *c, int64_t now_ms,
    uint64_t offset);

#endif
