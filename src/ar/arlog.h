/*
 * active-responses.log: one line per response run, in the format arx's
 * own decoder (arx-ar) reads back so that rules 601 (block), 602 (lift)
 * and 603 (failure) raise alerts for what active response did:
 *
 *   YYYY/MM/DD HH:MM:SS arx-ar: <command> <type> <address> \
 *       [rule <id>] [alert <id>] [timeout <seconds>]
 *
 * type is add, extend, delete or fail. The time is local, as in the
 * OSSEC/Wazuh file. Lines are whole and appended with O_APPEND.
 * arx's own trouble that is not about an address comes as "-" for the
 * address and the cause last (rules 605 and 606 for the block journal):
 *
 *   ... arx-ar: arx-journal fail - error <path>: cannot write: <cause>
 *   ... arx-ar: arx-journal recovered - error <what was lost meanwhile>
 */
#ifndef ARX_AR_ARLOG_H
#define ARX_AR_ARLOG_H

#include <stdint.h>

#include "core/buf.h"

struct ar_log_entry {
	const char *command;  /* response (command) name */
	const char *type;     /* "add", "extend", "delete", "fail" */
	const char *addr;     /* checked address text */
	unsigned rule_id;     /* 0: none */
	const char *alert_id; /* NULL: none */
	uint64_t timeout_s;   /* 0: none */
	const char *error;    /* NULL: none; last, to the end of the line */
};

int ar_log_format(
    struct buf *out, int64_t now_ms, const struct ar_log_entry *e);

/* Append lines (whole lines, formatted as above) to path (created
 * 0640) in one write; 0 when there are none, or ARX_ERR_SYS with errno
 * saying why (not logged: the caller limits how often it says so). */
int ar_log_write(const char *path, const struct buf *lines);
/* Append one line to path (created 0640). */
int ar_log_append(
    const char *path, int64_t now_ms, const struct ar_log_entry *e);

#endif
