/*
 * Decoding one event (decoder.h), following Wazuh's DecodeEvent: pick the
 * first top-level decoder whose program name and prematch match, then its
 * first child whose prematch matches (a failing chain of same-named
 * children is skipped whole), then run the regex of the selected decoder
 * and of the rest of its chain, each from the offset it asks for.
 *
 * Offsets are kept as indexes into ev->log. "After" a match means one past
 * its last character, unless that is already the end (as in OSSEC).
 */
#include <string.h>

#include "engine/decoder.h"
#include "engine/json.h"
#include "engine/prefilter.h"

#define NOPOS (-1L)

struct dec_run {
	struct event *ev;
	struct pattern_scratch *scratch;
	long pmatch;     /* after the top-level prematch */
	long cmatch;     /* after the child's prematch */
	long regex_prev; /* after the previous regex of a chain */
};

/* Who matches next, for a match abandoned at its limit. */
static void
dec_at(struct dec_run *r, const struct decoder *d)
{
	if (r->scratch != NULL)
		r->scratch->at_decoder = d;
}

/* Match p on the log from offset base; *after = the OSSEC "after" index. */
static bool
dec_match(struct dec_run *r, const struct pattern *p, long base, long *after,
    struct pattern_result *res)
{
	const struct event *ev = r->ev;
	struct pattern_result local;
	long end;

	if (base < 0)
		base = 0;
	if ((size_t)base > ev->log_len)
		base = (long)ev->log_len;
	if (res == NULL)
		res = &local;
	if (!pattern_match(
		p, ev->log + base, ev->log_len - (size_t)base, res, r->scratch))
		return false;
	if (after != NULL) {
		/* OSSEC returns the last character matched; "after" is the
		 * next one (never past the end). */
		end = p->negate ? base - 1 : base + res->end;
		*after =
		    end + 1 > (long)ev->log_len ? (long)ev->log_len : end + 1;
		if (*after < base)
			*after = base;
	}
	return true;
}

static void
dec_assign(struct dec_run *r, const struct decoder *d,
    const struct pattern_result *res)
{
	size_t i;

	for (i = 0; i < res->ncaps && i < d->norder; i++) {
		if (d->order[i] == NULL || res->caps[i].p == NULL)
			continue;
		if (d->order_field == NULL)
			(void)event_set(r->ev, d->order[i], res->caps[i]);
		else if (d->order_field[i] >= 0)
			r->ev->fields[d->order_field[i]] = res->caps[i];
		else /* known at load not to be a static field */
			(void)event_set_dyn(r->ev, d->order[i], res->caps[i]);
	}
}

static long
dec_base(const struct dec_run *r, unsigned offset)
{
	if (offset & DEC_OFF_AFTER_PARENT)
		return r->pmatch;
	if (offset & DEC_OFF_AFTER_PREMATCH)
		return r->cmatch;
	if (offset & DEC_OFF_AFTER_REGEX)
		return r->regex_prev != NOPOS ? r->regex_prev : r->cmatch;
	return 0;
}

static void
dec_plugin(struct dec_run *r, const struct decoder *d)
{
	long base = dec_base(r, d->plugin_offset);

	if (d->plugin != DEC_PLUGIN_JSON)
		return;
	if (base < 0 || (size_t)base > r->ev->log_len)
		base = 0;
	(void)json_decode_event(r->ev, r->ev->log + base,
	    r->ev->log_len - (size_t)base, d->json_null, d->json_array_csv);
}

/* Run the regex of children[i] and of the rest of its chain. */
static void
dec_regex_chain(
    struct dec_run *r, struct decoder *const *nodes, size_t n, size_t i)
{
	struct pattern_result res;
	const struct decoder *d;
	long after;

	for (; i < n; i++) {
		d = nodes[i];
		dec_at(r, d);
		if (d->plugin != DEC_PLUGIN_NONE)
			dec_plugin(r, d);
		else if (d->regex.type == PAT_NONE)
			return;
		else if (!dec_match(r, &d->regex, dec_base(r, d->regex_offset),
			     &after, &res)) {
			if (d->get_next)
				continue;
			return;
		} else {
			r->regex_prev = after;
			dec_assign(r, d, &res);
		}
		if (!d->get_next)
			return;
	}
}

