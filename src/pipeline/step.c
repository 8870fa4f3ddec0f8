/*
 * Implementation of step.h. The order is Wazuh's: the alert first, then
 * the responses (which run even when the alert is below the log level).
 */
#include <string.h>

#include "engine/event.h"
#include "pipeline/step.h"

size_t
ar_step_line_len(const char *line, size_t len)
{
	if (len > 0 && len <= EVENT_MAX_LINE && line[len - 1] == '\r')
		len--;
	return len;
}

int64_t
ar_step_max_age_ms(const struct arx_conf *conf)
{
	uint64_t s = conf->global.max_age;

	return s == 0 ? INT64_MAX / 2 : (int64_t)s * 1000;
}

bool
ar_step_too_old(
    int64_t t, int64_t wall_ms, unsigned timeframe_s, int64_t max_age_ms)
{
	int64_t limit = max_age_ms;

	if (timeframe_s > 0 && (int64_t)timeframe_s * 1000 < limit)
		limit = (int64_t)timeframe_s * 1000;
	return wall_ms - t > limit;
}

_Static_assert(AR_RULE_NO_AR == RULE_OPT_NO_AR, "no_ar: one bit for both");

struct ar_rule
ar_step_rule(const struct rule *r)
{
	struct ar_rule a = {0, 0, 0, NULL};

	if (r != NULL)
		a = (struct ar_rule){
		    r->id, r->level, r->options & RULE_OPT_NO_AR, r->groups};
	return a;
}

static enum ar_verdict
verdict_of(const struct ar_step *s, const struct ar_step_out *o, int64_t now_ms,
    int64_t wall_ms)
{
	const struct rule *r = o->res.rule;
	struct ar_rule ar = ar_step_rule(r);
	size_t bound;

	if (r == NULL || r->level <= 0)
		return AR_NOT_FIRED;
	if (o->res.suppressed)
		return AR_SUPPRESSED;
	if (s->conf->ar_disabled || s->bind == NULL ||
	    ar_bindings_match(s->bind, &ar, &bound, 1) == 0)
		return AR_NO_RESPONSE;
	if (ar_step_too_old(
		now_ms, wall_ms, r->timeframe, ar_step_max_age_ms(s->conf)))
		return AR_TOO_OLD;
	return AR_RESPOND;
}

void
ar_step_run(const struct ar_step *s, struct event *ev, int64_t now_ms,
    int64_t wall_ms, struct ar_step_out *out)
{
	out->decoded = ruleset_analyse(
	    s->rs, s->corr, ev, now_ms, s->scratch, NULL, &out->res);
	out->alert =
	    rule_alert_logged(out->res.rule, s->conf->alerts.log_alert_level);
	out->verdict = verdict_of(s, out, now_ms, wall_ms);
	out->srcip[0] = out->user[0] = '\0';
	if (out->verdict != AR_RESPOND)
		return;
	(void)event_get_cstr(ev, "srcip", out->srcip, sizeof(out->srcip));
	(void)event_get_cstr(ev, "dstuser", out->user, sizeof(out->user));
}
