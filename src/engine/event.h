/*
 * One log event on its way through the engine: the line as received (made
 * safe: control characters escaped, so nothing in it can start a second
 * event), what the pre-decoder found in its header (time stamp, host,
 * program), and the fields the decoders extracted. Field values are spans
 * into the line whenever possible; everything else an event needs comes
 * from its own arena, released at once by event_reset().
 *
 * An event is owned by whoever runs the pipeline and reused line after
 * line; nothing in it outlives event_reset().
 */
#ifndef ARX_ENGINE_EVENT_H
#define ARX_ENGINE_EVENT_H

#include <stddef.h>

#include "core/arena.h"
#include "core/strparse.h"

#define EVENT_MAX_LINE   65536 /* longer lines are cut (and counted) */
#define EVENT_MAX_FIELDS 256   /* dynamic fields per event */

enum event_field {
	EF_SRCIP = 0,
	EF_DSTIP,
	EF_SRCPORT,
	EF_DSTPORT,
	EF_PROTOCOL,
	EF_ACTION,
	EF_SRCUSER,
	EF_DSTUSER,
	EF_ID,
	EF_STATUS,
	EF_URL,
	EF_DATA,
	EF_EXTRA_DATA,
	EF_SYSTEM_NAME,
	EF_NSTATIC
};

struct event_dyn {
	const char *name; /* owned by the decoder or the arena */
	struct span value;
};

struct decoder;

struct event {
	struct arena arena;
	const char *location;
	const char *full_log; /* the safe copy of the line, NUL-terminated */
	size_t full_len;
	const char *log; /* what decoders and rules see: after the header */
	size_t log_len;
	struct span timestamp, hostname, program_name; /* p == NULL: unset */
	struct span pid; /* the program's process id, when the header has one */
	const struct decoder *decoder; /* the decoder reported (name) */
	const struct decoder *parent;  /* its top-level decoder */
	struct span fields[EF_NSTATIC];
	struct event_dyn *dyn;
	size_t ndyn, dyn_cap;
	int consumed_level; /* correlation: counted by a rule of this level */
	unsigned truncated : 1;   /* the line was cut at EVENT_MAX_LINE */
	unsigned predecoded : 1;  /* predecode() ran on this line */
	unsigned nfields_dropped; /* dynamic fields over the bound */
};

void event_init(struct event *ev);
/* Forget everything about the previous line; keep the memory. */
void event_reset(struct event *ev);
void event_release(struct event *ev);

/*
 * Take a new line (any bytes, len of them) from location. Control
 * characters other than tab become "#ooo" (octal, as rsyslog writes them),
 * so the line stays one line whatever it holds. 0 or ARX_ERR_NOMEM.
 */
int event_set_line(
    struct event *ev, const char *line, size_t len, const char *location);

/* Static field names ("srcip", ...); "user" is an alias of dstuser. */
const char *event_field_name(enum event_field f);
int event_field_lookup(const char *name, size_t len);

/* Set a field by name: a static one, or a dynamic one (name is kept). */
int event_set(struct event *ev, const char *name, struct span value);
/* The same for a name known not to be a static field (no lookup). */
int event_set_dyn(struct event *ev, const char *name, struct span value);
/* A field by name (static or dynamic); p == NULL when unset. */
struct span event_get(const struct event *ev, const char *name);
struct span event_get_dyn(const struct event *ev, const char *name);
/* The field as a C string in out (cut to size - 1); NULL when unset or
 * empty. */
const char *event_get_cstr(
    const struct event *ev, const char *name, char *out, size_t size);

static inline int
span_is_set(struct span s)
{
	return s.p != NULL;
}

#endif
