/*
 * Loading rules from OSSEC/Wazuh rule XML (rule.h): <group name> wrappers
 * and <var> definitions, one table row per rule element, repeated pattern
 * elements joined as OSSEC joins them, and the tree built as rules arrive
 * (a parent must be loaded before its children, as in Wazuh). Every
 * problem is reported as file:line with the rule id; a rule that cannot be
 * placed is dropped with a warning, as Wazuh does, and counted.
 */
#define _GNU_SOURCE /* memmem */
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/xml.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"
#include "engine/compiled.h"
#include "engine/corr.h"
#include "engine/decoder.h"
#include "engine/prefilter.h"
#include "engine/rule.h"
#include "engine/rule_groups.h"
#include "engine/xmlvar.h"

#define MAX_PENDING 40

struct rule_elem;
static void rule_release(struct rule *r);

/* A pattern element whose text is still being joined. */
struct pending {
	const char *elem;
	const struct rule_elem *e;
	const char *dyn; /* <field name="..."> */
	struct buf text;
	enum pattern_type type;
	bool negate;
	unsigned line;
};

struct rule_build {
	struct rule_set *rs;
	const struct xml_node *node;
	const struct xmlvars *vars;
	struct rule *r;
	const char *group_base;
	struct buf groups;
	struct pending pend[MAX_PENDING];
	size_t npend;
	unsigned *sids;
	size_t nsids;
	bool overwrite;
	int accuracy;
	int err;
};

struct rule_elem;
typedef int rule_elem_fn(struct rule_build *b, const struct xml_node *n,
    const char *text, const struct rule_elem *e);

/* One rule element; pattern conditions are evaluated in table order. */
struct rule_elem {
	const char *name;
	rule_elem_fn *fn;
	enum rule_subject subject; /* pattern conditions */
	int field_idx;
	enum pattern_type type; /* default language */
};

static void
rule_err(struct rule_build *b, const struct xml_node *n, const char *msg,
    const char *detail)
{
	log_error("%s:%u: rule %u: %s%s%s", b->rs->cur_file, n->line, b->r->id,
	    msg, detail ? ": " : "", detail ? detail : "");
	b->err = ARX_ERR_CONFIG;
}

static const char *
rs_strdup(struct rule_build *b, const char *s)
{
	const char *p = arena_strdup(&b->rs->arena, s);

	if (p == NULL)
		b->err = ARX_ERR_NOMEM;
	return p;
}

