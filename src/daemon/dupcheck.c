/*
 * Lines from two sources (dupcheck.h).
 */
#include <string.h>

#include "daemon/dupcheck.h"

#define WINDOW_MS 1000

/* FNV-1a over one span, continuing h; a separator between spans. */
static uint64_t
mix(uint64_t h, struct span s)
{
	size_t i;

	for (i = 0; s.p != NULL && i < s.len; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 0x100000001b3ull;
	}
	h ^= 0xff;
	return h * 0x100000001b3ull;
}

bool
dupcheck_seen(struct dupcheck *d, const struct event *ev, const void *source,
    int64_t now_ms, const void **other)
{
	struct span msg = {ev->log, ev->log_len};
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;
	bool dup;

	h = mix(mix(mix(h, ev->program_name), ev->pid), msg);
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
