/*
 * The element tables: one row per element of each configuration section,
 * giving its setter, dumper, field and bounds; the handlers for values with
 * special syntax (response location, rule id lists, escalation lists, log
 * formats, protocols); and the checks that need the whole configuration.
 * Elements that OSSEC/Wazuh accept but arx does not use are rows too, marked
 * CE_IGNORED, so a configuration brought from there loads with a notice.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/conf_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/osregex.h"
#include "core/strparse.h"

#define NELEMS(a)   (sizeof(a) / sizeof((a)[0]))
#define MAX_TIMEOUT (3650ull * 86400) /* ten years */
#define IGNORED(n)                                                         \
	{                                                                  \
		n, conf_set_ignored, NULL, 0, 0, 0, CE_MULTI | CE_IGNORED, \
		    NULL, NULL                                             \
	}

/* A name for a keyword value, used both ways (parse and dump). */
struct conf_kw {
	const char *name;
	unsigned value;
};

static const struct conf_kw *
conf_kw_find(const struct conf_kw *kw, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(kw[i].name, s) == 0)
			return &kw[i];
	return NULL;
}

/* Error for a keyword value, with the closest valid one. */
static int
conf_kw_err(struct conf_ctx *ctx, const struct xml_node *n, const char *bad,
    const struct conf_kw *kw, size_t nkw)
{
	const char *names[16], *hint;
	size_t i;

	for (i = 0; i < nkw && i < NELEMS(names); i++)
		names[i] = kw[i].name;
	hint = str_suggest(bad, names, i);
	conf_err(ctx, n, "<%s> has an unknown value '%s'%s%s%s", n->name, bad,
	    hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
	return ARX_ERR_CONFIG;
}

/* Parse a comma list of keywords into a bit set. */
static int
conf_kw_bits(struct conf_ctx *ctx, const struct xml_node *n,
    const struct conf_kw *kw, size_t nkw, unsigned *out)
{
	char tmp[256], *tok, *save = NULL;
	const struct conf_kw *k;

	*out = 0;
	str_lcpy(tmp, n->text, sizeof(tmp));
	for (tok = strtok_r(tmp, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if ((k = conf_kw_find(kw, nkw, tok)) == NULL)
			return conf_kw_err(ctx, n, tok, kw, nkw);
		*out |= k->value;
	}
	if (*out == 0) {
		conf_err(ctx, n, "<%s> must not be empty", n->name);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static void
conf_kw_dump_bits(struct buf *out, int depth, const char *name,
    const struct conf_kw *kw, size_t nkw, unsigned bits)
{
	char tmp[256] = "";
	size_t i;

	for (i = 0; i < nkw; i++) {
		if (!(bits & kw[i].value))
			continue;
		bits &= ~kw[i].value;
		if (tmp[0] != '\0')
			strncat(tmp, ",", sizeof(tmp) - strlen(tmp) - 1);
		strncat(tmp, kw[i].name, sizeof(tmp) - strlen(tmp) - 1);
	}
	conf_put_elem(out, depth, name, tmp);
}

/* ---- <global> ---- */

static void *
global_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	(void)n, (void)parent;
	return &ctx->conf->global;
}

/*
 * OSSEC also accepts host names and OS_Match patterns here and matches them
 * as substrings; arx compares addresses only, so such entries are skipped
 * with a warning, and negated entries are refused.
 */
static int
set_white_list(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct arx_cidr c;
	bool ipish = n->text[0] != '\0' &&
	    strspn(n->text, "0123456789abcdefABCDEF.:/%") == strlen(n->text);

	if (n->text[0] == '!') {
		conf_err(ctx, n,
		    "negated white-list entries ('%s') are not "
		    "supported: list the addresses to spare",
		    n->text);
		return ARX_ERR_CONFIG;
	}
	if (!ipish && cidr_parse(n->text, &c) != 0) {
		ctx->conf->nignored++;
		conf_warn(n,
		    "white-list entry '%s' is not an address or CIDR "
		    "block; arx matches addresses only and skips it",
		    n->text);
		return 0;
	}
	return conf_set_cidrvec(ctx, n, obj, e);
}

/* ---- e-mail (<global> and <email_alerts>) ---- */

/* An address as arx writes it in SMTP and headers: local@domain of
 * printable ASCII, nothing that could end or split a header or an
 * SMTP command. */
static bool
is_mail_addr(const char *s)
{
	const char *at = strchr(s, '@');
	size_t i, n = strlen(s);

	if (n < 3 || n > 254 || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f ||
		    strchr("<>()[],;:\\\"", s[i]) != NULL)
			return false;
	return true;
}

static int
set_email_addr(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	if (!is_mail_addr(n->text)) {
		conf_err(ctx, n,
		    "<%s> must be one address (name@domain), not '%s'", n->name,
		    n->text);
		return ARX_ERR_CONFIG;
	}
	if (e->flags & CE_MULTI)
		return conf_set_strvec(ctx, n, obj, e);
	return conf_set_str(ctx, n, obj, e);
}

static int
set_email_notification(struct conf_ctx *ctx, const struct xml_node *n,
    void *obj, const struct conf_elem *e)
{
	int r = conf_set_bool(ctx, n, obj, e);

	if (r == 0)
		r = conf_where_at(
		    ctx, n, &((struct conf_global *)obj)->email_where);
	return r;
}

/* A host name (letters, digits, '-', '.') or an address literal. */
static bool
is_host(const char *s)
{
	struct arx_addr a;
	size_t n = strlen(s);

	if (addr_parse_str(s, &a) == 0)
		return true;
	return n > 0 && n < 254 &&
	    strspn(s,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789-.") == n &&
	    s[0] != '-' && s[0] != '.';
}

static int
set_host_name(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	if (!is_host(n->text)) {
		conf_err(ctx, n,
		    "<%s> must be a host name or address, not '%s'", n->name,
		    n->text);
		return ARX_ERR_CONFIG;
	}
	return conf_set_str(ctx, n, obj, e);
}

/* OSSEC also takes a sendmail program here; arx speaks SMTP only. */
static int
set_smtp_server(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	if (n->text[0] == '/') {
		conf_err(ctx, n,
		    "<smtp_server> '%s' is a program; arx sends mail over "
		    "SMTP only: give the host name or address of a mail "
		    "server",
		    n->text);
		return ARX_ERR_CONFIG;
	}
	return set_host_name(ctx, n, obj, e);
}

/* <email_notification>yes needs somewhere to send from and to. */
static void
mail_finish(struct conf_ctx *ctx)
{
	const struct conf_global *g = &ctx->conf->global;
	const char *missing = g->smtp_server == NULL ? "smtp_server"
	    : g->email_from == NULL                  ? "email_from"
	    : g->email_to.n == 0                     ? "email_to"
						     : NULL;

	if (!g->email_notification || missing == NULL)
		return;
	log_error("%s:%u: <email_notification> is yes but <global> has no "
		  "<%s>",
	    g->email_where.file, g->email_where.line, missing);
	ctx->nerrors++;
}

static void *
email_alerts_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct arx_conf *conf = ctx->conf;

	(void)parent;
	if (conf->nemail_alerts == CONF_MAX_EMAIL_ALERTS) {
		conf_err(ctx, n, "at most %d <email_alerts> blocks",
		    CONF_MAX_EMAIL_ALERTS);
		return NULL;
	}
	return conf_item_push(ctx, n, (void **)&conf->email_alerts,
	    &conf->nemail_alerts, &conf->email_alerts_cap,
	    sizeof(struct conf_email_alert));
}

/* OSSEC's granular entry needs a recipient and something to select. */
static int
email_alerts_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	const struct conf_email_alert *m = obj;

	if (m->level == 0 && m->group == NULL && m->rule_id.n == 0 &&
	    m->event_location == NULL && m->format == MAIL_FORMAT_FULL &&
	    !m->do_not_delay && !m->do_not_group) {
		conf_err(ctx, n,
		    "<email_alerts> needs <level>, <group>, <rule_id>, "
		    "<event_location>, <format>sms, <do_not_delay> or "
		    "<do_not_group>");
		return ARX_ERR_CONFIG;
	}
	return 0;
}

/* An OS_Match pattern, compiled once to see that it compiles. */
static int
set_osmatch(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct osmatch *m;
	char err[128];

	if ((m = osmatch_compile(n->text, err, sizeof(err))) == NULL) {
		conf_err(ctx, n, "<%s> '%s' is not a valid pattern: %s",
		    n->name, n->text, err);
		return ARX_ERR_CONFIG;
	}
	osmatch_free(m);
	return conf_set_str(ctx, n, obj, e);
}

/* An empty element (<do_not_delay />, as OSSEC writes it) or yes/no. */
static int
set_flag(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	if (n->text[0] == '\0') {
		*(bool *)((char *)obj + e->off) = true;
		return 0;
	}
	return conf_set_bool(ctx, n, obj, e);
}

static void
dump_flag(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	if (*(const bool *)((const char *)obj + e->off))
		conf_put_elem(out, depth, e->name, "yes");
}

static const struct conf_kw mail_formats[] = {
    {"full", MAIL_FORMAT_FULL},
    {"default", MAIL_FORMAT_FULL},
    {"sms", MAIL_FORMAT_SMS},
};

static int
set_mail_format(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const struct conf_kw *k =
	    conf_kw_find(mail_formats, NELEMS(mail_formats), n->text);

	if (k == NULL)
		return conf_kw_err(
		    ctx, n, n->text, mail_formats, NELEMS(mail_formats));
	*(unsigned *)((char *)obj + e->off) = k->value;
	return 0;
}

static void
dump_mail_format(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	unsigned v = *(const unsigned *)((const char *)obj + e->off);

	conf_put_elem(
	    out, depth, e->name, v == MAIL_FORMAT_SMS ? "sms" : "full");
}

static int set_rules_id(struct conf_ctx *ctx, const struct xml_node *n,
    void *obj, const struct conf_elem *e);
static void dump_id_list(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth);

static const struct conf_elem email_alerts_elems[] = {
    {"email_to", set_email_addr, conf_dump_strvec,
	offsetof(struct conf_email_alert, email_to), 0, 0,
	CE_MULTI | CE_REQUIRED, NULL, NULL},
    {"level", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_email_alert, level), 0, 16, 0, NULL, NULL},
    {"group", set_osmatch, conf_dump_str,
	offsetof(struct conf_email_alert, group), 0, 0, 0, NULL, NULL},
    {"rule_id", set_rules_id, dump_id_list,
	offsetof(struct conf_email_alert, rule_id), 0, 0, CE_MULTI, NULL, NULL},
    {"event_location", set_osmatch, conf_dump_str,
	offsetof(struct conf_email_alert, event_location), 0, 0, 0, NULL, NULL},
    {"format", set_mail_format, dump_mail_format,
	offsetof(struct conf_email_alert, format), 0, 0, 0, NULL, NULL},
    {"do_not_delay", set_flag, dump_flag,
	offsetof(struct conf_email_alert, do_not_delay), 0, 0, 0, NULL, NULL},
    {"do_not_group", set_flag, dump_flag,
	offsetof(struct conf_email_alert, do_not_group), 0, 0, 0, NULL, NULL},
};

static const struct conf_elem global_elems[] = {
    {"white_list", set_white_list, conf_dump_cidrvec,
	offsetof(struct conf_global, white_list), 0, 0, CE_MULTI, NULL, NULL},
    {"max_age", conf_set_duration, conf_dump_duration,
	offsetof(struct conf_global, max_age), 1, 7 * 86400, 0, NULL, NULL},
    {"block_local", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_global, block_local), 0, 0, 0, NULL, NULL},
    IGNORED("jsonout_output"),
    IGNORED("alerts_log"),
    IGNORED("logall"),
    IGNORED("logall_json"),
    {"email_notification", set_email_notification, conf_dump_bool,
	offsetof(struct conf_global, email_notification), 0, 0, 0, NULL, NULL},
    {"email_to", set_email_addr, conf_dump_strvec,
	offsetof(struct conf_global, email_to), 0, 0, CE_MULTI, NULL, NULL},
    {"email_from", set_email_addr, conf_dump_str,
	offsetof(struct conf_global, email_from), 0, 0, 0, NULL, NULL},
    {"email_reply_to", set_email_addr, conf_dump_str,
	offsetof(struct conf_global, email_reply_to), 0, 0, 0, NULL, NULL},
    {"smtp_server", set_smtp_server, conf_dump_str,
	offsetof(struct conf_global, smtp_server), 0, 0, 0, NULL, NULL},
    {"helo_server", set_host_name, conf_dump_str,
	offsetof(struct conf_global, helo_server), 0, 0, 0, NULL, NULL},
    {"email_maxperhour", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_global, email_maxperhour), 1, 9999, 0, NULL, NULL},
    IGNORED("email_log_source"),
    IGNORED("email_idsname"),
    IGNORED("memory_size"),
    IGNORED("host_name"),
    IGNORED("stats"),
    IGNORED("prelude_output"),
    IGNORED("zeromq_output"),
    IGNORED("geoip_db_path"),
    IGNORED("agents_disconnection_time"),
    IGNORED("agents_disconnection_alert_time"),
    IGNORED("update_check"),
    IGNORED("custom_alert_output"),
    IGNORED("rotate_interval"),
    IGNORED("max_output_size"),
    IGNORED("queue_size"),
    IGNORED("picviz_output"),
    IGNORED("integrity_checking"),
    IGNORED("rootkit_detection"),
};