/* A copy of s in lower case (ASCII, as strncasecmp compares). */
static const char *
rs_strdup_lower(struct rule_build *b, const char *s)
{
	char *p = arena_strdup(&b->rs->arena, s);

	if (p == NULL) {
		b->err = ARX_ERR_NOMEM;
		return NULL;
	}
	for (char *q = p; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

/* negate="yes|no" and type="osmatch|osregex|pcre2" on a pattern element. */
static int
rule_pattern_attrs(struct rule_build *b, const struct xml_node *n,
    enum pattern_type *type, bool *negate, const char *extra)
{
	size_t i;

	for (i = 0; i < n->nattrs; i++) {
		const char *a = n->attrs[i].name, *v = n->attrs[i].value;
		if (strcmp(a, "type") == 0 &&
		    (*type = pattern_type_parse(v)) != PAT_NONE)
			continue;
		if (strcmp(a, "negate") == 0 && str_to_bool(v, negate) == 0)
			continue;
		if (extra != NULL && strcmp(a, extra) == 0)
			continue;
		rule_err(b, n, "bad attribute", a);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

/* A pattern condition: join with earlier elements of the same kind. */
static int
el_pattern(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	const char *dyn = NULL;
	struct pending *p = NULL;
	size_t i;

	if (e->subject == SUBJ_DYNAMIC &&
	    (dyn = xml_attr_get(n, "name")) == NULL) {
		rule_err(b, n, "<field> needs a name attribute", NULL);
		return ARX_ERR_CONFIG;
	}
	if (dyn != NULL && event_field_lookup(dyn, strlen(dyn)) >= 0) {
		rule_err(b, n, "field is static; use its own element", dyn);
		return ARX_ERR_CONFIG;
	}
	/* Repeated elements are joined, except <field>: each is its own
	 * condition, as in Wazuh. */
	for (i = 0; dyn == NULL && i < b->npend && p == NULL; i++)
		if (b->pend[i].e == e)
			p = &b->pend[i];
	if (p == NULL) {
		if (b->npend == MAX_PENDING) {
			rule_err(b, n, "too many conditions", NULL);
			return ARX_ERR_CONFIG;
		}
		p = &b->pend[b->npend++];
		p->e = e;
		p->elem = e->name;
		p->dyn = dyn ? rs_strdup(b, dyn) : NULL;
		p->line = n->line;
		buf_init(&p->text, XML_MAX_FILE_SIZE);
	}
	p->type = e->type;
	p->negate = false;
	if (rule_pattern_attrs(
		b, n, &p->type, &p->negate, dyn != NULL ? "name" : NULL) != 0)
		return ARX_ERR_CONFIG;
	return buf_puts(&p->text, text);
}

static int
el_string(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	const char *v = rs_strdup(b, text);

	if (strcmp(e->name, "decoded_as") == 0)
		b->r->decoded_as = v;
	else if (strcmp(e->name, "category") == 0)
		b->r->category = v != NULL && decoder_type_canon(v) != NULL
		    ? decoder_type_canon(v)
		    : v;
	else if (strcmp(e->name, "description") == 0) {
		char *d = (char *)v, *nl;
		if (d != NULL && (nl = strchr(d, '\n')) != NULL)
			*nl = ' ';
		b->r->description = d;
	} else if (strcmp(e->name, "if_group") == 0)
		b->r->if_group = v;
	else if (strcmp(e->name, "ignore") == 0)
		b->r->ignore_fields = v;
	else if (strcmp(e->name, "check_if_ignored") == 0)
		b->r->check_if_ignored = v;
	else if (strcmp(e->name, "cve") == 0)
		b->r->cve = v;
	else if (strcmp(e->name, "info") == 0)
		b->r->info = v;
	(void)n;
	return b->err;
}

static int
el_group(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	(void)n, (void)e;
	return buf_puts(&b->groups, text);
}

struct sid_ctx {
	struct rule_build *b;
	const struct xml_node *n;
};

static int
sids_push(struct rule_build *b, unsigned id)
{
	unsigned *v = realloc(b->sids, (b->nsids + 1) * sizeof(*v));

	if (v == NULL)
		return ARX_ERR_NOMEM;
	b->sids = v;
	b->sids[b->nsids++] = id;
	return 0;
}

static int
add_sid(void *arg, const char *item)
{
	struct sid_ctx *c = arg;
	uint64_t id;

	if (str_to_uint(item, 0, RULE_MAX_ID, &id) != 0) {
		/* As Wazuh: the rule is skipped with a warning. */
		log_warn("%s:%u: rule %u: if_sid holds '%s', which is not a "
			 "rule id; the rule is skipped",
		    c->b->rs->cur_file, c->n->line, c->b->r->id, item);
		return ARX_ERR_NOTFOUND;
	}
	return sids_push(c->b, (unsigned)id);
}

/* if_sid: ids separated by commas or blanks. */
static int
el_if_sid(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	struct sid_ctx c = {b, n};
	char tmp[4096];
	size_t i;

	(void)e;
	if (str_lcpy(tmp, text, sizeof(tmp)) >= sizeof(tmp))
		return ARX_ERR_TOOBIG;
	for (i = 0; tmp[i] != '\0'; i++)
		if (isspace((unsigned char)tmp[i]))
			tmp[i] = ',';
	return str_split_list(tmp, add_sid, &c);
}

static int
el_uint(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	uint64_t v;

	if (str_to_uint(text, 0, RULE_MAX_ID, &v) != 0) {
		rule_err(b, n, "not a number", text);
		return ARX_ERR_CONFIG;
	}
	if (strcmp(e->name, "if_level") == 0)
		b->r->if_level = (int)v;
	else
		b->r->if_matched_sid = (unsigned)v;
	return 0;
}

/* if_matched_group (OS_Match) and if_matched_regex (OS_Regex). */
static int
el_matched(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	struct pattern *p = e->type == PAT_OSMATCH ? &b->r->if_matched_group
						   : &b->r->if_matched_regex;
	enum pattern_type t = e->type;
	bool neg = false;
	char err[200];

	if (rule_pattern_attrs(b, n, &t, &neg, NULL) != 0)
		return ARX_ERR_CONFIG;
	pattern_release(p);
	if (pattern_compile(p, text, t, false, neg, err, sizeof(err)) != 0) {
		rule_err(b, n, "invalid pattern", err);
		return ARX_ERR_CONFIG;
	}
	if (e->type == PAT_OSMATCH && b->r->if_group == NULL)
		b->r->if_group = rs_strdup(b, text);
	return b->err;
}

static int
el_addr(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	struct rule_addrs *a =
	    e->field_idx == EF_SRCIP ? &b->r->srcip : &b->r->dstip;
	enum pattern_type unused = PAT_NONE;
	bool neg = *text == '!';
	struct arx_cidr c;

	if (rule_pattern_attrs(b, n, &unused, &a->negate, NULL) != 0)
		return ARX_ERR_CONFIG;
	if (cidr_parse(text + neg, &c) != 0) {
		rule_err(b, n, "not an address or CIDR block", text);
		return ARX_ERR_CONFIG;
	}
	a->cidrs = realloc(a->cidrs, (a->n + 1) * sizeof(*a->cidrs));
	a->neg = realloc(a->neg, (a->n + 1) * sizeof(*a->neg));
	if (a->cidrs == NULL || a->neg == NULL)
		return ARX_ERR_NOMEM;
	a->cidrs[a->n] = c;
	a->neg[a->n++] = neg;
	return 0;
}

/* same_xxx / different_xxx / not_same_xxx elements. */
static int
el_same(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	const char *name = n->name;
	bool diff = strncmp(name, "different_", 10) == 0 ||
	    strncmp(name, "not_same_", 9) == 0;
	const char *suffix = strchr(name, '_') + 1;
	int f;

	(void)text, (void)e;
	if (strncmp(name, "not_same_", 9) == 0)
		suffix = name + 9;
	if ((f = corr_field_parse(suffix)) < 0) {
		rule_err(b, n, "unknown correlation field", name);
		return ARX_ERR_CONFIG;
	}
	if (diff)
		b->r->different_mask |= 1u << f;
	else
		b->r->same_mask |= 1u << f;
	return 0;
}

static int
push_name(struct rule_build *b, const char ***v, size_t *n, const char *s)
{
	const char **nv = arena_alloc(&b->rs->arena, (*n + 1) * sizeof(*nv));

	if (nv == NULL)
		return ARX_ERR_NOMEM;
	if (*n > 0)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[*n] = rs_strdup(b, s);
	*v = nv;
	(*n)++;
	return b->err;
}

static int
el_same_field(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	(void)e;
	if (text[0] == '\0') {
		rule_err(b, n, "empty field name", n->name);
		return ARX_ERR_CONFIG;
	}
	if (strcmp(n->name, "same_field") == 0)
		return push_name(
		    b, &b->r->same_fields, &b->r->nsame_fields, text);
	return push_name(
	    b, &b->r->different_fields, &b->r->ndifferent_fields, text);
}

static int
el_options(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	static const struct {
		const char *name;
		unsigned bit;
	} opts[] = {
	    {"no_log", RULE_OPT_NO_LOG},
	    {"no_ar", RULE_OPT_NO_AR},
	    {"no_full_log", RULE_OPT_NO_FULL_LOG},
	    {"no_counter", RULE_OPT_NO_COUNTER},
	    {"alert_by_email", RULE_OPT_ALERT_EMAIL},
	    {"no_email_alert", RULE_OPT_NO_EMAIL},
	    {"log_alert", RULE_OPT_LOG_ALERT},
	};
	size_t i;

	(void)e;
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (strcmp(opts[i].name, text) == 0) {
			b->r->options |= opts[i].bit;
			return 0;
		}
	}
	rule_err(b, n, "unknown option", text);
	return ARX_ERR_CONFIG;
}

static int
el_flag(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	(void)text, (void)e;
	if (strcmp(n->name, "global_frequency") == 0)
		b->r->global_frequency = true;
	else
		log_info("%s:%u: rule %u: <%s> is deprecated and has no effect",
		    b->rs->cur_file, n->line, b->r->id, n->name);
	return 0;
}

/* Features arx does not have: the rule can never match (said at load). */
static int
el_never(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	(void)text, (void)e;
	b->r->never = true;
	log_warn("%s:%u: rule %u: <%s> is not supported by arx; this rule "
		 "never matches",
	    b->rs->cur_file, n->line, b->r->id, n->name);
	return 0;
}

static int
el_compiled(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	(void)e;
	if ((b->r->compiled = compiled_rule_find(text)) == NULL) {
		rule_err(b, n, "unknown compiled_rule", text);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static int
el_fts(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	(void)n, (void)text, (void)e;
	b->r->if_fts = true;
	return 0;
}

/* <mitre><id>T1110</id>...</mitre>: ids kept for output. */
static int
el_mitre(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	const struct xml_node *c;
	struct buf ids;

	(void)text, (void)e;
	buf_init(&ids, 4096);
	for (c = n->child; c != NULL; c = c->next)
		if (strcmp(c->name, "id") == 0 ||
		    strcmp(c->name, "techniqueID") == 0)
			buf_printf(&ids, "%s%s", ids.len ? "," : "", c->text);
	b->r->mitre_ids = rs_strdup(b, buf_cstr(&ids));
	buf_release(&ids);
	return b->err;
}

static int
el_list(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	const char *field = xml_attr_get(n, "field");
	const char *lookup = xml_attr_get(n, "lookup");
	const char *check = xml_attr_get(n, "check_value");
	struct rule_list_cond *lc, *v;
	int lk = lookup ? list_lookup_parse(lookup) : LIST_MATCH_KEY;
	char err[200];

	(void)e;
	if (field == NULL || lk < 0) {
		rule_err(
		    b, n, "<list> needs field= and a known lookup=", lookup);
		return ARX_ERR_CONFIG;
	}
	v = arena_alloc(&b->rs->arena, (b->r->nlists + 1) * sizeof(*v));
	if (v == NULL)
		return ARX_ERR_NOMEM;
	if (b->r->nlists > 0)
		memcpy(v, b->r->lists, b->r->nlists * sizeof(*v));
	lc = &v[b->r->nlists];
	memset(lc, 0, sizeof(*lc));
	b->r->lists = v;
	b->r->nlists++;
	lc->lookup = (enum list_lookup)lk;
	lc->field_idx = strcmp(field, "user") == 0
	    ? -2
	    : event_field_lookup(field, strlen(field));
	lc->name = rs_strdup(b, field);
	if (check != NULL &&
	    pattern_compile(&lc->check_value, check, PAT_OSMATCH, false, false,
		err, sizeof(err)) != 0) {
		rule_err(b, n, "invalid check_value", err);
		return ARX_ERR_CONFIG;
	}
	if ((lc->list = list_set_find(b->rs->lists, text)) == NULL) {
		log_warn("%s:%u: rule %u: list '%s' is not loaded; the rule is "
			 "skipped",
		    b->rs->cur_file, n->line, b->r->id, text);
		return ARX_ERR_NOTFOUND;
	}
	return b->err;
}

/* "H[:MM][ am|pm]" at *p; minutes since midnight, or -1. */
static int
parse_clock(const char **p)
{
	unsigned h = 0, m = 0;
	const char *s = *p;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s))
		h = h * 10 + (unsigned)(*s++ - '0');
	if (*s == ':') {
		s++;
		while (isdigit((unsigned char)*s))
			m = m * 10 + (unsigned)(*s++ - '0');
	}
	while (*s == ' ')
		s++;
	if (strncasecmp(s, "pm", 2) == 0 || strncasecmp(s, "am", 2) == 0) {
		if (h == 12)
			h = 0;
		if (tolower((unsigned char)*s) == 'p')
			h += 12;
		s += 2;
	}
	while (*s == ' ')
		s++;
	*p = s;
	return h < 24 && m < 60 ? (int)(h * 60 + m) : -1;
}

static int
el_time(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	const char *p = text;
	int a, z;

	(void)e;
	b->r->time.negate = *p == '!';
	p += b->r->time.negate;
	if ((a = parse_clock(&p)) < 0 || *p++ != '-' ||
	    (z = parse_clock(&p)) < 0 || *p != '\0') {
		rule_err(b, n,
		    "time must look like 6 pm - 8:30 am or "
		    "18:00-20:30",
		    text);
		return ARX_ERR_CONFIG;
	}
	b->r->time.set = true;
	b->r->time.start_min = (unsigned)a;
	b->r->time.end_min = (unsigned)z;
	return 0;
}

static int
el_weekday(struct rule_build *b, const struct xml_node *n, const char *text,
    const struct rule_elem *e)
{
	static const struct {
		const char *name;
		uint8_t days;
	} names[] = {
	    {"sunday", 1},
	    {"monday", 2},
	    {"tuesday", 4},
	    {"wednesday", 8},
	    {"thursday", 16},
	    {"friday", 32},
	    {"saturday", 64},
	    {"weekdays", 62},
	    {"weekends", 65},
	};
	char tmp[256], *tok, *save = NULL;
	size_t i;

	(void)e;
	str_lcpy(tmp, text + (*text == '!'), sizeof(tmp));
	b->r->weekday.negate = *text == '!';
	for (tok = strtok_r(tmp, ", ", &save); tok != NULL;
	     tok = strtok_r(NULL, ", ", &save)) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strncasecmp(tok, names[i].name, strlen(tok)) == 0 &&
			    strlen(tok) >= 3)
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			rule_err(b, n, "unknown weekday", tok);
			return ARX_ERR_CONFIG;
		}
		b->r->weekday.days |= names[i].days;
	}
	b->r->weekday.set = true;
	return 0;
}

