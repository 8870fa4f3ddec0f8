/*
 * Implementation of compiled.h. Semantics as documented for OSSEC's
 * compiled rules; the code is arx's.
 */
#include <string.h>

#include "engine/compiled.h"

static bool
span_eq_span(struct span a, struct span b)
{
	return a.len == b.len && memcmp(a.p, b.p, a.len) == 0;
}

/* True unless srcuser and dstuser are both set and differ. */
static bool
comp_srcuser_dstuser(const struct event *ev)
{
	struct span s = ev->fields[EF_SRCUSER], d = ev->fields[EF_DSTUSER];

	return !span_is_set(s) || !span_is_set(d) || span_eq_span(s, d);
}

static bool
check_id_size(const struct event *ev)
{
	return span_is_set(ev->fields[EF_ID]) && ev->fields[EF_ID].len >= 10;
}

/* The value after "<label>:" up to a tab or a double space. */
static struct span
mswin_value(const struct event *ev, const char *label)
{
	struct span v = {NULL, 0};
	const char *p = strstr(ev->log, label), *end;

	if (p == NULL || (p = strchr(p, ':')) == NULL)
		return v;
	v.p = ++p;
	for (end = p;
	     *end != '\0' && *end != '\t' && !(end[0] == ' ' && end[1] == ' ');
	     end++)
		;
	v.len = (size_t)(end - p);
	return v;
}

/* Windows: the target account and the caller differ. */
static bool
comp_mswin_diff(const struct event *ev)
{
	struct span t = mswin_value(ev, "Target Account Name");
	struct span c = mswin_value(ev, "Caller User Name");

	return t.p != NULL && c.p != NULL && !span_eq_span(t, c);
}

/* A URL without a query string. */
static bool
is_simple_http_request(const struct event *ev)
{
	struct span u = ev->fields[EF_URL];

	return span_is_set(u) && memchr(u.p, '?', u.len) == NULL;
}

static bool
is_valid_crawler(const struct event *ev)
{
	static const char *const prefixes[] = {"66.249.", "72.14.", "209.85.",
	    "65.55.", "207.46.", "74.6.", "72.30.", "67.195."};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(ev->log, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static const struct {
	const char *name;
	compiled_rule_fn *fn;
} compiled_rules[] = {
    {"comp_srcuser_dstuser", comp_srcuser_dstuser},
    {"check_id_size", check_id_size},
    {"comp_mswin_targetuser_calleruser_diff", comp_mswin_diff},
    {"is_simple_http_request", is_simple_http_request},
    {"is_valid_crawler", is_valid_crawler},
};

compiled_rule_fn *
compiled_rule_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(compiled_rules) / sizeof(compiled_rules[0]); i++)
		if (strcmp(compiled_rules[i].name, name) == 0)
			return compiled_rules[i].fn;
	return NULL;
}
