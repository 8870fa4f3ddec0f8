/*
 * What the db library's files share and nobody else sees: libpq's
 * messages made into one line for a log or a caller's error.
 */
#ifndef ARX_DB_INT_H
#define ARX_DB_INT_H

#include <stddef.h>

/* in (a libpq message, maybe several lines) as one line in out: runs of
 * white space made one space, the ends trimmed, and libpq's
 * "connection to server ... failed: " dropped before the server's own
 * "FATAL: ..." reason. out is always terminated. */
void db_msg_line(const char *in, char *out, size_t n);

#endif