#define PAT(name, subj, idx, type)                \
	{                                         \
		name, el_pattern, subj, idx, type \
	}
#define ROW(name, fn)                            \
	{                                        \
		name, fn, SUBJ_LOG, -1, PAT_NONE \
	}

/* Pattern rows come first, in the order Wazuh tests them. */
static const struct rule_elem rule_elems[] = {
    PAT("program_name", SUBJ_PROGRAM, -1, PAT_OSMATCH),
    PAT("id", SUBJ_FIELD, EF_ID, PAT_OSMATCH),
    PAT("system_name", SUBJ_FIELD, EF_SYSTEM_NAME, PAT_OSMATCH),
    PAT("protocol", SUBJ_FIELD, EF_PROTOCOL, PAT_OSMATCH),
    PAT("match", SUBJ_LOG, -1, PAT_OSMATCH),
    PAT("regex", SUBJ_LOG, -1, PAT_OSREGEX),
    PAT("action", SUBJ_FIELD, EF_ACTION, PAT_EXACT),
    PAT("url", SUBJ_FIELD, EF_URL, PAT_OSMATCH),
    PAT("location", SUBJ_LOCATION, -1, PAT_OSMATCH),
    PAT("field", SUBJ_DYNAMIC, -1, PAT_OSREGEX),
    PAT("srcport", SUBJ_FIELD, EF_SRCPORT, PAT_OSMATCH),
    PAT("dstport", SUBJ_FIELD, EF_DSTPORT, PAT_OSMATCH),
    PAT("user", SUBJ_USER, -1, PAT_OSMATCH),
    PAT("srcgeoip", SUBJ_DYNAMIC, -1, PAT_OSMATCH),
    PAT("dstgeoip", SUBJ_DYNAMIC, -1, PAT_OSMATCH),
    PAT("data", SUBJ_FIELD, EF_DATA, PAT_OSMATCH),
    PAT("extra_data", SUBJ_FIELD, EF_EXTRA_DATA, PAT_OSMATCH),
    PAT("hostname", SUBJ_HOSTNAME, -1, PAT_OSMATCH),
    PAT("status", SUBJ_FIELD, EF_STATUS, PAT_OSMATCH),
    {"srcip", el_addr, SUBJ_FIELD, EF_SRCIP, PAT_NONE},
    {"dstip", el_addr, SUBJ_FIELD, EF_DSTIP, PAT_NONE},
    ROW("decoded_as", el_string),
    ROW("category", el_string),
    ROW("description", el_string),
    ROW("group", el_group),
    ROW("if_sid", el_if_sid),
    ROW("if_group", el_string),
    ROW("if_level", el_uint),
    ROW("if_matched_sid", el_uint),
    {"if_matched_group", el_matched, SUBJ_LOG, -1, PAT_OSMATCH},
    {"if_matched_regex", el_matched, SUBJ_LOG, -1, PAT_OSREGEX},
    ROW("if_fts", el_fts),
    ROW("same_field", el_same_field),
    ROW("different_field", el_same_field),
    ROW("not_same_field", el_same_field),
    ROW("global_frequency", el_flag),
    ROW("same_agent", el_flag),
    ROW("not_same_agent", el_flag),
    ROW("options", el_options),
    ROW("list", el_list),
    ROW("time", el_time),
    ROW("weekday", el_weekday),
    ROW("ignore", el_string),
    ROW("check_if_ignored", el_string),
    ROW("check_diff", el_never),
    ROW("compiled_rule", el_compiled),
    ROW("info", el_string),
    ROW("cve", el_string),
    ROW("mitre", el_mitre),
};

