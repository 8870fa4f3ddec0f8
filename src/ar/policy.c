/*
 * Response policy (see policy.h): binding of rules to responses, the white
 * list check, and the repeated-offender escalation. Owns the compiled
 * binding table; everything else here is a pure function.
 */
#include <stdlib.h>
#include <string.h>

#include "ar/policy.h"
#include "core/err.h"
#include "core/log.h"
#include "core/osregex.h"

struct ar_bind {
	const struct conf_ar *ar;
	struct osregex *group; /* NULL: not a criterion */
	unsigned *ids;
	size_t nids;
};

struct ar_bindings {
	struct ar_bind *v;
	size_t n;
};

static int
bind_compile(struct ar_bind *b, const struct conf_ar *ar)
{
	char err[256];
	size_t i;

	b->ar = ar;
	if (ar->rules_group != NULL) {
		b->group =
		    osregex_compile(ar->rules_group, false, err, sizeof(err));
		if (b->group == NULL) {
			log_error("%s:%u: rules_group: %s", ar->where.file,
			    ar->where.line, err);
			return ARX_ERR_CONFIG;
		}
	}
	b->ids = calloc(ar->rules_id.n + 1, sizeof(*b->ids));
	if (b->ids == NULL)
		return ARX_ERR_NOMEM;
	for (i = 0; i < ar->rules_id.n; i++)
		b->ids[b->nids++] =
		    (unsigned)strtoul(ar->rules_id.v[i], NULL, 10);
	return 0;
}

struct ar_bindings *
ar_bindings_new(const struct arx_conf *conf)
{
	struct ar_bindings *b = calloc(1, sizeof(*b));
	size_t i;

	if (b == NULL)
		return NULL;
	b->v = calloc(conf->nars + 1, sizeof(*b->v));
	if (b->v == NULL)
		goto fail;
	b->n = conf->nars; /* zeroed entries are safe to free */
	for (i = 0; i < conf->nars; i++)
		if (bind_compile(&b->v[i], &conf->ars[i]) != 0)
			goto fail;
	return b;
fail:
	ar_bindings_free(b);
	return NULL;
}

void
ar_bindings_free(struct ar_bindings *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		osregex_free(b->v[i].group);
		free(b->v[i].ids);
	}
	free(b->v);
	free(b);
}

static bool
bind_matches(const struct ar_bind *b, const struct ar_rule *r)
{
	const char *groups = r->groups != NULL ? r->groups : "";
	bool by_level = b->ar->level >= 0;
	bool by_group = b->group != NULL;
	size_t i;

	for (i = 0; i < b->nids; i++)
		if (b->ids[i] == r->id)
			return true;
	if (!by_level && !by_group)
		return false;
	if (by_level && r->level < b->ar->level)
		return false;
	return !by_group ||
	    osregex_exec(b->group, groups, strlen(groups), NULL);
}

size_t
ar_bindings_match(const struct ar_bindings *b, const struct ar_rule *r,
    size_t *out, size_t max)
{
	size_t i, n = 0;

	if (r->level == 0 || (r->options & AR_RULE_NO_AR))
		return 0;
	for (i = 0; i < b->n && n < max; i++) {
		if (b->v[i].ar->disabled || b->v[i].ar->command == NULL)
			continue;
		if (bind_matches(&b->v[i], r))
			out[n++] = i;
	}
	return n;
}

bool
ar_whitelisted(const struct cidrvec *list, const struct arx_addr *a)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (cidr_overlaps(&list->v[i], a))
			return true;
	return false;
}

uint64_t
ar_offence_duration(const struct ar_escalation *e, unsigned n)
{
	uint64_t t = e->base_s;
	size_t step;

	if (n > 1 && e->nsteps > 0 && t > 0) {
		step = n - 1 <= e->nsteps ? n - 2 : e->nsteps - 1;
		if (e->steps_s[step] > t)
			t = e->steps_s[step];
	}
	return t;
}

uint64_t
ar_escalate(const struct ar_escalation *e, struct ar_offence *o, int64_t now_ms)
{
	if (o->count > 0 && e->decay_s > 0 &&
	    now_ms - o->last_ms > (int64_t)e->decay_s * 1000)
		o->count = 0;
	o->count++;
	o->last_ms = now_ms;
	return ar_offence_duration(e, o->count);
}
