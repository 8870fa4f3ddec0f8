/*
 * Implementation of alerttally.h. The pairs are few (64 at most), so
 * an alert's row is found by a scan.
 */
#include <stdio.h>

#include "analysis/alerttally.h"

void
alert_tally_add(struct alert_tally *t, uint32_t rule, int level)
{
	size_t i;

	if (level < 0 || level >= ALERT_LEVELS)
		level = ALERT_LEVELS - 1;
	for (i = 0; i < t->n; i++)
		if (t->row[i].rule == rule && t->row[i].level == level) {
			t->row[i].n++;
			return;
		}
	if (t->n < ALERT_RULES_MAX) {
		t->row[t->n].rule = rule;
		t->row[t->n].level = level;
		t->row[t->n++].n = 1;
		return;
	}
	t->other[level]++;
	t->dropped++;
}

void
alert_tally_counters(const struct alert_tally *t, struct counters *c)
{
	char rule[16], level[8];

	for (size_t i = 0; i < t->n; i++) {
		snprintf(rule, sizeof(rule), "%u", (unsigned)t->row[i].rule);
		snprintf(level, sizeof(level), "%d", t->row[i].level);
		(void)counters_add_l(
		    c, "alerts", "rule", rule, "level", level, t->row[i].n);
	}
	for (int l = 0; l < ALERT_LEVELS; l++) {
		if (t->other[l] == 0)
			continue;
		snprintf(level, sizeof(level), "%d", l);
		(void)counters_add_l(
		    c, "alerts", "rule", "other", "level", level, t->other[l]);
	}
	(void)counters_add_l(
	    c, "dropped", "table", "alert_rules", NULL, NULL, t->dropped);
}