#define NRULE_ELEMS (sizeof(rule_elems) / sizeof(rule_elems[0]))

static const struct rule_elem same_row = ROW("same_*", el_same);

static const struct rule_elem *
rule_elem_find(const char *name)
{
	size_t i;

	if ((strncmp(name, "same_", 5) == 0 &&
		strcmp(name, "same_field") != 0 &&
		strcmp(name, "same_agent") != 0) ||
	    (strncmp(name, "different_", 10) == 0 &&
		strcmp(name, "different_field") != 0) ||
	    (strncmp(name, "not_same_", 9) == 0 &&
		strcmp(name, "not_same_field") != 0 &&
		strcmp(name, "not_same_agent") != 0))
		return &same_row;
	for (i = 0; i < NRULE_ELEMS; i++)
		if (strcmp(rule_elems[i].name, name) == 0)
			return &rule_elems[i];
	return NULL;
}

static int
rule_elem(struct rule_build *b, const struct xml_node *n)
{
	const struct rule_elem *e = rule_elem_find(n->name);
	const char *names[NRULE_ELEMS], *bad = NULL, *hint;
	struct buf text;
	size_t i;
	int r;

	if (e == NULL) {
		for (i = 0; i < NRULE_ELEMS; i++)
			names[i] = rule_elems[i].name;
		hint = str_suggest(n->name, names, NRULE_ELEMS);
		rule_err(b, n, "unknown element", n->name);
		if (hint != NULL)
			log_error("%s:%u: did you mean <%s>?", b->rs->cur_file,
			    n->line, hint);
		return ARX_ERR_CONFIG;
	}
	buf_init(&text, XML_MAX_FILE_SIZE);
	r = xmlvars_apply(
	    b->vars, e->fn == el_pattern ? n->raw : n->text, &text, &bad);
	if (r == ARX_ERR_NOTFOUND)
		rule_err(b, n, "undefined variable", bad);
	else if (r == 0)
		r = e->fn(b, n, buf_cstr(&text), e);
	buf_release(&text);
	return r;
}

