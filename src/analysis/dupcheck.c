/*
 * Lines from two sources (dupcheck.h).
 */
#include <string.h>

#include "analysis/dupcheck.h"
#include "core/hash.h"

#define WINDOW_MS 1000

/* The keyed hash (core/hash.h) of one span: a line's text is the
 * attacker's, and two lines of one hash count as one. */
static uint64_t
span_hash(struct span s)
{
	return hash_bytes(s.p != NULL ? s.p : "", s.p != NULL ? s.len : 0);
}

bool
dupcheck_seen(struct dupcheck *d, const struct event *ev, const void *source,
    int64_t now_ms, const void **other)
{
	struct span msg = {ev->log, ev->log_len};
	uint64_t parts[3], h;
	size_t i;
	bool dup;

	parts[0] = span_hash(ev->program_name);
	parts[1] = span_hash(ev->pid);
	parts[2] = span_hash(msg);
	h = hash_bytes(parts, sizeof(parts));
	i = (size_t)(h ^ (h >> 32)) & (DUPCHECK_SLOTS - 1);
	dup = d->slot[i].hash == h && d->slot[i].source != NULL &&
	    d->slot[i].source != source &&
	    now_ms - d->slot[i].t_ms <= WINDOW_MS &&
	    now_ms >= d->slot[i].t_ms - WINDOW_MS;
	if (dup) {
		*other = d->slot[i].source;
		d->duplicates++;
	}
	d->slot[i].hash = h;
	d->slot[i].source = source;
	d->slot[i].t_ms = now_ms;
	return dup;
}
