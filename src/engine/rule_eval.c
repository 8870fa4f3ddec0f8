/*
 * Implementation of rule_eval.h. Conditions are tested in Wazuh's order
 * (decoded_as, the pattern conditions in table order, addresses, size,
 * time, lists, correlation last), so that correlation state is only
 * touched by events that pass everything else.
 */
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "engine/decoder.h"
#include "engine/prefilter.h"
#include "engine/rule_eval.h"

#define EVAL_MAX_DEPTH 64

struct eval {
	const struct rule_set *rs;
	struct corr *c;
	struct event *ev;
	int64_t now_ms;
	struct pattern_scratch *scratch;
	const struct rule_trace *trace;
	const struct rule *parent;
};

static struct span
cond_subject(const struct event *ev, const struct rule_cond *c)
{
	struct span none = {NULL, 0}, log = {ev->log, ev->log_len};

	switch (c->subject) {
	case SUBJ_LOG:
		return log;
	case SUBJ_PROGRAM:
		return ev->program_name;
	case SUBJ_HOSTNAME:
		return ev->hostname;
	case SUBJ_LOCATION:
		log.p = ev->location;
		log.len = strlen(ev->location);
		return log;
	case SUBJ_FIELD:
		return ev->fields[c->field_idx];
	case SUBJ_USER:
		return span_is_set(ev->fields[EF_DSTUSER])
		    ? ev->fields[EF_DSTUSER]
		    : ev->fields[EF_SRCUSER];
	case SUBJ_DYNAMIC:
		return event_get_dyn(ev, c->name);
	}
	return none;
}

static bool
addrs_match(const struct rule_addrs *a, struct span v)
{
	struct arx_addr addr;
	bool hit = false;
	size_t i;

	if (a->n == 0)
		return true;
	if (!span_is_set(v) || addr_parse(v.p, v.len, &addr) != 0)
		return false;
	for (i = 0; i < a->n && !hit; i++)
		hit = cidr_contains(&a->cidrs[i], &addr) != a->neg[i];
	return hit != a->negate;
}

static bool
lists_match(struct eval *e, const struct rule *r)
{
	const struct rule_list_cond *lc;
	struct span v;
	size_t i;

	for (i = 0; i < r->nlists; i++) {
		lc = &r->lists[i];
		if (lc->field_idx == -2) /* user: srcuser first */
			v = span_is_set(e->ev->fields[EF_SRCUSER])
			    ? e->ev->fields[EF_SRCUSER]
			    : e->ev->fields[EF_DSTUSER];
		else if (lc->field_idx >= 0)
			v = e->ev->fields[lc->field_idx];
		else if (strcmp(lc->name, "hostname") == 0)
			v = e->ev->hostname;
		else if (strcmp(lc->name, "program_name") == 0)
			v = e->ev->program_name;
		else
			v = event_get(e->ev, lc->name);
		if (!span_is_set(v) ||
		    !list_match(lc->list, lc->lookup, v.p, v.len,
			&lc->check_value, e->scratch))
			return false;
	}
	return true;
}

static bool
time_match(const struct rule *r, int64_t now_ms)
{
	time_t t = (time_t)(now_ms / 1000);
	struct tm tm;
	unsigned m;
	bool in;

	if (!r->time.set && !r->weekday.set)
		return true;
	clock_localtime((int64_t)t, &tm);
	if (r->weekday.set &&
	    (((r->weekday.days >> tm.tm_wday) & 1) != 0) == r->weekday.negate)
		return false;
	if (!r->time.set)
		return true;
	m = (unsigned)(tm.tm_hour * 60 + tm.tm_min);
	in = r->time.start_min <= r->time.end_min
	    ? m >= r->time.start_min && m < r->time.end_min
	    : m >= r->time.start_min || m < r->time.end_min;
	return in != r->time.negate;
}

/* The value of one <fts> field name for this event. */
static struct span
fts_value(const struct event *ev, const char *name, size_t len)
{
	struct span v = {NULL, 0};
	char tmp[128];

	if (len == 4 && strncmp(name, "name", 4) == 0) {
		v.p = ev->decoder->name;
		v.len = strlen(v.p);
	} else if (len == 8 && strncmp(name, "location", 8) == 0) {
		v.p = ev->location;
		v.len = strlen(v.p);
	} else if (len < sizeof(tmp)) {
		memcpy(tmp, name, len);
		tmp[len] = '\0';
		v = event_get(ev, tmp);
	}
	return v;
}

/* if_fts: the first time the decoder's <fts> combination is seen. */
static bool
fts_match(struct eval *e)
{
	const struct decoder *d = e->ev->decoder;
	char key[2048];
	const char *p;
	size_t len, k = 0;
	struct span v;

	if (d == NULL || d->fts == NULL)
		return false;
	for (p = d->fts; *p != '\0'; p += len + (p[len] == ',')) {
		while (*p == ' ')
			p++;
		len = strcspn(p, ", ");
		v = fts_value(e->ev, p, len);
		if (v.len + 1 >= sizeof(key) - k)
			return false;
		memcpy(key + k, v.p ? v.p : "", v.len);
		k += v.len;
		key[k++] = '\x1f';
		p += strspn(p + len, " ");
	}
	return corr_fts_first(e->c, key, k);
}