/* Attributes of <rule>. */
static int
rule_attrs(struct rule_build *b, const struct xml_node *n)
{
	static const struct {
		const char *name;
		uint64_t max;
	} nums[] = {{"id", RULE_MAX_ID}, {"level", 16}, {"frequency", 9999},
	    {"timeframe", 99999}, {"ignore", 999999}, {"maxsize", 9999},
	    {"accuracy", 99}};
	uint64_t v[7] = {0, 0, 0, RULE_DEFAULT_TIMEFRAME, 0, 0, 1};
	bool seen[7] = {false}, flag;
	size_t i, k;

	for (i = 0; i < n->nattrs; i++) {
		const char *a = n->attrs[i].name, *val = n->attrs[i].value;
		char sub[256];
		struct buf vb;
		const char *bad;

		buf_init(&vb, sizeof(sub) - 1);
		if (xmlvars_apply(b->vars, val, &vb, &bad) == 0)
			str_lcpy(sub, buf_cstr(&vb), sizeof(sub));
		else
			str_lcpy(sub, val, sizeof(sub));
		buf_release(&vb);
		val = sub;
		for (k = 0; k < 7 && strcmp(nums[k].name, a) != 0; k++)
			;
		if (k < 7 && str_to_uint(val, 0, nums[k].max, &v[k]) == 0) {
			seen[k] = true;
			continue;
		}
		if (strcmp(a, "noalert") == 0 &&
		    (strcmp(val, "1") == 0 || strcmp(val, "0") == 0)) {
			b->r->noalert = val[0] == '1';
			continue;
		}
		if (strcmp(a, "overwrite") == 0 &&
		    str_to_bool(val, &flag) == 0) {
			b->overwrite = flag;
			continue;
		}
		b->r->id = (unsigned)v[0];
		rule_err(b, n, "bad attribute", a);
		return ARX_ERR_CONFIG;
	}
	b->r->id = (unsigned)v[0];
	if (!seen[0] || !seen[1]) {
		rule_err(b, n, "<rule> needs id= and level= (0-16)", NULL);
		return ARX_ERR_CONFIG;
	}
	b->r->level = (int)v[1];
	b->r->frequency = (unsigned)v[2];
	b->r->timeframe = (unsigned)v[3];
	b->r->ignore = (unsigned)v[4];
	b->r->maxsize = (unsigned)v[5];
	b->accuracy = (int)v[6];
	if (seen[2] && v[2] < 2) {
		rule_err(b, n, "frequency must be 2 or more", NULL);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static int
pend_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	return (x->e > y->e) - (x->e < y->e);
}

/* Compile the joined pattern conditions, in evaluation order. */
static int
rule_compile_conds(struct rule_build *b)
{
	struct rule *r = b->r;
	struct rule_cond *c;
	char err[256];
	size_t i;

	qsort(b->pend, b->npend, sizeof(b->pend[0]), pend_cmp);
	r->conds = arena_zalloc(
	    &b->rs->arena, (b->npend ? b->npend : 1) * sizeof(*r->conds));
	if (r->conds == NULL)
		return ARX_ERR_NOMEM;
	for (i = 0; i < b->npend; i++) {
		struct pending *p = &b->pend[i];
		c = &r->conds[r->nconds];
		c->subject = p->e->subject;
		c->field_idx = p->e->field_idx;
		c->name = p->dyn ? p->dyn : p->elem;
		if (pattern_compile(&c->pat, buf_cstr(&p->text), p->type, false,
			p->negate, err, sizeof(err)) != 0) {
			log_error("%s:%u: rule %u: <%s>: invalid pattern: %s",
			    b->rs->cur_file, p->line, r->id, p->elem, err);
			return ARX_ERR_CONFIG;
		}
		r->nconds++;
	}
	return 0;
}

static int
sort_key(const struct rule *r, int accuracy)
{
	if (accuracy == 0)
		return r->level;
	return r->level == 0 ? 9900 : r->level * 100;
}

/* Insert child under parent, after the siblings of equal or higher key. */
static int
add_child(struct rule_set *rs, struct rule *parent, struct rule *child)
{
	struct rule **v;
	size_t i, pos;

	for (i = 0; i < parent->nchildren; i++)
		if (parent->children[i] == child)
			return 0;
	if (parent->nchildren == parent->children_cap) {
		size_t cap =
		    parent->children_cap ? parent->children_cap * 2 : 4;
		if ((v = arena_alloc(&rs->arena, cap * sizeof(*v))) == NULL)
			return ARX_ERR_NOMEM;
		if (parent->nchildren > 0)
			memcpy(v, parent->children,
			    parent->nchildren * sizeof(*v));
		parent->children = v;
		parent->children_cap = cap;
	}
	for (pos = parent->nchildren;
	     pos > 0 && parent->children[pos - 1]->sort_key < child->sort_key;
	     pos--)
		parent->children[pos] = parent->children[pos - 1];
	parent->children[pos] = child;
	parent->nchildren++;
	return 0;
}

static int
push_rule(struct rule_set *rs, struct rule ***v, size_t *n, size_t *cap,
    struct rule *r)
{
	struct rule **nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		if ((nv = realloc(*v, *cap * sizeof(*nv))) == NULL)
			return ARX_ERR_NOMEM;
		*v = nv;
	}
	(*v)[(*n)++] = r;
	(void)rs;
	return 0;
}

/* The root of a category, created (level 0, noalert) when none is defined. */
static struct rule *
root_for(struct rule_set *rs, const char *category)
{
	struct rule *root;
	size_t i;

	for (i = 0; i < rs->nroots; i++)
		if (strcmp(rs->roots[i]->category, category) == 0)
			return rs->roots[i];
	if ((root = arena_zalloc(&rs->arena, sizeof(*root))) == NULL)
		return NULL;
	root->category = decoder_type_canon(category) != NULL
	    ? decoder_type_canon(category)
	    : arena_strdup(&rs->arena, category);
	root->noalert = true;
	root->description = "";
	root->groups = root->groups_lc = "";
	root->if_level = -1;
	root->file = "(implicit)";
	root->index = (unsigned)rs->nrules;
	if (push_rule(rs, &rs->rules, &rs->nrules, &rs->rules_cap, root) != 0 ||
	    push_rule(rs, &rs->roots, &rs->nroots, &rs->roots_cap, root) != 0)
		return NULL;
	return root;
}

/* rule_group_match() of a pattern already in lower case on groups in
 * lower case (struct rule's groups_lc): memmem for each alternative. */
static bool
group_match_lc(const char *pattern, const char *groups)
{
	const char *p = pattern, *bar;
	size_t len, glen = strlen(groups);

	for (;; p = bar + 1) {
		bar = strchr(p, '|');
		len = bar ? (size_t)(bar - p) : strlen(p);
		if (len > 0 && *p == '^') {
			if (len - 1 <= glen &&
			    memcmp(groups, p + 1, len - 1) == 0)
				return true;
		} else if (len == 0 || memmem(groups, glen, p, len) != NULL) {
			return true;
		}
		if (bar == NULL)
			return false;
	}
}

/* The rules that may match if_group pattern lc, as bits over the rules
 * (rule_groups.h), or ALL_RULES; NULL out of memory. */
static uint64_t all_rules_mark;
#define ALL_RULES (&all_rules_mark)

static uint64_t *
group_candidates(struct rule_set *rs, const char *lc)
{
	uint64_t *bits;
	int r;

	/* the rule being attached (the last) is not its own parent */
	if (group_index_update(rs, rs->nrules - 1) != 0 ||
	    (bits = calloc(rs->nrules / 64 + 1, sizeof(*bits))) == NULL)
		return NULL;
	if ((r = group_index_candidates(rs, lc, bits, rs->nrules)) == 0)
		return bits;
	free(bits);
	return r > 0 ? ALL_RULES : NULL;
}

