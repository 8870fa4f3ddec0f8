/*
 * The pipeline step arxd and `arx replay` share: one line's event
 * through the ruleset, then what follows from the rule it ends on, the
 * same for both: whether its alert is written (the alert filter of
 * <log_alert_level>, no_log and log_alert), and whether it asks for a
 * response and why not (suppressed by <ignore>, no <active-response>
 * bound to it or responses disabled, older than its rule's window or
 * <max_age>), with the trigger's fields. Writing the alert and carrying
 * the trigger are the callers': arxd's child writes alerts.log and asks
 * the root process; replay prints and asks its dry-run dispatcher.
 *
 * Owns nothing: the ruleset, correlation state, bindings and
 * configuration are the caller's.
 */
#ifndef ARX_PIPELINE_STEP_H
#define ARX_PIPELINE_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ar/policy.h"
#include "config/conf.h"
#include "engine/ruleset.h"

struct ar_step {
	const struct ruleset *rs;
	struct corr *corr;
	struct pattern_scratch *scratch;
	const struct arx_conf *conf;
	const struct ar_bindings *bind;
};

enum ar_verdict {
	AR_NOT_FIRED,   /* no rule, or level 0 */
	AR_SUPPRESSED,  /* <ignore>: alerted as its parent or not at all */
	AR_NO_RESPONSE, /* nothing bound, or responses disabled */
	AR_TOO_OLD,     /* older than its rule's window or <max_age> */
	AR_RESPOND,     /* the trigger goes to the responses */
};

struct ar_step_out {
	struct rule_result res; /* the ruleset's answer */
	bool decoded;
	bool alert; /* the alert is written */
	enum ar_verdict verdict;
	char srcip[128], user[256]; /* the trigger's, when AR_RESPOND */
};

/* The root side's view of rule r (all zero for NULL). */
struct ar_rule ar_step_rule(const struct rule *r);

/* Whether a line of time t, completing rule window timeframe_s (0:
 * none), is too old at wall_ms to start a response (<max_age> in ms). */
bool ar_step_too_old(
    int64_t t, int64_t wall_ms, unsigned timeframe_s, int64_t max_age_ms);

/* <max_age> in ms (INT64_MAX / 2 when 0: no limit). */
int64_t ar_step_max_age_ms(const struct arx_conf *conf);

/* The length of a line as the step takes it: one trailing CR dropped
 * (CR LF files), unless the line is over the limit (it must still read
 * as cut). */
size_t ar_step_line_len(const char *line, size_t len);

/* ev (set from a line) at time now_ms (the line's clock) when the wall
 * clock says wall_ms: decoded, evaluated, decided. */
void ar_step_run(const struct ar_step *s, struct event *ev, int64_t now_ms,
    int64_t wall_ms, struct ar_step_out *out);

#endif
