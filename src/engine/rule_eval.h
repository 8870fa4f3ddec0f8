/*
 * Evaluating the rule tree on one decoded event (rule.h): depth-first,
 * first match wins, noalert rules transparent, the deepest match is the
 * result; then what analysisd does with it (fired counter, ignore window,
 * remembering the event for correlation). A trace callback shows each step
 * (arx logtest -v).
 */
#ifndef ARX_ENGINE_RULE_EVAL_H
#define ARX_ENGINE_RULE_EVAL_H

#include <stdint.h>

#include "engine/corr.h"
#include "engine/event.h"
#include "engine/rule.h"

struct rule_trace {
	void (*trying)(void *ctx, const struct rule *r);
	void (*matched)(void *ctx, const struct rule *r);
	void *ctx;
};

struct rule_result {
	const struct rule *rule;   /* final rule, or NULL */
	const struct rule *parent; /* nearest matched parent (for ignore) */
	bool suppressed;           /* dropped by an ignore window */
	unsigned long firedtimes;
};

/*
 * Find the final rule for ev at event time now_ms, update correlation
 * state, and fill res. A final rule of level 0 means "drop". trace may be
 * NULL.
 */
void rule_eval(const struct rule_set *rs, struct corr *c, struct event *ev,
    int64_t now_ms, struct pattern_scratch *scratch,
    const struct rule_trace *trace, struct rule_result *res);

#endif