/* Parents by if_group: every rule whose groups the pattern matches. */
static bool
attach_by_group(struct rule_build *b, int *err)
{
	struct rule_set *rs = b->rs;
	struct rule *r = b->r;
	char *lc = arena_strdup(&rs->arena, r->if_group);
	bool found = false;
	uint64_t *cand;
	size_t i;

	if (lc == NULL) {
		*err = ARX_ERR_NOMEM;
		return false;
	}
	for (char *q = lc; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	if ((cand = group_candidates(rs, lc)) == NULL) {
		*err = ARX_ERR_NOMEM;
		return false;
	}
	for (i = 0; i < rs->nrules; i++)
		if ((cand == ALL_RULES || (cand[i / 64] >> (i % 64)) & 1) &&
		    rs->rules[i] != r && rs->rules[i]->id != 0 &&
		    group_match_lc(lc, rs->rules[i]->groups_lc)) {
			*err = add_child(rs, rs->rules[i], r);
			found = true;
		}
	if (cand != ALL_RULES)
		free(cand);
	return found;
}

/* Parents by if_sid, if_group or if_level; false if none was found. */
static bool
attach_parents(struct rule_build *b, int *err)
{
	struct rule_set *rs = b->rs;
	struct rule *r = b->r, *p;
	bool found = false;
	size_t i;

	for (i = 0; i < b->nsids; i++) {
		if ((p = (struct rule *)rule_find(rs, b->sids[i])) == NULL) {
			log_warn("%s:%u: rule %u: if_sid %u was not found",
			    rs->cur_file, b->node->line, r->id, b->sids[i]);
			continue;
		}
		*err = add_child(rs, p, r);
		found = true;
	}
	if (b->nsids == 0 && r->if_group != NULL)
		found |= attach_by_group(b, err);
	for (i = 0;
	     !b->nsids && !r->if_group && r->if_level >= 0 && i < rs->nrules;
	     i++)
		if (rs->rules[i] != r && rs->rules[i]->id != 0 &&
		    rs->rules[i]->sort_key >= r->if_level * 100) {
			*err = add_child(rs, rs->rules[i], r);
			found = true;
		}
	return found;
}

static int
rule_attach(struct rule_build *b)
{
	struct rule_set *rs = b->rs;
	struct rule *r = b->r, *root;
	int err = 0;

	if (r->if_matched_sid != 0 && b->nsids == 0 && r->if_group == NULL &&
	    (err = sids_push(b, r->if_matched_sid)) != 0)
		return err;
	r->has_parent_cond = b->nsids > 0 || r->if_group || r->if_level >= 0;
	if (r->has_parent_cond) {
		if (!attach_parents(b, &err)) {
			log_warn("%s:%u: rule %u: no parent rule found; the "
				 "rule is skipped",
			    rs->cur_file, b->node->line, r->id);
			rs->nskipped++;
			return ARX_ERR_NOTFOUND;
		}
		return err;
	}
	if (r->category == NULL)
		r->category = decoder_type_syslog;
	if (r->id < 10)
		return push_rule(
		    rs, &rs->roots, &rs->nroots, &rs->roots_cap, r);
	if ((root = root_for(rs, r->category)) == NULL)
		return ARX_ERR_NOMEM;
	return add_child(rs, root, r);
}

static void
rule_release(struct rule *r)
{
	size_t i;

	for (i = 0; i < r->nconds; i++)
		pattern_release(&r->conds[i].pat);
	for (i = 0; i < r->nlists; i++)
		pattern_release(&r->lists[i].check_value);
	pattern_release(&r->if_matched_group);
	pattern_release(&r->if_matched_regex);
	free(r->srcip.cidrs);
	free(r->srcip.neg);
	free(r->dstip.cidrs);
	free(r->dstip.neg);
	free(r->watchers);
	prefilter_free(r->pf);
	prefilter_free(r->pn_pf);
	free(r->pf_decides);
	rule_gate_free(r->gate);
	r->pf = NULL;
	r->nconds = r->nlists = 0;
	r->srcip.cidrs = r->dstip.cidrs = NULL;
	r->srcip.neg = r->dstip.neg = NULL;
	r->watchers = NULL;
}

/* Replace the definition of an existing rule, keeping its place. */
static void
rule_overwrite(struct rule *old, const struct rule *r)
{
	struct rule keep = *old;

	/* As Wazuh: everything changes but the place in the tree and the
	 * if_matched_sid / if_matched_group of the first definition. */
	memset(&old->if_matched_group, 0, sizeof(old->if_matched_group));
	rule_release(old);
	*old = *r;
	pattern_release(&old->if_matched_group);
	old->if_matched_group = keep.if_matched_group;
	old->if_matched_sid = keep.if_matched_sid;
	old->correlates = keep.correlates;
	old->index = keep.index;
	old->children = keep.children;
	old->nchildren = keep.nchildren;
	old->children_cap = keep.children_cap;
	old->if_sid = keep.if_sid;
	old->nif_sid = keep.nif_sid;
	old->if_group = keep.if_group;
	old->if_level = keep.if_level;
	old->has_parent_cond = keep.has_parent_cond;
	old->sort_key = keep.sort_key;
	old->category = keep.category;
}

static size_t
id_slot(unsigned id, size_t cap)
{
	return (size_t)((id * 2654435761u) & (cap - 1));
}

/* Index rs->rules[idx] by its id (grown at half full). */
static int
by_id_put(struct rule_set *rs, size_t idx)
{
	size_t cap = rs->by_id_cap, h;

	if ((rs->nrules + 1) * 2 > cap) {
		uint32_t *old = rs->by_id, *nt;

		cap = cap ? cap * 2 : 1024;
		while ((rs->nrules + 1) * 2 > cap)
			cap *= 2;
		if ((nt = calloc(cap, sizeof(*nt))) == NULL)
			return ARX_ERR_NOMEM;
		for (size_t k = 0; k < rs->by_id_cap; k++)
			if (old[k] != 0) {
				h = id_slot(rs->rules[old[k] - 1]->id, cap);
				while (nt[h] != 0)
					h = (h + 1) & (cap - 1);
				nt[h] = old[k];
			}
		free(old);
		rs->by_id = nt;
		rs->by_id_cap = cap;
	}
	h = id_slot(rs->rules[idx]->id, cap);
	while (rs->by_id[h] != 0)
		h = (h + 1) & (cap - 1);
	rs->by_id[h] = (uint32_t)idx + 1;
	return 0;
}

static int
rule_place(struct rule_build *b)
{
	struct rule_set *rs = b->rs;
	struct rule *old = (struct rule *)rule_find(rs, b->r->id);
	int r;

	if (old != NULL && b->overwrite) {
		rule_overwrite(old, b->r);
		return group_index_readd(rs, old->index) == 0 ? 0
							      : ARX_ERR_NOMEM;
	}
	if (old != NULL) {
		log_warn("%s:%u: rule %u is already defined at %s:%u; this one "
			 "is skipped (use overwrite=\"yes\")",
		    rs->cur_file, b->node->line, b->r->id, old->file,
		    old->line);
		rs->nskipped++;
		rule_release(b->r);
		return 0;
	}
	b->r->index = (unsigned)rs->nrules;
	if ((r = push_rule(rs, &rs->rules, &rs->nrules, &rs->rules_cap, b->r)))
		return r;
	if ((r = rule_attach(b)) != 0) {
		rs->nrules--; /* dropped, as Wazuh drops it */
		rule_release(b->r);
	} else if (b->r->id != 0) {
		r = by_id_put(rs, b->r->index);
	}
	return r == ARX_ERR_NOTFOUND ? 0 : r;
}

static int
rule_finish(struct rule_build *b)
{
	struct rule *r = b->r;
	int err;

	if (r->description == NULL)
		r->description = "";
	r->groups = rs_strdup(b, buf_cstr(&b->groups));
	r->groups_lc = rs_strdup_lower(b, buf_cstr(&b->groups));
	r->sort_key = sort_key(r, b->accuracy);
	r->correlates = r->if_matched_sid != 0 ||
	    r->if_matched_group.type != PAT_NONE ||
	    r->if_matched_regex.type != PAT_NONE;
	if (r->frequency != 0 && !r->correlates) {
		rule_err(
		    b, b->node, "frequency needs an if_matched_* option", NULL);
		return ARX_ERR_CONFIG;
	}
	if ((err = rule_compile_conds(b)) != 0)
		return err;
	if (b->nsids > 0) {
		unsigned *ids =
		    arena_alloc(&b->rs->arena, b->nsids * sizeof(*ids));
		if (ids == NULL)
			return ARX_ERR_NOMEM;
		memcpy(ids, b->sids, b->nsids * sizeof(*ids));
		r->if_sid = ids;
		r->nif_sid = b->nsids;
	}
	return rule_place(b);
}

static int
rule_read(struct rule_set *rs, const struct xml_node *node, const char *group,
    const struct xmlvars *vars)
{
	struct rule_build b = {
	    .rs = rs, .node = node, .vars = vars, .group_base = group};
	const struct xml_node *c;
	size_t i;
	int r = ARX_ERR_NOMEM;

	if ((b.r = arena_zalloc(&rs->arena, sizeof(*b.r))) == NULL)
		return r;
	b.r->file = rs->cur_file;
	b.r->line = node->line;
	b.r->if_level = -1;
	buf_init(&b.groups, 65536);
	buf_puts(&b.groups, group);
	r = rule_attrs(&b, node);
	for (c = node->child; c != NULL && r == 0; c = c->next)
		if ((r = rule_elem(&b, c)) != 0 && b.err == 0 &&
		    r != ARX_ERR_NOTFOUND)
			b.err = r;
	if (r == 0 && b.err == 0) {
		/* A rule that fails here was never placed: release what its
		 * conditions compiled so far. */
		if ((r = rule_finish(&b)) != 0)
			rule_release(b.r);
	} else if (r == ARX_ERR_NOTFOUND && b.err == 0) {
		rs->nskipped++; /* skipped with a warning, as in Wazuh */
		rule_release(b.r);
		r = 0;
	}
	for (i = 0; i < b.npend; i++)
		buf_release(&b.pend[i].text);
	buf_release(&b.groups);
	free(b.sids);
	return r;
}

static int
group_read(struct rule_set *rs, const struct xml_node *g,
    const struct xmlvars *vars, unsigned *nerr)
{
	const char *name = xml_attr_get(g, "name");
	const struct xml_node *n;
	int r = 0;

	if (name == NULL || g->nattrs != 1) {
		log_error("%s:%u: <group> needs exactly one attribute, name",
		    rs->cur_file, g->line);
		(*nerr)++;
		return 0;
	}
	for (n = g->child; n != NULL && r != ARX_ERR_NOMEM; n = n->next) {
		if (strcmp(n->name, "rule") != 0) {
			log_error("%s:%u: unknown element <%s> in <group>; "
				  "expected <rule>",
			    rs->cur_file, n->line, n->name);
			(*nerr)++;
			continue;
		}
		if ((r = rule_read(rs, n, name, vars)) != 0)
			(*nerr)++;
	}
	return r == ARX_ERR_NOMEM ? r : 0;
}

int
rule_load_file(struct rule_set *rs, const char *path)
{
	struct xmlvars vars = {.n = 0};
	const struct xml_node *n;
	struct xml_doc *doc;
	unsigned nerr = 0;
	int r = 0;

	if (xml_read_file(path, &doc) != 0)
		return ARX_ERR_CONFIG;
	if ((rs->cur_file = arena_strdup(&rs->arena, path)) == NULL) {
		xml_doc_free(doc);
		return ARX_ERR_NOMEM;
	}
	if (xmlvars_collect(&vars, &doc->root) != 0)
		nerr++;
	for (n = doc->root.child; n != NULL && r == 0; n = n->next) {
		if (strcmp(n->name, "var") == 0)
			continue;
		if (strcmp(n->name, "group") == 0) {
			r = group_read(rs, n, &vars, &nerr);
			continue;
		}
		log_error("%s:%u: unknown element <%s>; expected <group> or "
			  "<var>",
		    path, n->line, n->name);
		nerr++;
	}
	xml_doc_free(doc);
	return r != 0 ? r : (nerr ? ARX_ERR_CONFIG : 0);
}

struct rule_set *
rule_set_new(void)
{
	struct rule_set *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	arena_init(&rs->arena, 256 * 1024, 0);
	if ((rs->lists = list_set_new()) == NULL) {
		free(rs);
		return NULL;
	}
	return rs;
}

void
rule_set_free(struct rule_set *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nrules; i++)
		rule_release(rs->rules[i]);
	free(rs->rules);
	free(rs->by_id);
	free(rs->roots);
	free(rs->regex_rules);
	group_index_free(rs->gindex);
	list_set_free(rs->lists);
	arena_release(&rs->arena);
	free(rs);
}

