/*
 * The time written in a log line's header, as an instant: the event clock
 * of replay (arx replay, arx logtest --log-time), where correlation windows
 * and block times follow the log, not the moment it is read. BSD syslog
 * stamps carry no year and no zone: they are read as local time in the
 * year of the reference instant (the previous year if that puts them more
 * than a day in the future).
 */
#ifndef ARX_ENGINE_EVTIME_H
#define ARX_ENGINE_EVTIME_H

#include <stdint.h>

#include "engine/event.h"

/* ms since the epoch of ev's pre-decoded stamp; 0 on success, else < 0. */
int event_time_ms(const struct event *ev, int64_t ref_ms, int64_t *out);

#endif