/* ---- <alerts> ---- */

static void *
alerts_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	(void)n, (void)parent;
	return &ctx->conf->alerts;
}

static const struct conf_elem alerts_elems[] = {
    {"log_alert_level", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_alerts, log_alert_level), 0, 16, 0, NULL, NULL},
    {"email_alert_level", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_alerts, email_alert_level), 0, 16, 0, NULL, NULL},
    IGNORED("use_geoip"),
};

/* ---- <command> ---- */

static bool
is_name_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.';
}

static bool
is_plain_name(const char *s)
{
	return str_is_name(s, strlen(s));
}

static void *
command_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct arx_conf *conf = ctx->conf;
	struct conf_command *c;

	(void)parent;
	c = conf_item_push(ctx, n, (void **)&conf->commands, &conf->ncommands,
	    &conf->commands_cap, sizeof(*c));
	if (c != NULL)
		c->exec_timeout = 60;
	return c;
}

static int
set_command_name(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	if (!is_plain_name(n->text)) {
		conf_err(ctx, n,
		    "command name '%s' must be 1-127 letters, "
		    "digits, '-', '_' or '.'",
		    n->text);
		return ARX_ERR_CONFIG;
	}
	return conf_set_str(ctx, n, obj, e);
}

static const struct conf_kw builtins[] = {
    {"builtin:nftables", CONF_BUILTIN_NFTABLES},
};

static int
set_executable(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const char *t = n->text;
	bool abs_ok = t[0] == '/' && strstr(t, "/..") == NULL &&
	    strstr(t, "//") == NULL && strlen(t) < 4096;
	const struct conf_kw *k;

	if (strncmp(t, "builtin:", 8) == 0) {
		if ((k = conf_kw_find(builtins, NELEMS(builtins), t)) == NULL)
			return conf_kw_err(
			    ctx, n, t, builtins, NELEMS(builtins));
		((struct conf_command *)obj)->builtin = k->value;
		return conf_set_str(ctx, n, obj, e);
	}
	if (!abs_ok && !is_plain_name(t)) {
		conf_err(ctx, n,
		    "executable '%s' must be a file name in the "
		    "active-response directory or an absolute path "
		    "without '..'",
		    t);
		return ARX_ERR_CONFIG;
	}
	return conf_set_str(ctx, n, obj, e);
}