/* The first child that applies; n when none does. */
static size_t
dec_pick_child(struct dec_run *r, const struct decoder *top)
{
	uint64_t bits[PREFILTER_MAX_CANDS / 64];
	const struct decoder *c;
	size_t i = 0, n = top->nchildren;
	bool pre = top->child_pf != NULL;
	long base;

	if (pre) /* one pass finds the prematches that can match */
		prefilter_scan(top->child_pf, r->ev->log, r->ev->log_len, bits);
	while (i < n) {
		c = top->children[i];
		dec_at(r, c);
		if (c->prematch.type == PAT_NONE) {
			r->cmatch = r->pmatch;
			return i;
		}
		base =
		    (c->prematch_offset & DEC_OFF_AFTER_PARENT) ? r->pmatch : 0;
		if ((!pre || ((bits[i / 64] >> (i % 64)) & 1)) &&
		    dec_match(r, &c->prematch, base, &r->cmatch, NULL))
			return i;
		if (c->get_next) {
			/* A failing chain is skipped whole. */
			do
				i++;
			while (i < n && top->children[i]->get_next);
		}
		i++;
	}
	return n;
}

/* Whether top-level decoder d accepts the event; sets r->pmatch. */
static bool
dec_top_matches(struct dec_run *r, const struct decoder *d)
{
	const struct event *ev = r->ev;

	r->pmatch = 0;
	dec_at(r, d);
	if (span_is_set(ev->program_name) &&
	    !pattern_match(&d->program_name, ev->program_name.p,
		ev->program_name.len, NULL, r->scratch))
		return false;
	if (d->prematch.type != PAT_NONE &&
	    !dec_match(r, &d->prematch, 0, &r->pmatch, NULL))
		return false;
	return true;
}

static bool
bit(const uint64_t *bits, size_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

bool
decoder_decode(const struct decoder_set *set, struct event *ev,
    struct pattern_scratch *scratch)
{
	struct dec_run r = {ev, scratch, 0, NOPOS, NOPOS};
	bool with_pn = span_is_set(ev->program_name);
	struct decoder *const *list = with_pn ? set->pn : set->nopn;
	size_t i, n = with_pn ? set->npn : set->nnopn, c;
	uint64_t bits[PREFILTER_MAX_CANDS / 64], pm[PREFILTER_MAX_CANDS / 64];
	const struct prefilter *pmpf =
	    with_pn ? set->pn_pm_pf : set->nopn_pm_pf;
	bool pre = with_pn && set->pn_pf != NULL;
	struct decoder *top;

	if (scratch != NULL)
		scratch->at_rule = NULL;
	if (pre) /* the decoders this program name can match, in one pass */
		prefilter_scan(
		    set->pn_pf, ev->program_name.p, ev->program_name.len, bits);
	if (pmpf != NULL) /* and those whose prematch the message can match */
		prefilter_scan(pmpf, ev->log, ev->log_len, pm);
	for (i = 0; i < n; i++) {
		top = list[i];
		if ((pre && !bit(bits, i)) || (pmpf != NULL && !bit(pm, i)) ||
		    !dec_top_matches(&r, top))
			continue;
		ev->decoder = ev->parent = top;
		if (top->nchildren == 0) {
			dec_regex_chain(&r, &list[i], 1, 0);
			return true;
		}
		c = dec_pick_child(&r, top);
		if (c == top->nchildren)
			return true;
		ev->decoder = top->children[c];
		dec_regex_chain(&r, top->children, top->nchildren, c);
		return true;
	}
	return false;
}

const char *
decoder_event_type(const struct event *ev)
{
	if (ev->decoder != NULL && ev->decoder->type != NULL)
		return ev->decoder->type;
	if (ev->parent != NULL && ev->parent->type != NULL)
		return ev->parent->type;
	return decoder_type_syslog;
}
