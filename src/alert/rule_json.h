/*
 * The rule part of alerts: the "rule" object of Wazuh's alerts.json (level,
 * description with $(field) substituted, id as a string, mitre ids,
 * frequency, firedtimes, mail, groups, and the compliance arrays split out
 * of the group string), and the description substitution itself.
 */
#ifndef ARX_ALERT_RULE_JSON_H
#define ARX_ALERT_RULE_JSON_H

#include "core/buf.h"
#include "engine/event.h"
#include "engine/rule.h"

/*
 * The rule's description with every $(name) replaced by the event's field
 * (static names, program_name, hostname, else a dynamic field; missing
 * values are empty). Longer than 1024 bytes: the description as written.
 */
int alert_description(
    const struct rule *r, const struct event *ev, struct buf *out);

/* Append "rule":{...} for r to out. */
int alert_rule_json(const struct rule *r, const struct event *ev,
    unsigned long firedtimes, struct buf *out);

#endif
