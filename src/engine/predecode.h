/*
 * The pre-decoder: recognise the header of a log line (time stamp, host
 * name, program name and pid) the way OSSEC and Wazuh do, so the same
 * decoders apply, and set ev->log to the message after it. Recognised
 * headers, tried in this order (docs/RULESET.md has examples):
 *
 *   RFC 5424 "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG" (arx)
 *   an RFC 3164 "<PRI>" prefix before any of the following (arx)
 *   BSD syslog "Dec 29 10:00:01", also "Mär" (German month)
 *   proftpd "2015-04-16 21:51:02,805"
 *   ISO 8601 "2007-06-14T15:48:55[.frac][Z|+hh:mm|+hhmm]"
 *   "2015 Dec 29 10:00:01"
 *   macOS unified log "2021-04-21 10:16:09.404756-0700"
 *   BSD syslog with fractional seconds or a year (syslog-ng; arx)
 *   xferlog, snort, suricata, apache error log, macOS ASL, squid
 *
 * After a syslog-style stamp come the host name and "prog:", "prog[pid]:"
 * or "prog[pid]" (OpenSSH >= 9.8 logs as "sshd-session"); a line without a
 * recognised stamp has no host and no program, as in Wazuh.
 */
#ifndef ARX_ENGINE_PREDECODE_H
#define ARX_ENGINE_PREDECODE_H

#include "engine/event.h"

/* Fill ev->timestamp, hostname, program_name, log. 0 or ARX_ERR_NOMEM.
 * Once per line: a second call (a caller that wanted the line's time
 * before ruleset_analyse) does nothing. */
int predecode(struct event *ev);

#endif