int
rule_set_load_list(struct rule_set *rs, const char *path)
{
	return list_set_load(rs->lists, path);
}

const struct rule *
rule_find(const struct rule_set *rs, unsigned id)
{
	size_t h;

	if (id == 0 || rs->by_id_cap == 0)
		return NULL;
	for (h = id_slot(id, rs->by_id_cap); rs->by_id[h] != 0;
	     h = (h + 1) & (rs->by_id_cap - 1))
		if (rs->rules[rs->by_id[h] - 1]->id == id)
			return rs->rules[rs->by_id[h] - 1];
	return NULL;
}

bool
rule_group_match(const char *pattern, const char *groups)
{
	const char *p = pattern, *bar;
	size_t len, glen = strlen(groups), i;
	bool anchored;

	for (;; p = bar + 1) {
		bar = strchr(p, '|');
		len = bar ? (size_t)(bar - p) : strlen(p);
		anchored = len > 0 && *p == '^';
		if (anchored)
			p++, len--;
		for (i = 0; i + len <= glen && (i == 0 || !anchored); i++)
			if (strncasecmp(groups + i, p, len) == 0)
				return true;
		if (bar == NULL)
			return false;
	}
}

/* The literals of c's first condition on the log that has them (its
 * index in *k), or none. */
static size_t
rule_lits(const struct rule *c, const char **lits, size_t *lens, size_t max,
    size_t *k)
{
	size_t n;

	for (*k = 0; *k < c->nconds; (*k)++)
		if (c->conds[*k].subject == SUBJ_LOG &&
		    (n = pattern_literals(&c->conds[*k].pat, lits, lens, max)) >
			0)
			return n;
	return 0;
}

