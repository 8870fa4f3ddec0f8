/*
 * The alerts.json record of Wazuh (one JSON object per line), with
 * Wazuh's key order: timestamp, rule, agent, manager, id,
 * previous_output, full_log, predecoder, decoder, data, location.
 */
#ifndef ARX_ALERT_ALERT_JSON_H
#define ARX_ALERT_ALERT_JSON_H

#include <stdint.h>

#include "core/buf.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/rule.h"

/*
 * Append the record (ending in '\n') for an alert of r on ev at now_ms;
 * offset is the alert id's second part; manager is this host's name.
 */
int alert_json_format(struct buf *out, const struct rule *r,
    const struct event *ev, const struct corr *c, unsigned long firedtimes,
    int64_t now_ms, uint64_t offset, const char *manager);

#endif
