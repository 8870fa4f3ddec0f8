/*
 * One source for one message: notices when two sources deliver the same
 * line within a second (auth.log written by rsyslog and journald's copy
 * of the same sshd line, both configured), which would count every
 * attempt twice. A direct-mapped table of recent lines' hashes (program,
 * pid and message, so the differing headers of the two copies do not
 * matter), each with the source that delivered it and when. Owns that
 * table; the caller decides what to say.
 */
#ifndef ARX_ANALYSIS_DUPCHECK_H
#define ARX_ANALYSIS_DUPCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/event.h"

#define DUPCHECK_SLOTS 1024

struct dupcheck {
	struct {
		uint64_t hash;
		const void *source;
		int64_t t_ms;
	} slot[DUPCHECK_SLOTS];
	uint64_t duplicates; /* lines seen from two sources */
};

/* Record ev (predecoded) from source at now_ms; true when another source
 * delivered the same line less than a second ago (*other: that source). */
bool dupcheck_seen(struct dupcheck *d, const struct event *ev,
    const void *source, int64_t now_ms, const void **other);

#endif
