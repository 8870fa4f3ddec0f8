/*
 * Implementation of pattern.h: dispatch to osregex.c or to PCRE2.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "engine/pattern.h"
#include "engine/pcrelit.h"
#include "engine/prefilter.h"

/* Backtracking allowed per match. 20000 keeps every case of Wazuh's
 * ruleset tests (compat.wazuh) and cuts the worst adversarial 4 KiB line
 * of that ruleset to a few ms (arx patterns, docs/SECURITY.md). */
#define PCRE_MATCH_LIMIT 20000u
#define PCRE_DEPTH_LIMIT 10000u

static const char *const type_names[] = {
    [PAT_NONE] = "none",
    [PAT_OSREGEX] = "osregex",
    [PAT_OSMATCH] = "osmatch",
    [PAT_PCRE2] = "pcre2",
};

const char *
pattern_type_name(enum pattern_type t)
{
	return (unsigned)t <= PAT_EXACT ? type_names[t] : "?";
}

enum pattern_type
pattern_type_parse(const char *s)
{
	if (strcasecmp(s, "osregex") == 0)
		return PAT_OSREGEX;
	if (strcasecmp(s, "osmatch") == 0 || strcasecmp(s, "sregex") == 0)
		return PAT_OSMATCH;
	if (strcasecmp(s, "pcre2") == 0)
		return PAT_PCRE2;
	return PAT_NONE;
}

/* The literals a PCRE2 pattern requires, kept for the prefilters; none
 * when it has none (or no memory: it is then always tried). */
static void
pcre_keep_literals(struct pattern *p, const char *text)
{
	char buf[1024];
	const char *lits[PREFILTER_MAX_LITS];
	size_t lens[PREFILTER_MAX_LITS], n, used;

	n = pcrelit_extract(
	    text, buf, sizeof(buf), lits, lens, PREFILTER_MAX_LITS);
	if (n == 0)
		return;
	used = (size_t)(lits[n - 1] - buf) + lens[n - 1] + 1;
	if ((p->lits = malloc(used)) == NULL)
		return;
	memcpy(p->lits, buf, used);
	p->nlits = n;
}

static int
pcre_compile_text(
    struct pattern *p, const char *text, char *err, size_t err_size)
{
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	int code;
	pcre2_code *re;

	re = pcre2_compile(
	    (PCRE2_SPTR)text, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, err_size, "%s at offset %zu", (char *)msg,
		    (size_t)off);
		return ARX_ERR_INVAL;
	}
	p->jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0;
	p->u.pcre = re;
	pcre_keep_literals(p, text);
	return 0;
}

static int pattern_compile_one(struct pattern *p, const char *text,
    enum pattern_type type, bool capture, char *err, size_t err_size);

int
pattern_compile(struct pattern *p, const char *text, enum pattern_type type,
    bool capture, bool negate, char *err, size_t err_size)
{
	int r;

	memset(p, 0, sizeof(*p));
	p->type = type;
	p->negate = negate;
	if ((r = pattern_compile_one(p, text, type, capture, err, err_size)) !=
	    0)
		return r;
	if ((p->text = strdup(text)) == NULL) {
		pattern_release(p);
		snprintf(err, err_size, "out of memory");
		return ARX_ERR_NOMEM;
	}
	return 0;
}

static int
pattern_compile_one(struct pattern *p, const char *text, enum pattern_type type,
    bool capture, char *err, size_t err_size)
{
	switch (type) {
	case PAT_OSREGEX:
		p->u.re = osregex_compile(text, capture, err, err_size);
		break;
	case PAT_OSMATCH:
		p->u.m = osmatch_compile(text, err, err_size);
		break;
	case PAT_PCRE2:
		return pcre_compile_text(p, text, err, err_size);
	case PAT_EXACT:
		p->u.exact = strdup(text);
		break;
	default:
		snprintf(err, err_size, "unknown pattern type");
		return ARX_ERR_INVAL;
	}
	if (p->u.re == NULL) {
		p->type = PAT_NONE;
		return ARX_ERR_INVAL;
	}
	return 0;
}

void
pattern_release(struct pattern *p)
{
	switch (p->type) {
	case PAT_OSREGEX:
		osregex_free(p->u.re);
		break;
	case PAT_OSMATCH:
		osmatch_free(p->u.m);
		break;
	case PAT_PCRE2:
		pcre2_code_free(p->u.pcre);
		break;
	case PAT_EXACT:
		free(p->u.exact);
		break;
	default:
		break;
	}
	free(p->text);
	free(p->lits);
	memset(p, 0, sizeof(*p));
}

