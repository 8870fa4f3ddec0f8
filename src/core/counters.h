/*
 * Named counters: what a part of arxd has counted, as rows of a name
 * and a value, so that a new counter is one row where it is counted and
 * nothing else changes (no shared enum, no slot to add on both sides of
 * the privilege boundary). The analysis child gathers its parts' rows
 * into one set and sends it (transport/priv.h), the root process sends
 * its own the other way; arx status shows them, in groups by name, and
 * the metrics endpoint (analysis/metrics.h) serves the same rows.
 *
 * A row may carry up to COUNTER_LABELS labels (a key and a value, as
 * Prometheus has them: lines by source, alerts by rule and level): the
 * rows of one name and different labels are one family. A row is known
 * by its name and its labels together; an unlabelled row and labelled
 * rows of the same name may not both exist (counters_add refuses the
 * second kind), so a family never mixes a total with its parts.
 *
 * Bounded: at most COUNTERS_MAX rows, names of at most
 * COUNTER_NAME_MAX - 1 bytes of [a-z0-9_], label keys of at most
 * COUNTER_KEY_MAX - 1 bytes of [a-z0-9_] starting with a letter, label
 * values of at most COUNTER_VALUE_MAX - 1 printable ASCII bytes; a row
 * that does not fit is counted in dropped. Owns nothing outside the
 * struct.
 */
#ifndef ARX_CORE_COUNTERS_H
#define ARX_CORE_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COUNTERS_MAX      512
#define COUNTER_NAME_MAX  48
#define COUNTER_LABELS    2
#define COUNTER_KEY_MAX   16
#define COUNTER_VALUE_MAX 128

/* One label; key "" when unused (then value is "" too). */
struct counter_label {
	char key[COUNTER_KEY_MAX];
	char value[COUNTER_VALUE_MAX];
};

struct counter {
	char name[COUNTER_NAME_MAX];
	struct counter_label label[COUNTER_LABELS]; /* used ones first */
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
/* Whether key and value can make a label (key "" needs value ""). */
bool counters_label_ok(const char *key, const char *value);
/* Whether the row's name and labels are well formed (used labels
 * first, no key twice). */
bool counters_row_ok(const struct counter *row);
/* How many labels row carries. */
size_t counters_nlabels(const struct counter *row);

/* Add v to the row of name, made (in order of first use) when new: the
 * same name from several parts is their sum. 0, or ARX_ERR_INVAL (a bad
 * name, or a family that has labelled rows) or ARX_ERR_TOOBIG (full),
 * both counted in dropped. */
int counters_add(struct counters *c, const char *name, uint64_t v);
/* The same for the row of name with one label (k2 NULL) or two. */
int counters_add_l(struct counters *c, const char *name, const char *k1,
    const char *v1, const char *k2, const char *v2, uint64_t v);
/* Add a copy of row (name and labels as they are) with its value. */
int counters_add_row(struct counters *c, const struct counter *row);

/* The unlabelled row of name, or NULL. */
const struct counter *counters_find(const struct counters *c, const char *name);
/* The row with name and labels as row's, or NULL. */
const struct counter *counters_find_row(
    const struct counters *c, const struct counter *row);
/* The value of the unlabelled row of name; 0 when there is none. */
uint64_t counters_get(const struct counters *c, const char *name);
/* Whether a and b hold the same rows in the same order. */
bool counters_same(const struct counters *a, const struct counters *b);

#endif
