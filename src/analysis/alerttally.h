/*
 * Alerts by rule and level, for arx status and /metrics (the family
 * alerts{rule,level}). Bounded: the first ALERT_RULES_MAX (rule, level)
 * pairs written get a row each; later ones are counted in an "other"
 * row of their level (rule="other") and as dropped{table="alert_rules"},
 * so a ruleset whose every rule fires cannot grow the counter set. The
 * analysis counts an alert when the writer wrote it. Owns nothing
 * outside the struct.
 */
#ifndef ARX_ANALYSIS_ALERTTALLY_H
#define ARX_ANALYSIS_ALERTTALLY_H

#include <stddef.h>
#include <stdint.h>

#include "core/counters.h"

#define ALERT_RULES_MAX 64
#define ALERT_LEVELS    17 /* 0-16; a level outside counts as 16 */

struct alert_tally {
	struct {
		uint32_t rule;
		int level;
		uint64_t n;
	} row[ALERT_RULES_MAX];
	size_t n;
	uint64_t other[ALERT_LEVELS]; /* by level */
	uint64_t dropped;             /* alerts counted in other */
};

/* Count one alert of rule at level. */
void alert_tally_add(struct alert_tally *t, uint32_t rule, int level);

/* Its rows added to c: alerts{rule,level} for each pair, the "other"
 * rows that are not 0, and dropped{table="alert_rules"}. */
void alert_tally_counters(const struct alert_tally *t, struct counters *c);

#endif