/* A match abandoned at its limit: count it and say who was matching. */
static void
limit_hit(struct pattern_scratch *sc)
{
	sc->nlimit++;
	sc->hit_rule = sc->at_rule;
	sc->hit_decoder = sc->at_decoder;
}

static bool
pcre_match(const struct pattern *p, const char *s, size_t len,
    struct pattern_result *res, struct pattern_scratch *sc)
{
	PCRE2_SIZE *ov;
	int rc, i;

	if (sc->match_data == NULL) {
		sc->match_data =
		    pcre2_match_data_create(PATTERN_MAX_CAPS + 1, NULL);
		sc->match_ctx = pcre2_match_context_create(NULL);
		if (sc->match_data == NULL || sc->match_ctx == NULL) {
			pattern_scratch_release(sc);
			return false;
		}
		pcre2_set_match_limit(sc->match_ctx, PCRE_MATCH_LIMIT);
		pcre2_set_depth_limit(sc->match_ctx, PCRE_DEPTH_LIMIT);
	}
	/* The JIT's own entry skips pcre2_match's checks of arguments that
	 * are right by construction here (same limits, same results). */
	rc = p->jit ? pcre2_jit_match(p->u.pcre, (PCRE2_SPTR)s, len, 0, 0,
			  sc->match_data, sc->match_ctx)
		    : pcre2_match(p->u.pcre, (PCRE2_SPTR)s, len, 0, 0,
			  sc->match_data, sc->match_ctx);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT)
		limit_hit(sc);
	if (rc < 0)
		return false;
	if (res == NULL)
		return true;
	ov = pcre2_get_ovector_pointer(sc->match_data);
	res->end = (long)ov[1] - 1;
	res->ncaps = 0;
	if (rc == 0) /* more groups than we keep: the first ones */
		rc = PATTERN_MAX_CAPS + 1;
	for (i = 1; i < rc && i <= PATTERN_MAX_CAPS; i++) {
		size_t a = ov[2 * i], b = ov[2 * i + 1];
		/* A group that did not take part leaves its field unset. */
		res->caps[res->ncaps].p = a == PCRE2_UNSET ? NULL : s + a;
		res->caps[res->ncaps++].len = a == PCRE2_UNSET ? 0 : b - a;
	}
	return true;
}

bool
pattern_match(const struct pattern *p, const char *subject, size_t len,
    struct pattern_result *res, struct pattern_scratch *scratch)
{
	struct osregex_result rr;
	bool m = false;

	if (res != NULL)
		res->ncaps = 0;
	switch (p->type) {
	case PAT_OSREGEX:
		m = osregex_exec(p->u.re, subject, len, &rr);
		if (m && res != NULL && !p->negate) {
			res->end = rr.end;
			res->ncaps = rr.ncaps;
			memcpy(
			    res->caps, rr.caps, rr.ncaps * sizeof(rr.caps[0]));
		}
		if (rr.budget_exceeded && scratch != NULL)
			limit_hit(scratch);
		break;
	case PAT_OSMATCH:
		m = osmatch_exec(p->u.m, subject, len);
		break;
	case PAT_PCRE2:
		m = pcre_match(
		    p, subject, len, p->negate ? NULL : res, scratch);
		break;
	case PAT_EXACT:
		m = strlen(p->u.exact) == len &&
		    memcmp(p->u.exact, subject, len) == 0;
		break;
	default:
		return false;
	}
	return m != p->negate;
}

void
pattern_scratch_release(struct pattern_scratch *s)
{
	pcre2_match_data_free(s->match_data);
	pcre2_match_context_free(s->match_ctx);
	s->match_data = NULL;
	s->match_ctx = NULL;
}

size_t
pattern_plain_len(const struct pattern *p)
{
	return p->type == PAT_OSMATCH && !p->negate ? osmatch_plain_len(p->u.m)
						    : 0;
}

size_t
pattern_literals(
    const struct pattern *p, const char **lits, size_t *lens, size_t max)
{
	if (p->negate)
		return 0;
	if (p->type == PAT_OSMATCH)
		return osmatch_literals(p->u.m, lits, lens, max);
	if (p->type == PAT_OSREGEX)
		return osregex_literals(p->u.re, lits, lens, max);
	if (p->type == PAT_PCRE2 && p->lits != NULL && p->nlits <= max) {
		const char *l = p->lits;
		size_t i;

		for (i = 0; i < p->nlits; i++, l += lens[i - 1] + 1) {
			lits[i] = l;
			lens[i] = strlen(l);
		}
		return p->nlits;
	}
	return 0;
}