static int
command_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	const struct conf_command *c = obj, *other;

	if (c->name == NULL)
		return 0; /* the missing <name> is reported on its own */
	other = conf_command_find(ctx->conf, c->name);
	if (other != NULL && other != c) {
		conf_err(ctx, n, "command '%s' is already defined at %s:%u",
		    c->name, other->where.file, other->where.line);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static const struct conf_kw ar_protocols[] = {
    {"json", AR_PROTO_JSON},
    {"legacy", AR_PROTO_LEGACY},
};

static int
set_protocol_ar(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const struct conf_kw *k =
	    conf_kw_find(ar_protocols, NELEMS(ar_protocols), n->text);

	if (k == NULL)
		return conf_kw_err(
		    ctx, n, n->text, ar_protocols, NELEMS(ar_protocols));
	*(unsigned *)((char *)obj + e->off) = k->value;
	return 0;
}

static void
dump_protocol_ar(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	unsigned v = *(const unsigned *)((const char *)obj + e->off);

	conf_put_elem(out, depth, e->name, ar_protocols[v].name);
}

static const struct conf_elem command_elems[] = {
    {"name", set_command_name, conf_dump_str,
	offsetof(struct conf_command, name), 0, 0, CE_REQUIRED, NULL, NULL},
    {"executable", set_executable, conf_dump_str,
	offsetof(struct conf_command, executable), 0, 0, CE_REQUIRED, NULL,
	NULL},
    {"timeout_allowed", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_command, timeout_allowed), 0, 0, 0, NULL, NULL},
    {"extra_args", conf_set_str, conf_dump_str,
	offsetof(struct conf_command, extra_args), 0, 0, 0, NULL, NULL},
    {"expect", conf_set_str, conf_dump_str,
	offsetof(struct conf_command, expect), 0, 0, 0, NULL, NULL},
    {"protocol", set_protocol_ar, dump_protocol_ar,
	offsetof(struct conf_command, protocol), 0, 0, 0, NULL, NULL},
    {"exec_timeout", conf_set_duration, conf_dump_duration,
	offsetof(struct conf_command, exec_timeout), 1, 3600, 0, NULL, NULL},
    {"precheck", set_command_name, conf_dump_str,
	offsetof(struct conf_command, precheck), 0, 0, 0, NULL, NULL},
};

/* ---- <active-response> ---- */

/* OSSEC matches these as substrings; arx wants whole keywords. */
static const struct conf_kw ar_locations[] = {
    {"local", AR_LOC_LOCAL},
    {"server", AR_LOC_SERVER},
    {"analysis-server", AR_LOC_SERVER},
    {"analysisd", AR_LOC_SERVER},
    {"AS", AR_LOC_SERVER},
    {"defined-agent", AR_LOC_DEFINED_AGENT},
    {"all", AR_LOC_ALL},
    {"any", AR_LOC_ALL},
};

static void *
ar_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct arx_conf *conf = ctx->conf;
	struct conf_ar *ar;

	(void)parent;
	ar = conf_item_push(ctx, n, (void **)&conf->ars, &conf->nars,
	    &conf->ars_cap, sizeof(*ar));
	if (ar != NULL) {
		ar->level = -1;
		ar->apply_white_list = true;
		ar->grace = CONF_AR_GRACE_DEFAULT;
	}
	return ar;
}

static int
set_location(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	return conf_kw_bits(ctx, n, ar_locations, NELEMS(ar_locations),
	    (unsigned *)((char *)obj + e->off));
}

static void
dump_location(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const struct conf_ar *ar = obj;

	if (ar->command != NULL)
		conf_kw_dump_bits(out, depth, e->name, ar_locations,
		    NELEMS(ar_locations), ar->location);
}

static int
set_level(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	uint64_t v;

	if (str_to_uint(n->text, e->min, e->max, &v) != 0) {
		conf_err(ctx, n,
		    "<level> must be a whole number from 0 to 20, "
		    "not '%s'",
		    n->text);
		return ARX_ERR_CONFIG;
	}
	*(int *)((char *)obj + e->off) = (int)v;
	return 0;
}

static void
dump_level(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	int v = *(const int *)((const char *)obj + e->off);
	char tmp[16];

	if (v < 0)
		return;
	snprintf(tmp, sizeof(tmp), "%d", v);
	conf_put_elem(out, depth, e->name, tmp);
}

struct id_list_ctx {
	struct conf_ctx *ctx;
	const struct xml_node *n;
	struct strvec *v;
};

static int
add_rule_id(void *arg, const char *item)
{
	struct id_list_ctx *l = arg;
	char canon[24];
	uint64_t id;

	if (str_to_uint(item, 1, 99999999, &id) != 0) {
		conf_err(l->ctx, l->n,
		    "<%s> holds '%s', which is not a "
		    "rule id (1-99999999)",
		    l->n->name, item);
		return ARX_ERR_CONFIG;
	}
	snprintf(canon, sizeof(canon), "%llu", (unsigned long long)id);
	return conf_strvec_push(l->ctx, l->n, l->v, conf_strdup(l->ctx, canon));
}

static int
set_rules_id(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct id_list_ctx l = {
	    ctx, n, (struct strvec *)((char *)obj + e->off)};
	char tmp[4096];
	size_t i;

	if (str_lcpy(tmp, n->text, sizeof(tmp)) >= sizeof(tmp)) {
		conf_err(ctx, n, "<%s> is too long", n->name);
		return ARX_ERR_CONFIG;
	}
	for (i = 0; tmp[i] != '\0'; i++)
		if (tmp[i] == ' ' || tmp[i] == '\t')
			tmp[i] = ',';
	return str_split_list(tmp, add_rule_id, &l);
}

static void
dump_id_list(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const struct strvec *v =
	    (const struct strvec *)((const char *)obj + e->off);
	struct buf tmp;
	size_t i;

	if (v->n == 0)
		return;
	buf_init(&tmp, 1 << 16);
	for (i = 0; i < v->n; i++)
		buf_printf(&tmp, "%s%s", i ? "," : "", v->v[i]);
	conf_put_elem(out, depth, e->name, buf_cstr(&tmp));
	buf_release(&tmp);
}

struct repeat_ctx {
	struct conf_ctx *ctx;
	const struct xml_node *n;
	struct conf_ar *ar;
};

static int
add_repeat(void *arg, const char *item)
{
	struct repeat_ctx *rc = arg;
	uint64_t secs;

	if (rc->ar->nrepeated == CONF_MAX_REPEAT) {
		conf_err(rc->ctx, rc->n,
		    "<repeated_offenders> takes at most %d "
		    "values",
		    CONF_MAX_REPEAT);
		return ARX_ERR_CONFIG;
	}
	if (str_to_duration(item, 60, MAX_TIMEOUT, &secs) != 0 || secs == 0) {
		conf_err(rc->ctx, rc->n,
		    "<repeated_offenders> holds '%s'; each "
		    "value must be a positive duration "
		    "(bare numbers are minutes)",
		    item);
		return ARX_ERR_CONFIG;
	}
	if (rc->ar->nrepeated > 0 &&
	    secs < rc->ar->repeated[rc->ar->nrepeated - 1])
		conf_warn(rc->n,
		    "<repeated_offenders> value '%s' is shorter "
		    "than the one before it",
		    item);
	rc->ar->repeated[rc->ar->nrepeated++] = secs;
	return 0;
}

static int
set_repeated(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct repeat_ctx rc = {ctx, n, obj};

	(void)e;
	if (n->text[0] == '\0') {
		conf_err(ctx, n, "<repeated_offenders> must not be empty");
		return ARX_ERR_CONFIG;
	}
	return str_split_list(n->text, add_repeat, &rc);
}

static void
dump_repeated(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const struct conf_ar *ar = obj;
	char one[32];
	struct buf tmp;
	size_t i;

	if (ar->nrepeated == 0)
		return;
	buf_init(&tmp, 4096);
	for (i = 0; i < ar->nrepeated; i++) {
		str_format_duration(one, sizeof(one), ar->repeated[i]);
		buf_printf(&tmp, "%s%s", i ? "," : "", one);
	}
	conf_put_elem(out, depth, e->name, buf_cstr(&tmp));
	buf_release(&tmp);
}

static void
dump_ar_duration(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	if (((const struct conf_ar *)obj)->command != NULL)
		conf_dump_duration(out, obj, e, depth);
}

