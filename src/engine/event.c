/*
 * Implementation of event.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "engine/event.h"

static const char *const field_names[EF_NSTATIC] = {
    [EF_SRCIP] = "srcip",
    [EF_DSTIP] = "dstip",
    [EF_SRCPORT] = "srcport",
    [EF_DSTPORT] = "dstport",
    [EF_PROTOCOL] = "protocol",
    [EF_ACTION] = "action",
    [EF_SRCUSER] = "srcuser",
    [EF_DSTUSER] = "dstuser",
    [EF_ID] = "id",
    [EF_STATUS] = "status",
    [EF_URL] = "url",
    [EF_DATA] = "data",
    [EF_EXTRA_DATA] = "extra_data",
    [EF_SYSTEM_NAME] = "system_name",
};

void
event_init(struct event *ev)
{
	memset(ev, 0, sizeof(*ev));
	arena_init(&ev->arena, 16384, 8u << 20);
}

void
event_reset(struct event *ev)
{
	struct arena a = ev->arena;

	arena_reset(&a);
	memset(ev, 0, sizeof(*ev));
	ev->arena = a;
}

void
event_release(struct event *ev)
{
	arena_release(&ev->arena);
	memset(ev, 0, sizeof(*ev));
}

/* Bytes needed for the safe copy of line. */
static size_t
safe_len(const unsigned char *s, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	size_t i = 0, n = 0;
	uint64_t w, del;

	/* Eight bytes at a time while none is below 0x20 or 0x7f (the
	 * usual case: every byte then stays one byte). */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		del = w ^ (ones * 0x7f);
		if ((((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & high)
			break;
		n += 8;
	}
	for (; i < len; i++)
		n += (s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f ? 4 : 1;
	return n;
}

int
event_set_line(
    struct event *ev, const char *line, size_t len, const char *location)
{
	const unsigned char *s = (const unsigned char *)line;
	char *out;
	size_t i, n, o = 0;

	event_reset(ev);
	if (len > EVENT_MAX_LINE) {
		len = EVENT_MAX_LINE;
		ev->truncated = 1;
	}
	n = safe_len(s, len);
	out = arena_alloc(&ev->arena, n + 1);
	ev->location = arena_strdup(&ev->arena, location ? location : "");
	if (out == NULL || ev->location == NULL)
		return ARX_ERR_NOMEM;
	if (n == len) { /* no control character: the usual case */
		memcpy(out, s, len);
		o = len;
		len = 0;
	}
	for (i = 0; i < len; i++) {
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			snprintf(out + o, 5, "#%03o", s[i]);
			o += 4;
		} else
			out[o++] = (char)s[i];
	}
	out[o] = '\0';
	ev->full_log = ev->log = out;
	ev->full_len = ev->log_len = o;
	return 0;
}

const char *
event_field_name(enum event_field f)
{
	return (unsigned)f < EF_NSTATIC ? field_names[f] : "?";
}

int
event_field_lookup(const char *name, size_t len)
{
	size_t i;

	if (len == 4 && strncasecmp(name, "user", 4) == 0)
		return EF_DSTUSER;
	for (i = 0; i < EF_NSTATIC; i++)
		if (strlen(field_names[i]) == len &&
		    strncasecmp(field_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

int
event_set(struct event *ev, const char *name, struct span value)
{
	int f = event_field_lookup(name, strlen(name));

	if (f >= 0) {
		ev->fields[f] = value;
		return 0;
	}
	return event_set_dyn(ev, name, value);
}

/* Whether dynamic field names a and b are the same: the same string
 * (the usual case: both come from the ruleset), or equal ignoring case. */
static bool
dyn_name_eq(const char *a, const char *b)
{
	return a == b ||
	    ((a[0] | 0x20) == (b[0] | 0x20) && strcasecmp(a, b) == 0);
}

int
event_set_dyn(struct event *ev, const char *name, struct span value)
{
	struct event_dyn *d;
	size_t i;

	for (i = 0; i < ev->ndyn; i++) {
		if (dyn_name_eq(ev->dyn[i].name, name)) {
			ev->dyn[i].value = value;
			return 0;
		}
	}
	if (ev->ndyn == EVENT_MAX_FIELDS) {
		ev->nfields_dropped++;
		return ARX_ERR_TOOBIG;
	}
	if (ev->ndyn == ev->dyn_cap) {
		size_t cap = ev->dyn_cap ? ev->dyn_cap * 2 : 16;
		d = arena_alloc(&ev->arena, cap * sizeof(*d));
		if (d == NULL)
			return ARX_ERR_NOMEM;
		if (ev->ndyn > 0)
			memcpy(d, ev->dyn, ev->ndyn * sizeof(*d));
		ev->dyn = d;
		ev->dyn_cap = cap;
	}
	ev->dyn[ev->ndyn].name = name;
	ev->dyn[ev->ndyn++].value = value;
	return 0;
}

struct span
event_get(const struct event *ev, const char *name)
{
	int f = event_field_lookup(name, strlen(name));

	return f >= 0 ? ev->fields[f] : event_get_dyn(ev, name);
}

struct span
event_get_dyn(const struct event *ev, const char *name)
{
	struct span none = {NULL, 0};
	size_t i;

	for (i = 0; i < ev->ndyn; i++)
		if (dyn_name_eq(ev->dyn[i].name, name))
			return ev->dyn[i].value;
	return none;
}

const char *
event_get_cstr(const struct event *ev, const char *name, char *out, size_t size)
{
	struct span s = event_get(ev, name);
	size_t n = s.p != NULL ? (s.len < size - 1 ? s.len : size - 1) : 0;

	if (n > 0)
		memcpy(out, s.p, n);
	out[n] = '\0';
	return n > 0 ? out : NULL;
}
