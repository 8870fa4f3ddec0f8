/*
 * Named counters: what a part of arxd has counted, as rows of a name
 * and a value, so that a new counter is one row where it is counted and
 * nothing else changes (no shared enum, no slot to add on both sides of
 * the privilege boundary). The analysis child gathers its parts' rows
 * into one set and sends it (transport/priv.h); arx status shows them,
 * in groups by name. Bounded: at most COUNTERS_MAX rows, names of at
 * most COUNTER_NAME_MAX - 1 bytes of [a-z0-9_]; a row that does not fit
 * is counted in dropped. Owns nothing outside the struct.
 */
#ifndef ARX_CORE_COUNTERS_H
#define ARX_CORE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COUNTERS_MAX     128
#define COUNTER_NAME_MAX 48

struct counter {
	char name[COUNTER_NAME_MAX];
	uint64_t value;
};

struct counters {
	size_t n;
	unsigned long dropped; /* rows refused: full, or a bad name */
	struct counter row[COUNTERS_MAX];
};

void counters_clear(struct counters *c);
/* Whether name can name a row. */
bool counters_name_ok(const char *name);
/* Add v to the row of name, made (in order of first use) when new: the
 * same name from several parts is their sum. 0, or ARX_ERR_INVAL (a bad
 * name) or ARX_ERR_TOOBIG (full), both counted in dropped. */
int counters_add(struct counters *c, const char *name, uint64_t v);
/* The row of name, or NULL. */
const struct counter *counters_find(const struct counters *c, const char *name);
/* The value of name; 0 when there is no such row. */
uint64_t counters_get(const struct counters *c, const char *name);
/* Whether a and b hold the same rows in the same order. */
bool counters_same(const struct counters *a, const struct counters *b);

#endif