static void
dump_ar_bool(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	if (((const struct conf_ar *)obj)->command != NULL)
		conf_dump_bool(out, obj, e, depth);
}

/*
 * A block without <command> carries host-wide settings, as execd reads them
 * in OSSEC/Wazuh: <disabled> turns responses off on this host and
 * <repeated_offenders> is the escalation for responses without their own.
 */
static int
ar_close_host(
    struct conf_ctx *ctx, const struct xml_node *n, struct conf_ar *ar)
{
	struct arx_conf *conf = ctx->conf;

	if (ar->location || ar->agent_id || ar->level >= 0 || ar->rules_group ||
	    ar->rules_id.n || ar->timeout || !ar->apply_white_list ||
	    ar->decay) {
		conf_err(ctx, n,
		    "<active-response> without <command> may only "
		    "hold <disabled> and <repeated_offenders>");
		return ARX_ERR_CONFIG;
	}
	conf->ar_disabled |= ar->disabled;
	if (ar->nrepeated > 0) {
		memcpy(
		    conf->default_repeated, ar->repeated, sizeof(ar->repeated));
		conf->ndefault_repeated = ar->nrepeated;
	}
	conf->nars--;
	return 0;
}

struct agents_ctx {
	struct conf_ctx *ctx;
	const struct xml_node *n;
	struct conf_ar *ar;
};

static int
add_agent(void *p, const char *item)
{
	struct agents_ctx *ac = p;
	struct strvec *v = &ac->ar->agents;
	const char **slot;

	if (strlen(item) > 64 || !is_plain_name(item)) {
		conf_err(ac->ctx, ac->n,
		    "<agent_id> entries are agent numbers (001) or names, "
		    "separated by commas; not '%s'",
		    item);
		return ARX_ERR_CONFIG;
	}
	slot = conf_vec_push(
	    ac->ctx, (void **)&v->v, &v->n, &v->cap, sizeof(*slot));
	if (slot == NULL || (*slot = conf_strdup(ac->ctx, item)) == NULL)
		return ARX_ERR_NOMEM;
	return 0;
}

/* <agent_id>: agent ids (001) or names, separated by commas. */
static void
ar_agents(struct conf_ctx *ctx, const struct xml_node *n, struct conf_ar *ar)
{
	struct agents_ctx ac = {ctx, n, ar};

	if (str_split_list(ar->agent_id, add_agent, &ac) == ARX_ERR_TOOBIG)
		conf_err(ctx, n, "<agent_id> has an entry longer than 255");
}

static int
ar_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	struct conf_ar *ar = obj;

	if (ar->command == NULL)
		return ar_close_host(ctx, n, ar);
	if (ar->location == 0)
		conf_err(ctx, n, "<active-response> for '%s' needs <location>",
		    ar->command);
	if ((ar->location & AR_LOC_DEFINED_AGENT) && ar->agent_id == NULL)
		conf_err(ctx, n, "location defined-agent needs <agent_id>");
	if (ar->agent_id != NULL)
		ar_agents(ctx, n, ar);
	if (ar->agent_id != NULL && ar->agents.n == 0)
		conf_err(ctx, n, "<agent_id> names no agent");
	if (ar->level < 0 && ar->rules_group == NULL && ar->rules_id.n == 0)
		conf_warn(n,
		    "<active-response> for '%s' has no <level>, "
		    "<rules_group> or <rules_id>: no rule triggers it",
		    ar->command);
	return 0;
}

static const struct conf_elem ar_elems[] = {
    {"disabled", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_ar, disabled), 0, 0, 0, NULL, NULL},
    {"command", conf_set_str, conf_dump_str, offsetof(struct conf_ar, command),
	0, 0, 0, NULL, NULL},
    {"location", set_location, dump_location,
	offsetof(struct conf_ar, location), 0, 0, 0, NULL, NULL},
    {"agent_id", conf_set_str, conf_dump_str,
	offsetof(struct conf_ar, agent_id), 0, 0, 0, NULL, NULL},
    {"level", set_level, dump_level, offsetof(struct conf_ar, level), 0, 20, 0,
	NULL, NULL},
    {"rules_group", conf_set_str, conf_dump_str,
	offsetof(struct conf_ar, rules_group), 0, 0, 0, NULL, NULL},
    {"rules_id", set_rules_id, dump_id_list, offsetof(struct conf_ar, rules_id),
	0, 0, CE_MULTI, NULL, NULL},
    {"timeout", conf_set_duration, dump_ar_duration,
	offsetof(struct conf_ar, timeout), 1, MAX_TIMEOUT, 0, NULL, NULL},
    {"repeated_offenders", set_repeated, dump_repeated, 0, 0, 0, 0, NULL, NULL},
    {"apply_white_list", conf_set_bool, dump_ar_bool,
	offsetof(struct conf_ar, apply_white_list), 0, 0, 0, NULL, NULL},
    {"offence_decay", conf_set_duration, dump_ar_duration,
	offsetof(struct conf_ar, decay), 1, MAX_TIMEOUT, 0, NULL, NULL},
    {"offence_grace", conf_set_duration, dump_ar_duration,
	offsetof(struct conf_ar, grace), 1, 86400, 0, NULL, NULL},
    IGNORED("ca_store"),
    IGNORED("ca_verification"),
};

/* ---- <localfile> ---- */

#define LOG_FORMAT_UNSUPPORTED 99u

static const struct conf_kw log_formats[] = {
    {"syslog", LOG_FORMAT_SYSLOG},
    {"json", LOG_FORMAT_JSON},
    {"journald", LOG_FORMAT_JOURNALD},
};

/* Formats of OSSEC/Wazuh that arx does not read (yet): skipped, not fatal. */
static const char *const log_formats_foreign[] = {"snort-full", "squid",
    "eventlog", "eventchannel", "audit", "mysql_log", "postgresql_log", "nmapg",
    "iis", "command", "full_command", "djb-multilog", "multi-line", "macos",
    "apache", "snort-fast"};

static void *
localfile_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct arx_conf *conf = ctx->conf;
	struct conf_localfile *lf;

	(void)parent;
	lf = conf_item_push(ctx, n, (void **)&conf->localfiles,
	    &conf->nlocalfiles, &conf->localfiles_cap, sizeof(*lf));
	if (lf != NULL) /* Wazuh's default: a first start reads no history */
		lf->only_future_events = true;
	return lf;
}

static int
set_log_format(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const struct conf_kw *k =
	    conf_kw_find(log_formats, NELEMS(log_formats), n->text);
	unsigned *field = (unsigned *)((char *)obj + e->off);
	size_t i;

	if (k != NULL) {
		*field = k->value;
		return 0;
	}
	for (i = 0; i < NELEMS(log_formats_foreign); i++) {
		if (strncmp(n->text, log_formats_foreign[i],
			strlen(log_formats_foreign[i])) == 0) {
			*field = LOG_FORMAT_UNSUPPORTED;
			return 0;
		}
	}
	return conf_kw_err(ctx, n, n->text, log_formats, NELEMS(log_formats));
}

static void
dump_log_format(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	unsigned v = *(const unsigned *)((const char *)obj + e->off);

	conf_put_elem(out, depth, e->name, log_formats[v].name);
}

static int
set_filter(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct conf_localfile *lf = obj;
	const char *field = xml_attr_get(n, "field");
	struct conf_filter *f;

	(void)e;
	if (field == NULL || field[0] == '\0') {
		conf_err(ctx, n, "<filter> needs a field=\"...\" attribute");
		return ARX_ERR_CONFIG;
	}
	f = conf_vec_push(ctx, (void **)&lf->filters, &lf->nfilters,
	    &lf->filters_cap, sizeof(*f));
	if (f == NULL || (f->field = conf_strdup(ctx, field)) == NULL ||
	    (f->pattern = conf_strdup(ctx, n->text)) == NULL)
		return ARX_ERR_NOMEM;
	return 0;
}

