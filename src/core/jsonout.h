/*
 * JSON text out: the escaping every JSON writer uses (alerts.json, the
 * control socket's answers, the response programs' messages, arx
 * replay). Below the engine, so the root side writes JSON without the
 * engine's parser. Owns nothing.
 */
#ifndef ARX_CORE_JSONOUT_H
#define ARX_CORE_JSONOUT_H

#include <stddef.h>

#include "core/buf.h"

/* Append s[0..len) to out as the inside of a JSON string. */
int json_escape(struct buf *out, const char *s, size_t len);
/* Append "s" (quoted and escaped). */
int json_put_string(struct buf *out, const char *s, size_t len);

#endif
