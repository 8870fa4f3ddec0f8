/*
 * The event part of Wazuh's alerts.json record: "full_log", "predecoder",
 * "decoder", "data" and "location", with Wazuh's field names. Dynamic
 * fields with dotted names are nested ("win.eventdata.ip" becomes
 * {"win":{"eventdata":{"ip":...}}}), as Wazuh writes them. Used by
 * alerts.json and by `arx logtest --json`.
 */
#ifndef ARX_ALERT_EVENT_JSON_H
#define ARX_ALERT_EVENT_JSON_H

#include <stdbool.h>

#include "core/buf.h"
#include "engine/event.h"

/*
 * Append the members (no surrounding braces) for ev to out; full_log is
 * left out when with_full_log is false (rule option no_full_log).
 */
int alert_event_json(
    const struct event *ev, bool with_full_log, struct buf *out);

#endif