static void
dump_filters(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const struct conf_localfile *lf = obj;
	size_t i;

	for (i = 0; i < lf->nfilters; i++) {
		conf_put_indent(out, depth);
		buf_printf(out, "<%s field=\"", e->name);
		conf_put_escaped(out, lf->filters[i].field);
		buf_puts(out, "\">");
		conf_put_escaped(out, lf->filters[i].pattern);
		buf_printf(out, "</%s>\n", e->name);
	}
}

static int
localfile_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	struct conf_localfile *lf = obj;
	bool journal_loc;

	if ((unsigned)lf->format == LOG_FORMAT_UNSUPPORTED) {
		ctx->conf->nignored++;
		ctx->conf->nlocalfiles--;
		conf_warn(n,
		    "<localfile>: this log format is not read by arx (it reads "
		    "syslog, json and journald); skipped");
		return 0;
	}
	if (lf->location == NULL) {
		conf_err(ctx, n, "<localfile> needs <location>");
		return ARX_ERR_CONFIG;
	}
	journal_loc = strcmp(lf->location, "journald") == 0 ||
	    strncmp(lf->location, "journald:/", 10) == 0;
	if ((lf->format == LOG_FORMAT_JOURNALD) != journal_loc) {
		conf_err(ctx, n,
		    "journald needs both <location>journald"
		    "</location> (or journald:/directory) and "
		    "<log_format>journald</log_format>");
		return ARX_ERR_CONFIG;
	}
	if (lf->nfilters > 0 && lf->format != LOG_FORMAT_JOURNALD) {
		conf_err(ctx, n, "<filter> applies to journald only");
		return ARX_ERR_CONFIG;
	}
	if (!journal_loc && lf->location[0] != '/') {
		conf_err(ctx, n, "<location> '%s' must be an absolute path",
		    lf->location);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static const char *const filter_attrs[] = {"field", NULL};

static const struct conf_elem localfile_elems[] = {
    {"location", conf_set_str, conf_dump_str,
	offsetof(struct conf_localfile, location), 0, 0, 0, NULL, NULL},
    {"log_format", set_log_format, dump_log_format,
	offsetof(struct conf_localfile, format), 0, 0, CE_REQUIRED, NULL, NULL},
    {"only-future-events", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_localfile, only_future_events), 0, 0, 0, NULL,
	NULL},
    {"alias", conf_set_str, conf_dump_str,
	offsetof(struct conf_localfile, alias), 0, 0, 0, NULL, NULL},
    {"unless_written", conf_set_str, conf_dump_str,
	offsetof(struct conf_localfile, unless_written), 0, 0, 0, NULL, NULL},
    {"exclude", conf_set_strvec, conf_dump_strvec,
	offsetof(struct conf_localfile, exclude), 0, 0, CE_MULTI, NULL, NULL},
    {"filter", set_filter, dump_filters, 0, 0, 0, CE_MULTI, filter_attrs, NULL},
    IGNORED("label"),
    IGNORED("target"),
    IGNORED("out_format"),
    IGNORED("age"),
    IGNORED("ignore_binaries"),
    IGNORED("reconnect_time"),
    IGNORED("frequency"),
    IGNORED("query"),
    IGNORED("command"),
    IGNORED("multiline_regex"),
};

/* ---- <ruleset> ---- */

static void *
ruleset_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	(void)n, (void)parent;
	return &ctx->conf->ruleset;
}

#define RULESET_DIR(name, field)                                \
	{                                                       \
		name, conf_set_strvec, conf_dump_strvec,        \
		    offsetof(struct conf_ruleset, field), 0, 0, \
		    CE_MULTI | CE_PATH, NULL, NULL              \
	}

static const struct conf_elem ruleset_elems[] = {
    RULESET_DIR("decoder_dir", decoder_dirs),
    RULESET_DIR("rule_dir", rule_dirs),
    RULESET_DIR("list", lists),
    RULESET_DIR("decoder_exclude", decoder_exclude),
    RULESET_DIR("rule_exclude", rule_exclude),
    RULESET_DIR("decoder_include", decoder_include),
    RULESET_DIR("rule_include", rule_include),
};

/* ---- <remote> and <client> (used by the manager/agent mode) ---- */

static const struct conf_kw protocols[] = {
    {"tcp", CONF_PROTO_TCP},
    {"udp", CONF_PROTO_UDP},
};

static const struct conf_kw connections[] = {
    {"secure", REMOTE_SECURE},
    {"syslog", REMOTE_SYSLOG},
};

static int
set_protocol(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	return conf_kw_bits(ctx, n, protocols, NELEMS(protocols),
	    (unsigned *)((char *)obj + e->off));
}

static void
dump_protocol(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	conf_kw_dump_bits(out, depth, e->name, protocols, NELEMS(protocols),
	    *(const unsigned *)((const char *)obj + e->off));
}

static int
set_connection(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const struct conf_kw *k =
	    conf_kw_find(connections, NELEMS(connections), n->text);

	if (k == NULL)
		return conf_kw_err(
		    ctx, n, n->text, connections, NELEMS(connections));
	*(unsigned *)((char *)obj + e->off) = k->value;
	return 0;
}

static void
dump_connection(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	unsigned v = *(const unsigned *)((const char *)obj + e->off);

	conf_put_elem(out, depth, e->name, connections[v].name);
}

static int
set_addr_str(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct arx_addr a;

	if (addr_parse_str(n->text, &a) != 0) {
		conf_err(ctx, n,
		    "<%s> must be an IPv4 or IPv6 address, not "
		    "'%s'",
		    n->name, n->text);
		return ARX_ERR_CONFIG;
	}
	return conf_set_str(ctx, n, obj, e);
}

static void *
remote_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct arx_conf *conf = ctx->conf;
	struct conf_remote *r;

	(void)parent;
	r = conf_item_push(ctx, n, (void **)&conf->remotes, &conf->nremotes,
	    &conf->remotes_cap, sizeof(*r));
	if (r != NULL)
		r->max_per_source = 8;
	return r;
}

static int
remote_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	struct conf_remote *r = obj;
	size_t i;

	if (r->socket != NULL) {
		if (r->connection != REMOTE_SYSLOG) {
			conf_err(ctx, n,
			    "<socket> applies to "
			    "<connection>syslog</connection>");
			return ARX_ERR_CONFIG;
		}
		return 0; /* a Unix socket: no port, no protocol */
	}
	if (r->port == 0)
		r->port = r->connection == REMOTE_SECURE ? 1514 : 514;
	if (r->protocol == 0)
		r->protocol = r->connection == REMOTE_SECURE ? CONF_PROTO_TCP
							     : CONF_PROTO_UDP;
	for (i = 0; i + 1 < ctx->conf->nremotes; i++) {
		const struct conf_remote *o = &ctx->conf->remotes[i];
		if (o->port == r->port && (o->protocol & r->protocol)) {
			conf_err(ctx, n,
			    "<remote> port %u is already used at "
			    "%s:%u",
			    r->port, o->where.file, o->where.line);
			return ARX_ERR_CONFIG;
		}
	}
	return 0;
}

static const struct conf_elem remote_elems[] = {
    {"connection", set_connection, dump_connection,
	offsetof(struct conf_remote, connection), 0, 0, CE_REQUIRED, NULL,
	NULL},
    {"port", conf_set_uint, conf_dump_uint, offsetof(struct conf_remote, port),
	1, 65535, 0, NULL, NULL},
    {"protocol", set_protocol, dump_protocol,
	offsetof(struct conf_remote, protocol), 0, 0, 0, NULL, NULL},
    {"local_ip", set_addr_str, conf_dump_str,
	offsetof(struct conf_remote, local_ip), 0, 0, 0, NULL, NULL},
    {"allowed-ips", conf_set_cidrvec, conf_dump_cidrvec,
	offsetof(struct conf_remote, allowed_ips), 0, 0, CE_MULTI, NULL, NULL},
    {"denied-ips", conf_set_cidrvec, conf_dump_cidrvec,
	offsetof(struct conf_remote, denied_ips), 0, 0, CE_MULTI, NULL, NULL},
    {"ipv6", conf_set_bool, conf_dump_bool, offsetof(struct conf_remote, ipv6),
	0, 0, 0, NULL, NULL},
    {"socket", conf_set_path, conf_dump_str,
	offsetof(struct conf_remote, socket), 0, 0, CE_PATH, NULL, NULL},
    {"max_per_source", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_remote, max_per_source), 1, 1024, 0, NULL, NULL},
    IGNORED("queue_size"),
    IGNORED("rids_closing_time"),
    IGNORED("connection_overtake_time"),
};