/* skip: the condition the parent's prefilter has already decided, or -1 */
static bool
conds_match(struct eval *e, const struct rule *r, int skip)
{
	const struct event *ev = e->ev;
	const char *type = decoder_event_type(ev);
	struct span v;
	size_t i;

	if (e->scratch != NULL)
		e->scratch->at_rule = r;
	if (r->never ||
	    (r->decoded_as != NULL &&
		(ev->decoder == NULL ||
		    strcmp(ev->decoder->report_name, r->decoded_as) != 0)))
		return false;
	if (r->category != NULL && r->id >= 10 && r->category != type &&
	    strcmp(r->category, type) != 0)
		return false;
	for (i = 0; i < r->nconds; i++) {
		if ((int)i == skip)
			continue;
		v = cond_subject(ev, &r->conds[i]);
		if (!span_is_set(v) ||
		    !pattern_match(
			&r->conds[i].pat, v.p, v.len, NULL, e->scratch))
			return false;
	}
	if (!addrs_match(&r->srcip, ev->fields[EF_SRCIP]) ||
	    !addrs_match(&r->dstip, ev->fields[EF_DSTIP]))
		return false;
	if (r->maxsize != 0 && ev->log_len < r->maxsize)
		return false;
	if (!time_match(r, e->now_ms) || !lists_match(e, r))
		return false;
	if (r->compiled != NULL && !r->compiled(ev))
		return false;
	if (r->if_fts && !fts_match(e))
		return false;
	return !r->correlates ||
	    corr_search(e->c, r, e->ev, e->now_ms, e->scratch);
}

/* Whether prefilter bit i is set. */
static bool
bit(const uint64_t *bits, size_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static const struct rule *check(
    struct eval *e, const struct rule *r, int depth, int skip);

/*
 * The children of r the event can match, as a bitmap: those its
 * prefilters (on the message, on the program name) mark and its gate
 * lets through. False when r has neither
 * (every child is tried), or under a trace, which shows every one tried
 * as wazuh-logtest does.
 */
static bool
candidates(const struct eval *e, const struct rule *r, uint64_t *bits)
{
	const struct decoder *d = e->ev->decoder;
	size_t i, nw = (r->nchildren + 63) / 64;

	uint64_t pn[PREFILTER_MAX_CANDS / 64];
	struct span name = e->ev->program_name;

	if (e->trace != NULL ||
	    (r->pf == NULL && r->gate == NULL && r->pn_pf == NULL))
		return false;
	if (r->pf != NULL)
		prefilter_scan(r->pf, e->ev->log, e->ev->log_len, bits);
	else
		for (i = 0; i < nw; i++)
			bits[i] = ~0ull;
	if (r->gate != NULL)
		rule_gate_mask(r->gate, d != NULL ? d->name_id : 0, bits);
	if (r->pn_pf != NULL) { /* no name: only those that need none */
		prefilter_scan(r->pn_pf, span_is_set(name) ? name.p : "",
		    span_is_set(name) ? name.len : 0, pn);
		for (i = 0; i < nw; i++)
			bits[i] &= pn[i];
	}
	return true;
}

/* Try child i of r; its result, or NULL. */
static const struct rule *
check_child(struct eval *e, const struct rule *r, size_t i, int depth, bool pre)
{
	const struct rule *c = r->children[i], *res;
	int skip = pre && r->pf_decides != NULL && bit(r->pf_decides, i)
	    ? c->pf_cond
	    : -1;

	if ((res = check(e, c, depth + 1, skip)) != NULL && e->parent == NULL &&
	    r->id != 0)
		e->parent = r;
	return res;
}

static const struct rule *
check(struct eval *e, const struct rule *r, int depth, int skip)
{
	uint64_t bits[PREFILTER_MAX_CANDS / 64], w;
	const struct rule *res;
	size_t i, k;

	if (depth > EVAL_MAX_DEPTH)
		return NULL;
	if (e->trace != NULL && e->trace->trying != NULL)
		e->trace->trying(e->trace->ctx, r);
	if (!conds_match(e, r, skip))
		return NULL;
	if (e->trace != NULL && e->trace->matched != NULL)
		e->trace->matched(e->trace->ctx, r);
	if (!candidates(e, r, bits)) {
		for (i = 0; i < r->nchildren; i++)
			if ((res = check_child(e, r, i, depth, false)) != NULL)
				return res;
		return r->noalert ? NULL : r;
	}
	/* the candidates in order, by their set bits */
	for (k = 0; k * 64 < r->nchildren; k++)
		for (w = bits[k]; w != 0; w &= w - 1) {
			i = k * 64 + (size_t)__builtin_ctzll(w);
			if (i < r->nchildren &&
			    (res = check_child(e, r, i, depth, true)) != NULL)
				return res;
		}
	return r->noalert ? NULL : r;
}

bool
rule_alert_logged(const struct rule *r, unsigned min_level)
{
	return r != NULL && r->level != 0 && !(r->options & RULE_OPT_NO_LOG) &&
	    ((unsigned)r->level >= min_level ||
		(r->options & RULE_OPT_LOG_ALERT));
}

void
rule_eval(const struct rule_set *rs, struct corr *c, struct event *ev,
    int64_t now_ms, struct pattern_scratch *scratch,
    const struct rule_trace *trace, struct rule_result *res)
{
	struct eval e = {rs, c, ev, now_ms, scratch, trace, NULL};

	if (scratch != NULL)
		scratch->at_decoder = NULL;
	const char *type = decoder_event_type(ev);
	const struct rule *f = NULL;
	size_t i;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < rs->nroots && f == NULL; i++)
		if (rs->roots[i]->category == type ||
		    strcmp(rs->roots[i]->category, type) == 0)
			f = check(&e, rs->roots[i], 0, -1);
	if (f == NULL)
		return;
	res->rule = f;
	res->parent = e.parent;
	if (f->level == 0)
		return;
	if (f->ignore != 0 && corr_ignored(c, f, ev, now_ms)) {
		/* As Wazuh: alert as the nearest parent, or not at all. */
		res->suppressed = true;
		res->rule = f = e.parent;
		if (f == NULL || f->level == 0)
			return;
	}
	res->firedtimes = corr_fired(c, f);
	corr_store(c, f, ev, now_ms);
}
