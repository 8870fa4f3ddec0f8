/*
 * The event part of Wazuh's alerts.json record: "full_log", "predecoder",
 * "decoder", "data" and "location", with Wazuh's field names. Dynamic
 * fields with dotted names are nested ("win.eventdata.ip" becomes
 * {"win":{"eventdata":{"ip":...}}}), as Wazuh writes them. Used by
 * alerts.json and by `arx logtest --json`.
 */
#ifndef ARX_ALERT_EVENT_JSON_H
#define ARX_ALERT_EVENT_JSON_H

#include "core/buf.h"
#include "engine/event.h"

/* Append the members (no surrounding braces) for ev to out. */
int alert_event_json(const struct event *ev, struct buf *out);

#endif
