/*
 * JSON for the engine: the JSON_Decoder plugin (an event that is a JSON
 * object becomes fields: nested keys joined with dots, top-level keys named
 * like static fields fill those); the escaping every JSON writer uses is
 * core/jsonout.h.
 * The parser is bounded: nesting depth and field count are capped, and bad
 * input is refused, never half-applied beyond the fields already set.
 */
#ifndef ARX_ENGINE_JSON_H
#define ARX_ENGINE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/jsonin.h"
#include "core/jsonout.h" /* the writers' escaping, re-exported */
#include "engine/decoder.h"
#include "engine/event.h"

/*
 * Parse text[0..len) as a JSON object and set one field per scalar leaf.
 * Arrays are printed as Wazuh prints them (cJSON's formatted form), or
 * their items joined with commas when csv.
 * 0, ARX_ERR_INVAL (not a JSON object; what was set stays) or
 * ARX_ERR_NOMEM.
 */
int json_decode_event(struct event *ev, const char *text, size_t len,
    enum json_null_mode null_mode, bool csv);

#endif