static void *
server_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct conf_client *cl = parent;
	struct conf_server *s;

	s = conf_item_push(ctx, n, (void **)&cl->servers, &cl->nservers,
	    &cl->servers_cap, sizeof(*s));
	return s;
}

static int
server_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	struct conf_server *s = obj;
	size_t i;

	(void)ctx, (void)n;
	if (s->port == 0)
		s->port = 1514;
	if (s->protocol == 0)
		s->protocol = CONF_PROTO_TCP;
	for (i = 0; s->address[i] != '\0'; i++) {
		if (!is_name_char((unsigned char)s->address[i]) &&
		    s->address[i] != ':') {
			conf_err(ctx, n,
			    "<address> '%s' is not a host name or "
			    "address",
			    s->address);
			return ARX_ERR_CONFIG;
		}
	}
	return 0;
}

static const struct conf_elem server_elems[] = {
    {"address", conf_set_str, conf_dump_str,
	offsetof(struct conf_server, address), 0, 0, CE_REQUIRED, NULL, NULL},
    {"port", conf_set_uint, conf_dump_uint, offsetof(struct conf_server, port),
	1, 65535, 0, NULL, NULL},
    {"protocol", set_protocol, dump_protocol,
	offsetof(struct conf_server, protocol), 0, 0, 0, NULL, NULL},
    IGNORED("max_retries"),
    IGNORED("retry_interval"),
};

static const struct conf_section server_section = {
    "server", server_elems, NELEMS(server_elems), server_open, server_close};

static void *
client_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	(void)n, (void)parent;
	ctx->conf->client.present = true;
	return &ctx->conf->client;
}

static int
client_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	struct conf_client *cl = obj;

	if (cl->nservers == 0) {
		conf_err(ctx, n, "<client> needs at least one <server>");
		return ARX_ERR_CONFIG;
	}
	if (cl->notify_time == 0)
		cl->notify_time = 10;
	if (cl->reconnect_time == 0)
		cl->reconnect_time = 60;
	return 0;
}

static void
dump_servers(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	const struct conf_client *cl = obj;
	size_t i;

	for (i = 0; i < cl->nservers; i++) {
		conf_put_indent(out, depth);
		buf_printf(out, "<%s>\n", e->name);
		conf_section_dump(out, e->sub, &cl->servers[i], depth + 1);
		conf_put_indent(out, depth);
		buf_printf(out, "</%s>\n", e->name);
	}
}

static const struct conf_elem client_elems[] = {
    {"server", conf_set_sub, dump_servers, 0, 0, 0, CE_MULTI, NULL,
	&server_section},
    {"notify_time", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_client, notify_time), 1, 86400, 0, NULL, NULL},
    {"time-reconnect", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_client, reconnect_time), 1, 86400, 0, NULL, NULL},
    {"config-profile", conf_set_str, conf_dump_str,
	offsetof(struct conf_client, config_profile), 0, 0, 0, NULL, NULL},
    IGNORED("crypto_method"),
    IGNORED("auto_restart"),
    IGNORED("enrollment"),
    IGNORED("force_reconnect_interval"),
    IGNORED("ip_update_interval"),
    IGNORED("server-ip"),
    IGNORED("server-hostname"),
};

/* ---- <client_buffer> ---- */

static void *
client_buffer_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	(void)n, (void)parent;
	return &ctx->conf->client_buffer;
}

static const struct conf_elem client_buffer_elems[] = {
    {"queue_size", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_client_buffer, queue_size), 1, 10000000, 0, NULL,
	NULL},
    {"queue_mib", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_client_buffer, queue_mib), 1, 4096, 0, NULL, NULL},
    IGNORED("disabled"),
    IGNORED("events_per_second"),
};

/* ---- <daemon> (arx's own) ---- */

static void *
daemon_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct conf_daemon *d = &ctx->conf->daemon;

	(void)parent;
	if (d->where.file == NULL && conf_where_at(ctx, n, &d->where) != 0)
		return NULL;
	return d;
}

/* <user>, and where it is (arxd -t and the start name its line). */
static int
set_user(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct conf_daemon *d = obj;
	int r = conf_set_str(ctx, n, obj, e);

	return r != 0 ? r : conf_where_at(ctx, n, &d->user_where);
}

static int
daemon_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	const struct conf_daemon *d = obj;

	if (!is_plain_name(d->node_name)) {
		conf_err(ctx, n,
		    "<node_name> '%s' must be 1-127 of A-Z a-z "
		    "0-9 - _ .",
		    d->node_name);
		return ARX_ERR_CONFIG;
	}
	if (!is_plain_name(d->user) || strcmp(d->user, "root") == 0) {
		conf_err(ctx, n,
		    "<user> '%s' must be a user name other than root: "
		    "log parsing never runs as root",
		    d->user);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

#define DAEMON_PATH(name, field)                                              \
	{                                                                     \
		name, conf_set_path, conf_dump_str,                           \
		    offsetof(struct conf_daemon, field), 0, 0, CE_PATH, NULL, \
		    NULL                                                      \
	}
#define DAEMON_UINT(name, field, lo, hi)                                       \
	{                                                                      \
		name, conf_set_uint, conf_dump_uint,                           \
		    offsetof(struct conf_daemon, field), lo, hi, 0, NULL, NULL \
	}

static const struct conf_elem daemon_elems[] = {
    DAEMON_PATH("state_dir", state_dir),
    DAEMON_PATH("log_dir", log_dir),
    DAEMON_PATH("active_response_dir", ar_dir),
    DAEMON_PATH("control_socket", control_socket),
    DAEMON_PATH("shared_dir", shared_dir),
    {"node_name", conf_set_str, conf_dump_str,
	offsetof(struct conf_daemon, node_name), 0, 0, 0, NULL, NULL},
    {"user", set_user, conf_dump_str, offsetof(struct conf_daemon, user), 0, 0,
	0, NULL, NULL},
    {"lift_on_stop", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_daemon, lift_on_stop), 0, 0, 0, NULL, NULL},
    {"sandbox", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_daemon, sandbox), 0, 0, 0, NULL, NULL},
    DAEMON_UINT("max_blocks", max_blocks, 1, 10000000),
    DAEMON_UINT("max_history", max_history, 1, 10000000),
    DAEMON_UINT("max_running", max_running, 1, 1024),
    DAEMON_UINT("max_queued", max_queued, 0, 1000000),
};

/* ---- <auth>: enrollment (Wazuh's authd section) ---- */

static void *
auth_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct conf_auth *a = &ctx->conf->auth;

	(void)parent;
	a->present = true;
	if (ctx->last_file == NULL || strcmp(ctx->last_file, n->file) != 0)
		ctx->last_file = conf_strdup(ctx, n->file);
	a->where = (struct conf_where){ctx->last_file, n->line};
	a->port = 1515;
	a->max_clients = 16;
	a->max_per_source = 4;
	return a;
}

static int
auth_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	const struct conf_auth *a = obj;

	(void)ctx;
	if (!a->disabled && a->password_file == NULL)
		log_notice("%s:%u: <auth> without <password_file>: agents "
			   "enroll with one-time tokens only (arx agents "
			   "token); arx never lets a host enroll without a "
			   "secret, as Wazuh's use_password=no does",
		    n->file, n->line);
	return 0;
}