/* Child i of parent ctx: the literals of its first condition on the
 * program name that has them, or none. */
static size_t
child_pn_lits(size_t i, const char **lits, size_t *lens, size_t max, void *ctx)
{
	const struct rule *c = ((const struct rule *)ctx)->children[i];
	size_t k, n;

	for (k = 0; k < c->nconds; k++)
		if (c->conds[k].subject == SUBJ_PROGRAM &&
		    (n = pattern_literals(&c->conds[k].pat, lits, lens, max)) >
			0)
			return n;
	return 0;
}

/* Child i of parent ctx: its literals for the prefilter. */
static size_t
child_lits(size_t i, const char **lits, size_t *lens, size_t max, void *ctx)
{
	size_t k;

	return rule_lits(
	    ((const struct rule *)ctx)->children[i], lits, lens, max, &k);
}

/* Which children of p the prefilter's mark decides (rule.h). */
static void
prefilter_decides(struct rule *p)
{
	const char *lits[PREFILTER_MAX_LITS];
	size_t lens[PREFILTER_MAX_LITS], i, k, plain;
	const struct rule *c;

	free(p->pf_decides);
	p->pf_decides = NULL;
	if (p->pf == NULL ||
	    (p->pf_decides =
		    calloc(prefilter_nwords(p->pf), sizeof(uint64_t))) == NULL)
		return;
	for (i = 0; i < p->nchildren; i++) {
		c = p->children[i];
		if (c->pf_cond < 0 || prefilter_always(p->pf, i) ||
		    rule_lits(c, lits, lens, PREFILTER_MAX_LITS, &k) == 0 ||
		    (int)k != c->pf_cond)
			continue;
		plain = pattern_plain_len(&c->conds[k].pat);
		if (plain > 0 && plain <= prefilter_window(p->pf))
			p->pf_decides[i / 64] |= 1ull << (i % 64);
	}
}

void
rule_set_prefilters_off(struct rule_set *rs)
{
	struct rule *p;
	size_t i;

	for (i = 0; i < rs->nrules; i++) {
		p = rs->rules[i];
		prefilter_free(p->pf);
		prefilter_free(p->pn_pf);
		free(p->pf_decides);
		rule_gate_free(p->gate);
		p->pn_pf = NULL;
		p->pf = NULL;
		p->pf_decides = NULL;
		p->gate = NULL;
	}
}

/* Rules with many children get a prefilter over their literals. */
static void
prefilters_build(struct rule_set *rs)
{
	const char *lits[PREFILTER_MAX_LITS];
	size_t lens[PREFILTER_MAX_LITS], i, k;
	struct rule *p;

	for (i = 0; i < rs->nrules; i++) {
		p = rs->rules[i];
		p->pf_cond =
		    rule_lits(p, lits, lens, PREFILTER_MAX_LITS, &k) > 0
		    ? (int)k
		    : -1;
	}
	for (i = 0; i < rs->nrules; i++) {
		p = rs->rules[i];
		prefilter_free(p->pf);
		prefilter_free(p->pn_pf);
		/* Under a rule with many children (a root), a pass pays
		 * however many of them give no literal. */
		p->pf = p->nchildren < RULE_PREFILTER_MIN ? NULL
		    : p->nchildren >= RULE_PREFILTER_SPARSE
		    ? prefilter_build_sparse(p->nchildren, child_lits, p)
		    : prefilter_build(p->nchildren, child_lits, p);
		p->pn_pf = p->nchildren >= RULE_PREFILTER_SPARSE
		    ? prefilter_build_sparse(p->nchildren, child_pn_lits, p)
		    : NULL;
		prefilter_decides(p);
	}
}

/* w among the watchers of the rules it counts (if_matched_sid: the one
 * of that id; if_matched_group: each whose groups match). */
static int
watch_link(struct rule_set *rs, struct rule *w)
{
	struct rule *f;
	size_t k;
	int r;

	if (w->if_matched_group.type == PAT_NONE) {
		if (w->if_matched_sid == 0 ||
		    (f = (struct rule *)rule_find(rs, w->if_matched_sid)) ==
			NULL)
			return 0;
		return push_rule(rs, &f->watchers, &f->nwatchers,
		    &(size_t){f->nwatchers}, w);
	}
	for (k = 0; k < rs->nrules; k++) {
		f = rs->rules[k];
		if (f->id == 0 ||
		    !((w->if_matched_sid != 0 && w->if_matched_sid == f->id) ||
			pattern_match(&w->if_matched_group, f->groups,
			    strlen(f->groups), NULL, NULL)))
			continue;
		if ((r = push_rule(rs, &f->watchers, &f->nwatchers,
			 &(size_t){f->nwatchers}, w)) != 0)
			return r;
	}
	return 0;
}

int
rule_set_finish(struct rule_set *rs)
{
	struct rule *w;
	size_t i;
	int r;

	group_index_free(rs->gindex); /* loading is over */
	rs->gindex = NULL;
	for (i = 0; i < rs->nrules; i++) {
		w = rs->rules[i];
		if (w->if_matched_regex.type != PAT_NONE &&
		    w->if_matched_sid == 0 &&
		    w->if_matched_group.type == PAT_NONE &&
		    (r = push_rule(rs, &rs->regex_rules, &rs->nregex_rules,
			 &(size_t){rs->nregex_rules}, w)) != 0)
			return r;
		if ((r = watch_link(rs, w)) != 0)
			return r;
	}
	prefilters_build(rs);
	return 0;
}
