/*
 * Reading JSON: one pass over an object that hands every scalar leaf to
 * a callback under its dotted name ("parameters.alert.rule.id"), arrays
 * as Wazuh stores them in a field (cJSON's formatted text) or their
 * items joined with commas. Both sides of arxd read JSON this way: the
 * engine's JSON_Decoder (engine/json.h) and the response programs'
 * messages (ar/prog.h, ar/protocol.h), the latter through json_doc,
 * which keeps the leaves of one message. Bounded: nesting depth, a
 * value's length and a document's size are capped, and bad input is
 * refused (leaves already handed over stay handed over).
 */
#ifndef ARX_CORE_JSONIN_H
#define ARX_CORE_JSONIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define JSON_MAX_DEPTH 32
#define JSON_MAX_VALUE 65536      /* longest value, unescaped */
#define JSON_DOC_MAX   (1u << 20) /* a json_doc's names and values */

/* What a null becomes (Wazuh's json_null_field). */
enum json_null_mode {
	JSON_NULL_STRING = 0, /* the text "null" */
	JSON_NULL_DISCARD,    /* no leaf */
	JSON_NULL_EMPTY       /* an empty value */
};

/* One leaf: its dotted name and its value (both NUL-terminated at their
 * lengths; valid only during the call). 0 to go on, or a negative code
 * that ends the walk and is returned. */
typedef int json_leaf_fn(
    void *ctx, const char *name, size_t nlen, const char *value, size_t vlen);

/* Walk text[0..len) as one JSON object. 0, ARX_ERR_INVAL (not a JSON
 * object), ARX_ERR_TOOBIG (nested too deep), ARX_ERR_NOMEM, or what fn
 * returned. */
int json_walk(const char *text, size_t len, enum json_null_mode null_mode,
    bool csv, json_leaf_fn *fn, void *ctx);

/* The leaves of one message, kept as "name\0value\0" pairs. */
struct json_doc {
	struct buf kv;
};

void json_doc_init(struct json_doc *d);
void json_doc_release(struct json_doc *d);
/* Forget what was kept and keep the leaves of text (nulls discarded,
 * arrays as comma lists). 0, or json_walk()'s error (ARX_ERR_TOOBIG
 * also when the leaves exceed JSON_DOC_MAX). */
int json_doc_parse(struct json_doc *d, const char *text, size_t len);
/* The value of name (ASCII case ignored; the last one when a name comes
 * twice), or NULL. */
const char *json_doc_get(const struct json_doc *d, const char *name);

#endif