static const struct conf_elem auth_elems[] = {
    {"disabled", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_auth, disabled), 0, 0, 0, NULL, NULL},
    {"port", conf_set_uint, conf_dump_uint, offsetof(struct conf_auth, port), 1,
	65535, 0, NULL, NULL},
    {"local_ip", set_addr_str, conf_dump_str,
	offsetof(struct conf_auth, local_ip), 0, 0, 0, NULL, NULL},
    {"password_file", conf_set_path, conf_dump_str,
	offsetof(struct conf_auth, password_file), 0, 0, CE_PATH, NULL, NULL},
    {"max_clients", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_auth, max_clients), 1, 1024, 0, NULL, NULL},
    {"max_per_source", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_auth, max_per_source), 1, 1024, 0, NULL, NULL},
    /* Wazuh's authd settings arx has no use for (certificates, agent
     * limits, purging): accepted with a notice. */
    IGNORED("use_source_ip"),
    IGNORED("force"),
    IGNORED("force_insert"),
    IGNORED("force_time"),
    IGNORED("purge"),
    IGNORED("use_password"),
    IGNORED("limit_maxagents"),
    IGNORED("ciphers"),
    IGNORED("ssl_agent_ca"),
    IGNORED("ssl_verify_host"),
    IGNORED("ssl_manager_cert"),
    IGNORED("ssl_manager_key"),
    IGNORED("ssl_auto_negotiate"),
    IGNORED("key_request"),
    IGNORED("remote_enrollment"),
    IGNORED("ipv6"),
};

/* ---- <feed>: the blocklist over HTTP (arx only) ---- */

static void *
feed_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct conf_feed *f = &ctx->conf->feed;

	(void)parent;
	if (ctx->last_file == NULL || strcmp(ctx->last_file, n->file) != 0)
		ctx->last_file = conf_strdup(ctx, n->file);
	f->present = true;
	f->where = (struct conf_where){ctx->last_file, n->line};
	f->max_clients = 16;
	f->max_per_source = 4;
	return f;
}

static int
feed_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	const struct conf_feed *f = obj;

	if (f->port == 0 || f->credentials_file == NULL) {
		conf_err(ctx, n, "<feed> needs <port> and <credentials_file>");
		return ARX_ERR_CONFIG;
	}
	if ((f->certificate == NULL) != (f->key == NULL)) {
		conf_err(ctx, n,
		    "<feed> needs both <certificate> and <key>, "
		    "or neither");
		return ARX_ERR_CONFIG;
	}
	return 0;
}

static const struct conf_elem feed_elems[] = {
    {"port", conf_set_uint, conf_dump_uint, offsetof(struct conf_feed, port), 1,
	65535, 0, NULL, NULL},
    {"local_ip", set_addr_str, conf_dump_str,
	offsetof(struct conf_feed, local_ip), 0, 0, 0, NULL, NULL},
    {"credentials_file", conf_set_path, conf_dump_str,
	offsetof(struct conf_feed, credentials_file), 0, 0, CE_PATH, NULL,
	NULL},
    {"certificate", conf_set_path, conf_dump_str,
	offsetof(struct conf_feed, certificate), 0, 0, CE_PATH, NULL, NULL},
    {"key", conf_set_path, conf_dump_str, offsetof(struct conf_feed, key), 0, 0,
	CE_PATH, NULL, NULL},
    {"max_clients", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_feed, max_clients), 1, 1024, 0, NULL, NULL},
    {"max_per_source", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_feed, max_per_source), 1, 1024, 0, NULL, NULL},
};

/* ---- <blocklist>: subscriptions to shared lists (arx only) ---- */

static void *
blocklist_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct arx_conf *conf = ctx->conf;
	struct conf_blocklist *b;

	(void)parent;
	b = conf_item_push(ctx, n, (void **)&conf->blocklists,
	    &conf->nblocklists, &conf->blocklists_cap, sizeof(*b));
	if (b != NULL) {
		b->interval = 3600;
		b->max_entries = 100000;
	}
	return b;
}

/* The list's name names its nftables sets: a letter, then letters,
 * digits, '_' or '-'. */
static int
set_blocklist_name(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const char *t = n->text;
	size_t len = strlen(t);

	if (len == 0 || len > CONF_BLOCKLIST_NAME_MAX ||
	    !islower((unsigned char)t[0]) ||
	    strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len) {
		conf_err(ctx, n,
		    "blocklist name '%s' must be 1-%d lower-case letters, "
		    "digits, '_' or '-', beginning with a letter",
		    t, CONF_BLOCKLIST_NAME_MAX);
		return ARX_ERR_CONFIG;
	}
	return conf_set_str(ctx, n, obj, e);
}

static int
set_blocklist_url(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const char *t = n->text;

	if ((strncmp(t, "http://", 7) != 0 && strncmp(t, "https://", 8) != 0) ||
	    strlen(t) > 2000 || strpbrk(t, " \t\r\n") != NULL) {
		conf_err(
		    ctx, n, "<url> must be an http or https URL, not '%s'", t);
		return ARX_ERR_CONFIG;
	}
	return conf_set_str(ctx, n, obj, e);
}

static const struct conf_kw bl_formats[] = {
    {"plain", BL_FORMAT_PLAIN},
    {"cidr", BL_FORMAT_CIDR},
    {"drop", BL_FORMAT_DROP},
};

static int
set_blocklist_format(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const struct conf_kw *k =
	    conf_kw_find(bl_formats, NELEMS(bl_formats), n->text);

	if (k == NULL)
		return conf_kw_err(
		    ctx, n, n->text, bl_formats, NELEMS(bl_formats));
	*(unsigned *)((char *)obj + e->off) = k->value;
	return 0;
}

static void
dump_blocklist_format(
    struct buf *out, const void *obj, const struct conf_elem *e, int depth)
{
	unsigned v = *(const unsigned *)((const char *)obj + e->off);

	conf_put_elem(out, depth, e->name, bl_formats[v].name);
}

/* Nftables set names are made of the list's name with '-' as '_'. */
static bool
blocklist_same_set(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (*a != *b && !(strchr("-_", *a) && strchr("-_", *b)))
			return false;
	return *a == *b;
}

static int
blocklist_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	const struct conf_blocklist *b = obj;
	const struct arx_conf *conf = ctx->conf;

	if (b->name == NULL)
		return 0; /* the missing <name> is reported on its own */
	if ((b->url == NULL) == (b->file == NULL)) {
		conf_err(ctx, n,
		    "<blocklist> '%s' needs one of <url> or <file>", b->name);
		return ARX_ERR_CONFIG;
	}
	if (b->interval == 0 || conf->nblocklists > CONF_BLOCKLISTS_MAX) {
		conf_err(ctx, n,
		    conf->nblocklists > CONF_BLOCKLISTS_MAX
			? "more than 16 <blocklist> subscriptions"
			: "<blocklist> <interval> must be at least 1s");
		return ARX_ERR_CONFIG;
	}
	for (size_t i = 0; i + 1 < conf->nblocklists; i++)
		if (conf->blocklists[i].name != NULL &&
		    blocklist_same_set(conf->blocklists[i].name, b->name)) {
			conf_err(ctx, n,
			    "blocklist '%s' is already defined at %s:%u",
			    b->name, conf->blocklists[i].where.file,
			    conf->blocklists[i].where.line);
			return ARX_ERR_CONFIG;
		}
	return 0;
}

static const struct conf_elem blocklist_elems[] = {
    {"name", set_blocklist_name, conf_dump_str,
	offsetof(struct conf_blocklist, name), 0, 0, CE_REQUIRED, NULL, NULL},
    {"url", set_blocklist_url, conf_dump_str,
	offsetof(struct conf_blocklist, url), 0, 0, 0, NULL, NULL},
    {"file", conf_set_path, conf_dump_str,
	offsetof(struct conf_blocklist, file), 0, 0, CE_PATH, NULL, NULL},
    {"format", set_blocklist_format, dump_blocklist_format,
	offsetof(struct conf_blocklist, format), 0, 0, 0, NULL, NULL},
    {"interval", conf_set_duration, conf_dump_duration,
	offsetof(struct conf_blocklist, interval), 1, 7u * 86400, 0, NULL,
	NULL},
    {"max_entries", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_blocklist, max_entries), 1, 1000000, 0, NULL,
	NULL},
};

/* ---- <metrics>: the Prometheus endpoint (arx only) ---- */

