/*
 * Loading decoders from OSSEC/Wazuh decoder XML (decoder.h): <var>
 * definitions and $VAR substitution, one table row per decoder element,
 * the validation rules of Wazuh's loader (a top-level decoder needs a
 * prematch or a program name, regex goes with order, offsets need what
 * they refer to), and attachment of children under every top-level
 * decoder of their parent's name, with same-named siblings chained.
 * Every error names file:line and the decoder.
 */
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
#include "engine/decoder.h"
#include "engine/prefilter.h"
#include "engine/session.h"
#include "engine/xmlvar.h"

/* Everything read for one <decoder>, before it is compiled. */
struct dec_build {
	struct decoder_set *set;
	const struct xml_node *node;
	const struct xmlvars *vars;
	struct decoder *d;
	struct buf prematch, regex, program_name;
	bool has_prematch, has_regex, has_program_name;
	enum pattern_type prematch_type, regex_type, pn_type;
	const char *order_text;
	int err;
};

typedef int dec_elem_fn(
    struct dec_build *b, const struct xml_node *n, const char *text);

static void
dec_err(struct dec_build *b, const struct xml_node *n, const char *msg,
    const char *detail)
{
	log_error("%s:%u: decoder '%s': %s%s%s", n->file, n->line,
	    b->d->name ? b->d->name : "?", msg, detail ? ": " : "",
	    detail ? detail : "");
	b->err = ARX_ERR_CONFIG;
}

static const char *
dec_strdup(struct dec_build *b, const char *s)
{
	const char *p = arena_strdup(&b->set->arena, s);

	if (p == NULL)
		b->err = ARX_ERR_NOMEM;
	return p;
}

static const struct {
	const char *name;
	unsigned value;
} dec_offsets[] = {
    {"after_parent", DEC_OFF_AFTER_PARENT},
    {"after_prematch", DEC_OFF_AFTER_PREMATCH},
    {"after_regex", DEC_OFF_AFTER_REGEX},
};

