/*
 * Implementation of json.h: core/jsonin.h walks the object, and each
 * leaf is copied into the event's arena and set under its dotted name.
 */
#include <string.h>

#include "core/err.h"
#include "engine/json.h"

static int
leaf_set(
    void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct event *ev = ctx;
	char *n = arena_strndup(&ev->arena, name, nlen);
	char *v = arena_strndup(&ev->arena, value, vlen);

	if (n == NULL || v == NULL)
		return ARX_ERR_NOMEM;
	(void)event_set(ev, n, (struct span){v, vlen});
	return 0;
}

int
json_decode_event(struct event *ev, const char *text, size_t len,
    enum json_null_mode null_mode, bool csv)
{
	return json_walk(text, len, null_mode, csv, leaf_set, ev);
}