static void *
metrics_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct conf_metrics *m = &ctx->conf->metrics;

	(void)parent;
	if (ctx->last_file == NULL || strcmp(ctx->last_file, n->file) != 0)
		ctx->last_file = conf_strdup(ctx, n->file);
	m->present = true;
	m->enabled = true;
	m->where = (struct conf_where){ctx->last_file, n->line};
	m->local_ip = conf_strdup(ctx, "127.0.0.1");
	m->port = 9464;
	m->max_clients = 8;
	return m;
}

static const struct conf_elem metrics_elems[] = {
    {"enabled", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_metrics, enabled), 0, 0, 0, NULL, NULL},
    {"local_ip", set_addr_str, conf_dump_str,
	offsetof(struct conf_metrics, local_ip), 0, 0, 0, NULL, NULL},
    {"port", conf_set_uint, conf_dump_uint, offsetof(struct conf_metrics, port),
	1, 65535, 0, NULL, NULL},
    {"max_clients", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_metrics, max_clients), 1, 64, 0, NULL, NULL},
};

/* ---- <cluster>: managers sharing a PostgreSQL database (arx) ---- */

static void *
cluster_open(struct conf_ctx *ctx, const struct xml_node *n, void *parent)
{
	struct conf_cluster *c = &ctx->conf->cluster;

	(void)parent;
	if (ctx->last_file == NULL || strcmp(ctx->last_file, n->file) != 0)
		ctx->last_file = conf_strdup(ctx, n->file);
	*c = (struct conf_cluster){
	    .where = {ctx->last_file, n->line}, .max_queued = 100000};
	return c;
}

/* Wazuh's own <cluster> (no <database>) is accepted and not used. */
static int
cluster_close(struct conf_ctx *ctx, const struct xml_node *n, void *obj)
{
	struct conf_cluster *c = obj;

	if (c->database == NULL) {
		ctx->conf->nignored++;
		log_info("%s:%u: <cluster> without <database> (Wazuh's "
			 "cluster) is accepted and has no effect in arx",
		    n->file, n->line);
		return 0;
	}
	if (c->database[0] == '\0') {
		conf_err(ctx, n, "<database> must not be empty");
		return ARX_ERR_CONFIG;
	}
	if (c->node_name != NULL && !is_plain_name(c->node_name)) {
		conf_err(ctx, n,
		    "<node_name> '%s' must be 1-127 of A-Z a-z 0-9 . _ -",
		    c->node_name);
		return ARX_ERR_CONFIG;
	}
	c->present = true;
	return 0;
}

static const struct conf_elem cluster_elems[] = {
    {"name", conf_set_str, conf_dump_str, offsetof(struct conf_cluster, name),
	0, 0, 0, NULL, NULL},
    {"node_name", conf_set_str, conf_dump_str,
	offsetof(struct conf_cluster, node_name), 0, 0, 0, NULL, NULL},
    {"database", conf_set_str, conf_dump_str,
	offsetof(struct conf_cluster, database), 0, 0, 0, NULL, NULL},
    {"password_file", conf_set_path, conf_dump_str,
	offsetof(struct conf_cluster, password_file), 0, 0, CE_PATH, NULL,
	NULL},
    {"max_queued", conf_set_uint, conf_dump_uint,
	offsetof(struct conf_cluster, max_queued), 100, 10000000, 0, NULL,
	NULL},
    {"disabled", conf_set_bool, conf_dump_bool,
	offsetof(struct conf_cluster, disabled), 0, 0, 0, NULL, NULL},
    /* Wazuh's cluster protocol: arx shares a database instead. */
    IGNORED("node_type"),
    IGNORED("key"),
    IGNORED("port"),
    IGNORED("bind_addr"),
    IGNORED("nodes"),
    IGNORED("hidden"),
};

/* ---- the top level ---- */

#define SECTION(name, elems, open, close)               \
	{                                               \
		name, elems, NELEMS(elems), open, close \
	}

const struct conf_section conf_root_sections[] = {
    SECTION("global", global_elems, global_open, NULL),
    SECTION("alerts", alerts_elems, alerts_open, NULL),
    SECTION("command", command_elems, command_open, command_close),
    SECTION("active-response", ar_elems, ar_open, ar_close),
    SECTION("localfile", localfile_elems, localfile_open, localfile_close),
    SECTION("ruleset", ruleset_elems, ruleset_open, NULL),
    SECTION("remote", remote_elems, remote_open, remote_close),
    SECTION("client", client_elems, client_open, client_close),
    SECTION("client_buffer", client_buffer_elems, client_buffer_open, NULL),
    SECTION("daemon", daemon_elems, daemon_open, daemon_close),
    SECTION("auth", auth_elems, auth_open, auth_close),
    SECTION("feed", feed_elems, feed_open, feed_close),
    SECTION("email_alerts", email_alerts_elems, email_alerts_open,
	email_alerts_close),
    SECTION("blocklist", blocklist_elems, blocklist_open, blocklist_close),
    SECTION("metrics", metrics_elems, metrics_open, NULL),
    SECTION("cluster", cluster_elems, cluster_open, cluster_close),
};
const size_t conf_nroot_sections = NELEMS(conf_root_sections);

/* Sections of OSSEC/Wazuh that arx accepts and does not use. */
const char *const conf_ignored_sections[] = {"syscheck", "rootcheck", "wodle",
    "sca", "vulnerability-detector", "vulnerability-detection", "indexer",
    "labels", "logging", "rule_test", "reports", "integration", "syslog_output",
    "database_output", "agent-upgrade", "task-manager", "sysinfo",
    "anti_tampering", "socket", "gcp-pubsub", "github", "office365", "ms-graph",
    "fluent-forward", "osquery", "syscollector", "cis-cat", "docker-listener",
    "aws-s3", "azure-logs", "open-scap", "upgrade", "command_wodle"};
const size_t conf_nignored_sections = NELEMS(conf_ignored_sections);

/* Resolve <command><precheck>: a command defined in the file, a
 * program (not a built-in) without a precheck of its own. */
static void
conf_precheck_finish(struct conf_ctx *ctx)
{
	struct arx_conf *conf = ctx->conf;
	const struct conf_command *p;
	const char *why = NULL;

	for (size_t i = 0; i < conf->ncommands; i++) {
		struct conf_command *c = &conf->commands[i];

		if (c->precheck == NULL)
			continue;
		if ((p = conf_command_find(conf, c->precheck)) == NULL)
			why = "which no <command> defines";
		else if (p == c || p->precheck != NULL)
			why = "which has a <precheck> of its own";
		else if (p->builtin != CONF_BUILTIN_NONE)
			why = "which is a built-in, not a program";
		if (why != NULL) {
			log_error("%s:%u: command '%s' has <precheck> '%s', %s",
			    c->where.file, c->where.line, c->name, c->precheck,
			    why);
			ctx->nerrors++;
			why = NULL;
			continue;
		}
		c->precheck_idx = (size_t)(p - conf->commands);
	}
}

/* Resolve <active-response><command> against every <command> of the file. */
int
conf_table_finish(struct conf_ctx *ctx)
{
	struct arx_conf *conf = ctx->conf;
	const struct conf_command *cmd;
	struct conf_ar *ar;
	size_t i;

	mail_finish(ctx);
	conf_precheck_finish(ctx);
	for (i = 0; i < conf->nars; i++) {
		ar = &conf->ars[i];
		if ((cmd = conf_command_find(conf, ar->command)) == NULL) {
			log_error("%s:%u: <active-response> uses command '%s', "
				  "which no <command> defines",
			    ar->where.file, ar->where.line, ar->command);
			ctx->nerrors++;
			continue;
		}
		ar->command_idx = (size_t)(cmd - conf->commands);
		if (ar->timeout != 0 && !cmd->timeout_allowed) {
			log_warn("%s:%u: command '%s' does not have "
				 "<timeout_allowed>yes</timeout_allowed>; the "
				 "timeout is ignored",
			    ar->where.file, ar->where.line, ar->command);
			ar->timeout = 0;
		}
	}
	return ctx->nerrors == 0 ? 0 : ARX_ERR_CONFIG;
}