/* The offset and type attributes of a pattern element. */
static int
dec_pattern_attrs(struct dec_build *b, const struct xml_node *n,
    unsigned *offset, enum pattern_type *type)
{
	size_t i, k;

	for (i = 0; i < n->nattrs; i++) {
		const char *a = n->attrs[i].name, *v = n->attrs[i].value;
		if (strcmp(a, "type") == 0 &&
		    (*type = pattern_type_parse(v)) != PAT_NONE)
			continue;
		if (strcmp(a, "offset") == 0 && offset != NULL) {
			for (k = 0; k < 3; k++)
				if (strcmp(dec_offsets[k].name, v) == 0)
					*offset = dec_offsets[k].value;
			if (*offset != DEC_OFF_NONE)
				continue;
		}
		dec_err(b, n, "bad attribute", a);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

/* <prematch> and <regex>: several elements are joined; the first sets
 * the offset and type. */
static int
dec_pattern_elem(struct dec_build *b, const struct xml_node *n,
    const char *text, struct buf *acc, bool *has, unsigned *offset,
    enum pattern_type *type)
{
	unsigned off = DEC_OFF_NONE;
	enum pattern_type t = PAT_OSREGEX;
	int r;

	if ((r = dec_pattern_attrs(b, n, &off, &t)) != 0)
		return r;
	if (*has && off != DEC_OFF_NONE) {
		dec_err(
		    b, n, "only the first element may set an offset", n->name);
		return ARX_ERR_CONFIG;
	}
	if (!*has)
		*offset = off;
	*type = t; /* as in Wazuh, the last element's type applies */
	*has = true;
	return buf_puts(acc, text);
}

static int
el_prematch(struct dec_build *b, const struct xml_node *n, const char *text)
{
	return dec_pattern_elem(b, n, text, &b->prematch, &b->has_prematch,
	    &b->d->prematch_offset, &b->prematch_type);
}

static int
el_regex(struct dec_build *b, const struct xml_node *n, const char *text)
{
	return dec_pattern_elem(b, n, text, &b->regex, &b->has_regex,
	    &b->d->regex_offset, &b->regex_type);
}

static int
el_program_name(struct dec_build *b, const struct xml_node *n, const char *text)
{
	b->pn_type = PAT_OSMATCH;
	if (dec_pattern_attrs(b, n, NULL, &b->pn_type) != 0)
		return ARX_ERR_CONFIG;
	b->has_program_name = true;
	return buf_puts(&b->program_name, text);
}

static int
el_parent(struct dec_build *b, const struct xml_node *n, const char *text)
{
	(void)n;
	b->d->parent_name = dec_strdup(b, text);
	return b->err;
}

static int
el_order(struct dec_build *b, const struct xml_node *n, const char *text)
{
	(void)n;
	b->order_text = dec_strdup(b, text);
	return b->err;
}

const char decoder_type_syslog[] = "syslog";

static const char *const event_types[] = {decoder_type_syslog, "firewall",
    "ids", "web-log", "squid", "windows", "host-information", "ossec"};

const char *
decoder_type_canon(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		if (strcmp(event_types[i], s) == 0)
			return event_types[i];
	return NULL;
}

static int
el_type(struct dec_build *b, const struct xml_node *n, const char *text)
{
	if ((b->d->type = decoder_type_canon(text)) != NULL)
		return 0;
	dec_err(b, n, "unknown type", text);
	return ARX_ERR_CONFIG;
}

static int
el_fts(struct dec_build *b, const struct xml_node *n, const char *text)
{
	(void)n;
	b->d->fts = dec_strdup(b, text);
	return b->err;
}

static int
el_ftscomment(struct dec_build *b, const struct xml_node *n, const char *text)
{
	(void)n;
	b->d->ftscomment = dec_strdup(b, text);
	return b->err;
}

/* Wazuh's plugins; arx implements JSON_Decoder, the others decode
 * nothing (counted, and said at load). */
static int
el_plugin(struct dec_build *b, const struct xml_node *n, const char *text)
{
	static const char *const others[] = {"PF_Decoder", "SymantecWS_Decoder",
	    "SonicWall_Decoder", "OSSECAlert_Decoder"};
	unsigned off = DEC_OFF_NONE;
	enum pattern_type unused;
	size_t i;

	if (dec_pattern_attrs(b, n, &off, &unused) != 0)
		return ARX_ERR_CONFIG;
	b->d->plugin_offset = off;
	b->d->plugin_name = dec_strdup(b, text);
	if (strcmp(text, "JSON_Decoder") == 0) {
		b->d->plugin = DEC_PLUGIN_JSON;
		return 0;
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (strcmp(text, others[i]) == 0) {
			b->d->plugin = DEC_PLUGIN_UNSUPPORTED;
			b->set->nunsupported++;
			log_warn("%s:%u: decoder '%s': plugin %s is not "
				 "implemented by arx; the decoder matches but "
				 "extracts no fields",
			    n->file, n->line, b->d->name, text);
			return 0;
		}
	}
	dec_err(b, n, "unknown plugin_decoder", text);
	return ARX_ERR_CONFIG;
}

static int
el_use_own_name(struct dec_build *b, const struct xml_node *n, const char *text)
{
	(void)n;
	b->d->use_own_name = strcmp(text, "true") == 0;
	return 0;
}

/* arx: <session>pid</session>, lines of one process are one session. */
static int
el_session(struct dec_build *b, const struct xml_node *n, const char *text)
{
	if (strcmp(text, "pid") != 0) {
		dec_err(b, n, "session must be pid", text);
		return ARX_ERR_CONFIG;
	}
	b->d->session = true;
	return 0;
}

/* arx: <attempt>start|end|summary|success|other</attempt> (session.h). */
static int
el_attempt(struct dec_build *b, const struct xml_node *n, const char *text)
{
	int step = session_step_parse(text);

	if (step < 0) {
		dec_err(b, n,
		    "attempt must be start, end, summary, success or other",
		    text);
		return ARX_ERR_CONFIG;
	}
	b->d->step = (unsigned)step;
	return 0;
}

static int
el_accumulate(struct dec_build *b, const struct xml_node *n, const char *text)
{
	(void)n, (void)text;
	b->d->accumulate = true;
	return 0;
}

static int
el_json_null(struct dec_build *b, const struct xml_node *n, const char *text)
{
	if (strcmp(text, "string") == 0)
		b->d->json_null = JSON_NULL_STRING;
	else if (strcmp(text, "discard") == 0)
		b->d->json_null = JSON_NULL_DISCARD;
	else if (strcmp(text, "empty") == 0)
		b->d->json_null = JSON_NULL_EMPTY;
	else {
		dec_err(
		    b, n, "json_null_field must be string or discard", text);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static int
el_json_array(struct dec_build *b, const struct xml_node *n, const char *text)
{
	if (strcmp(text, "array") != 0 && strcmp(text, "csv") != 0) {
		dec_err(
		    b, n, "json_array_structure must be array or csv", text);
		return ARX_ERR_CONFIG;
	}
	b->d->json_array_csv = strcmp(text, "csv") == 0;
	return 0;
}

/* raw: the element is a pattern, whose blanks count. */
static const struct {
	const char *name;
	dec_elem_fn *fn;
	bool raw;
} dec_elems[] = {
    {"parent", el_parent, false},
    {"program_name", el_program_name, true},
    {"prematch", el_prematch, true},
    {"regex", el_regex, true},
    {"order", el_order, false},
    {"type", el_type, false},
    {"fts", el_fts, false},
    {"ftscomment", el_ftscomment, false},
    {"plugin_decoder", el_plugin, false},
    {"use_own_name", el_use_own_name, false},
    {"accumulate", el_accumulate, false},
    {"session", el_session, false},
    {"attempt", el_attempt, false},
    {"json_null_field", el_json_null, false},
    {"json_array_structure", el_json_array, false},
};

#define NDEC_ELEMS (sizeof(dec_elems) / sizeof(dec_elems[0]))

static int
dec_elem(struct dec_build *b, const struct xml_node *n)
{
	const char *names[NDEC_ELEMS], *bad = NULL, *hint;
	struct buf text;
	size_t i;
	int r;

	for (i = 0; i < NDEC_ELEMS; i++) {
		names[i] = dec_elems[i].name;
		if (strcasecmp(dec_elems[i].name, n->name) == 0)
			break;
	}
	if (i == NDEC_ELEMS) {
		hint = str_suggest(n->name, names, NDEC_ELEMS);
		dec_err(b, n, "unknown element", n->name);
		if (hint != NULL)
			log_error("%s:%u: did you mean <%s>?", n->file, n->line,
			    hint);
		return ARX_ERR_CONFIG;
	}
	buf_init(&text, XML_MAX_FILE_SIZE);
	if ((r = xmlvars_apply(b->vars, dec_elems[i].raw ? n->raw : n->text,
		 &text, &bad)) != 0) {
		if (bad != NULL)
			dec_err(b, n, "undefined variable", bad);
	} else
		r = dec_elems[i].fn(b, n, buf_cstr(&text));
	buf_release(&text);
	if (r != 0 && b->err == 0)
		b->err = r;
	return r;
}

/* <order>: field names separated by commas; empty items are errors. */
static int
dec_order(struct dec_build *b)
{
	const char *p = b->order_text, *comma;
	size_t n = 1, len;
	struct decoder *d = b->d;

	for (comma = p; (comma = strchr(comma, ',')) != NULL; comma++)
		n++;
	if (n > DECODER_MAX_ORDER) {
		dec_err(b, b->node, "order has too many fields", NULL);
		return ARX_ERR_CONFIG;
	}
	d->order = arena_zalloc(&b->set->arena, n * sizeof(*d->order));
	d->order_field =
	    arena_zalloc(&b->set->arena, n * sizeof(*d->order_field));
	if (d->order == NULL || d->order_field == NULL)
		return ARX_ERR_NOMEM;
	for (; d->norder < n; p = comma + 1) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0) {
			dec_err(b, b->node, "empty field name in order",
			    b->order_text);
			return ARX_ERR_CONFIG;
		}
		d->order_field[d->norder] = event_field_lookup(p, len);
		d->order[d->norder++] = arena_strndup(&b->set->arena, p, len);
		if (comma == NULL)
			break;
	}
	return 0;
}

static int
dec_compile(struct dec_build *b, struct pattern *p, struct buf *text,
    enum pattern_type type, bool capture)
{
	char err[256];

	if (type == PAT_OSMATCH && p != &b->d->program_name) {
		log_warn("%s:%u: decoder '%s': osmatch is not allowed here; "
			 "using osregex",
		    b->node->file, b->node->line, b->d->name);
		type = PAT_OSREGEX;
	}
	if (pattern_compile(p, buf_cstr(text), type, capture, false, err,
		sizeof(err)) != 0) {
		dec_err(b, b->node, "invalid pattern", err);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static int
dec_validate(struct dec_build *b)
{
	struct decoder *d = b->d;
	const char *why = NULL;

	if (!b->has_prematch && d->parent_name == NULL && !b->has_program_name)
		why = "a top-level decoder needs <prematch> or <program_name>";
	else if (b->has_regex != (b->order_text != NULL) ||
	    (!b->has_regex && d->fts != NULL))
		why = "<regex> and <order> (and <fts>) go together";
	else if ((d->regex_offset & DEC_OFF_AFTER_PARENT) && !d->parent_name)
		why = "offset after_parent needs a <parent>";
	else if ((d->regex_offset & DEC_OFF_AFTER_PREMATCH) &&
	    d->parent_name != NULL && !b->has_prematch)
		why = "offset after_prematch needs a <prematch>";
	else if ((d->regex_offset & DEC_OFF_AFTER_REGEX) &&
	    (d->parent_name == NULL || !b->has_regex))
		why = "offset after_regex needs a <parent> and a <regex>";
	else if (d->prematch_offset != DEC_OFF_NONE &&
	    (d->prematch_offset != DEC_OFF_AFTER_PARENT || !d->parent_name))
		why = "a <prematch> may only have offset after_parent, with a "
		      "<parent>";
	else if (d->plugin != DEC_PLUGIN_NONE && b->has_regex)
		why = "<plugin_decoder> cannot be combined with <regex>";
	if (why != NULL) {
		dec_err(b, b->node, why, NULL);
		return ARX_ERR_CONFIG;
	}
	/* As in Wazuh: after_prematch on a top-level decoder is after it. */
	if ((d->regex_offset & DEC_OFF_AFTER_PREMATCH) && !d->parent_name)
		d->regex_offset = DEC_OFF_AFTER_PARENT;
	return 0;
}

static int
dec_push(struct arena *a, struct decoder ***v, size_t *n, size_t *cap,
    struct decoder *d)
{
	struct decoder **nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((nv = arena_alloc(a, *cap * sizeof(*nv))) == NULL)
			return ARX_ERR_NOMEM;
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
	}
	(*v)[(*n)++] = d;
	return 0;
}

/* Add d under top; same-named siblings form a chain (Wazuh rules). */
static int
dec_attach_child(struct dec_build *b, struct decoder *top)
{
	struct decoder *d = b->d, *c;
	bool chained = false;
	size_t i;

	for (i = 0; i < top->nchildren; i++) {
		c = top->children[i];
		if (strcmp(c->name, d->name) != 0)
			continue;
		if ((c->prematch.type != PAT_NONE ||
			c->regex.type != PAT_NONE) &&
		    d->regex_offset != DEC_OFF_NONE)
			chained = true;
		if (b->has_prematch || d->fts != NULL ||
		    (c->regex.type == PAT_NONE &&
			c->plugin == DEC_PLUGIN_NONE) ||
		    (!b->has_regex && d->plugin == DEC_PLUGIN_NONE)) {
			dec_err(b, b->node,
			    "a second decoder of the same name "
			    "needs a <regex> and no <prematch> "
			    "or <fts>",
			    NULL);
			return ARX_ERR_CONFIG;
		}
		c->get_next = true;
	}
	if (!chained && (d->regex_offset & DEC_OFF_AFTER_REGEX)) {
		dec_err(b, b->node,
		    "offset after_regex needs an earlier "
		    "decoder of the same name",
		    NULL);
		return ARX_ERR_CONFIG;
	}
	return dec_push(&b->set->arena, &top->children, &top->nchildren,
	    &top->children_cap, d);
}

static int
dec_attach(struct dec_build *b)
{
	struct decoder_set *set = b->set;
	struct decoder *d = b->d;
	struct decoder **lists[2] = {set->pn, set->nopn};
	size_t counts[2] = {set->npn, set->nnopn}, l, i;
	bool found = false;
	int r;

	if (d->parent_name == NULL) {
		d->report_name = d->name;
		if (d->program_name.type != PAT_NONE)
			return dec_push(
			    &set->arena, &set->pn, &set->npn, &set->pn_cap, d);
		return dec_push(
		    &set->arena, &set->nopn, &set->nnopn, &set->nopn_cap, d);
	}
	d->report_name = d->use_own_name ? d->name : d->parent_name;
	for (l = 0; l < 2; l++) {
		for (i = 0; i < counts[l]; i++) {
			if (strcmp(lists[l][i]->name, d->parent_name) != 0)
				continue;
			if ((r = dec_attach_child(b, lists[l][i])) != 0)
				return r;
			found = true;
		}
	}
	if (!found)
		dec_err(b, b->node, "no decoder named", d->parent_name);
	return found ? 0 : ARX_ERR_CONFIG;
}

static int
dec_finish(struct dec_build *b)
{
	struct decoder *d = b->d;
	int r;

	if ((r = dec_validate(b)) != 0)
		return r;
	if (b->has_program_name &&
	    (r = dec_compile(b, &d->program_name, &b->program_name, b->pn_type,
		 false)) != 0)
		return r;
	if (b->has_prematch &&
	    (r = dec_compile(
		 b, &d->prematch, &b->prematch, b->prematch_type, false)) != 0)
		return r;
	if (b->has_regex &&
	    (r = dec_compile(b, &d->regex, &b->regex, b->regex_type, true)) !=
		0)
		return r;
	if (b->order_text != NULL && (r = dec_order(b)) != 0)
		return r;
	if (d->parent_name == NULL && d->type == NULL)
		d->type = decoder_type_syslog;
	return dec_attach(b); /* a child without <type> takes its parent's */
}

static int
dec_read(struct decoder_set *set, const struct xml_node *node,
    const struct xmlvars *vars)
{
	struct dec_build b = {.set = set, .node = node, .vars = vars};
	const struct xml_node *c;
	const char *name = xml_attr_get(node, "name");
	int r = 0;

	if ((b.d = arena_zalloc(&set->arena, sizeof(*b.d))) == NULL ||
	    dec_push(&set->arena, &set->all, &set->nall, &set->all_cap, b.d))
		return ARX_ERR_NOMEM;
	b.d->file = set->cur_file;
	b.d->line = node->line;
	b.d->id = (unsigned)set->nall;
	if (name == NULL || name[0] == '\0') {
		dec_err(&b, node, "<decoder> needs a name attribute", NULL);
		return ARX_ERR_CONFIG;
	}
	b.d->name = dec_strdup(&b, name);
	buf_init(&b.prematch, XML_MAX_FILE_SIZE);
	buf_init(&b.regex, XML_MAX_FILE_SIZE);
	buf_init(&b.program_name, XML_MAX_FILE_SIZE);
	for (c = node->child; c != NULL && r == 0; c = c->next)
		r = dec_elem(&b, c);
	if (r == 0 && b.err == 0)
		r = dec_finish(&b);
	buf_release(&b.prematch);
	buf_release(&b.regex);
	buf_release(&b.program_name);
	return r != 0 ? r : b.err;
}

int
decoder_load_file(struct decoder_set *set, const char *path)
{
	struct xmlvars vars = {.n = 0};
	const struct xml_node *n;
	struct xml_doc *doc;
	int r, nerr = 0;

	if ((r = xml_read_file(path, &doc)) != 0)
		return ARX_ERR_CONFIG;
	if ((set->cur_file = arena_strdup(&set->arena, path)) == NULL) {
		xml_doc_free(doc);
		return ARX_ERR_NOMEM;
	}
	if ((r = xmlvars_collect(&vars, &doc->root)) != 0)
		nerr++;
	for (n = doc->root.child; n != NULL && r != ARX_ERR_NOMEM;
	     n = n->next) {
		if (strcmp(n->name, "var") == 0)
			continue;
		if (strcmp(n->name, "decoder") != 0) {
			log_error("%s:%u: unknown element <%s>; expected "
				  "<decoder> or <var>",
			    n->file, n->line, n->name);
			nerr++;
			continue;
		}
		if ((r = dec_read(set, n, &vars)) != 0)
			nerr++;
	}
	set->nfiles++;
	xml_doc_free(doc);
	return r == ARX_ERR_NOMEM ? r : (nerr ? ARX_ERR_CONFIG : 0);
}

struct decoder_set *
decoder_set_new(void)
{
	struct decoder_set *set = calloc(1, sizeof(*set));

	if (set != NULL)
		arena_init(&set->arena, 64 * 1024, 0);
	return set;
}

/* Child i of top-level decoder ctx: the literals of its prematch. */
static size_t
child_prematch_lits(
    size_t i, const char **lits, size_t *lens, size_t max, void *ctx)
{
	const struct decoder *c = ((const struct decoder *)ctx)->children[i];

	return pattern_literals(&c->prematch, lits, lens, max);
}

/* Top-level decoder i (with a program name): its pattern's literals. */
static size_t
pn_lits(size_t i, const char **lits, size_t *lens, size_t max, void *ctx)
{
	const struct decoder_set *set = ctx;

	return pattern_literals(&set->pn[i]->program_name, lits, lens, max);
}

/* Top-level decoder i of pn (of nopn): its prematch's literals. */
static size_t
pn_pm_lits(size_t i, const char **lits, size_t *lens, size_t max, void *ctx)
{
	const struct decoder_set *set = ctx;

	return pattern_literals(&set->pn[i]->prematch, lits, lens, max);
}

static size_t
nopn_pm_lits(size_t i, const char **lits, size_t *lens, size_t max, void *ctx)
{
	const struct decoder_set *set = ctx;

	return pattern_literals(&set->nopn[i]->prematch, lits, lens, max);
}

void
decoder_set_finish(struct decoder_set *set)
{
	struct decoder *d;
	size_t i;

	prefilter_free(set->pn_pf);
	prefilter_free(set->pn_pm_pf);
	prefilter_free(set->nopn_pm_pf);
	set->pn_pf = prefilter_build(set->npn, pn_lits, set);
	set->pn_pm_pf = prefilter_build_sparse(set->npn, pn_pm_lits, set);
	set->nopn_pm_pf = prefilter_build_sparse(set->nnopn, nopn_pm_lits, set);
	for (i = 0; i < set->nall; i++) {
		d = set->all[i];
		prefilter_free(d->child_pf);
		d->child_pf = d->nchildren >= DECODER_PREFILTER_MIN
		    ? prefilter_build(d->nchildren, child_prematch_lits, d)
		    : NULL;
	}
}

void
decoder_set_prefilters_off(struct decoder_set *set)
{
	size_t i;

	prefilter_free(set->pn_pf);
	prefilter_free(set->pn_pm_pf);
	prefilter_free(set->nopn_pm_pf);
	set->pn_pf = set->pn_pm_pf = set->nopn_pm_pf = NULL;
	for (i = 0; i < set->nall; i++) {
		prefilter_free(set->all[i]->child_pf);
		set->all[i]->child_pf = NULL;
	}
}

void
decoder_set_free(struct decoder_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	prefilter_free(set->pn_pf);
	prefilter_free(set->pn_pm_pf);
	prefilter_free(set->nopn_pm_pf);
	for (i = 0; i < set->nall; i++) {
		prefilter_free(set->all[i]->child_pf);
		pattern_release(&set->all[i]->program_name);
		pattern_release(&set->all[i]->prematch);
		pattern_release(&set->all[i]->regex);
	}
	arena_release(&set->arena);
	free(set);
}
