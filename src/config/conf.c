/*
 * Loading the configuration: the generic walker that matches XML elements
 * against the section tables of conf_table.c, the generic value setters
 * (string, yes/no, bounded integer, duration, address list), error
 * reporting with file:line and did-you-mean suggestions, and the entry
 * points conf_load() and conf_free().
 */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/conf_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/strparse.h"

#define CONF_MAX_ERRORS 50
#define CONF_MAX_ROWS   64

static const char *const conf_root_names[] = {"ossec_config", "arx_config"};

void
conf_err(struct conf_ctx *ctx, const struct xml_node *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	ctx->nerrors++;
	if (ctx->nerrors > CONF_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s:%u: %s", n->file, n->line, msg);
}

void
conf_warn(const struct xml_node *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("%s:%u: %s", n->file, n->line, msg);
}

const char *
conf_strdup(struct conf_ctx *ctx, const char *s)
{
	return arena_strdup(&ctx->conf->arena, s);
}

void *
conf_vec_push(
    struct conf_ctx *ctx, void **v, size_t *n, size_t *cap, size_t size)
{
	char *nv;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		if ((nv = arena_alloc(&ctx->conf->arena, ncap * size)) == NULL)
			return NULL;
		if (*n > 0)
			memcpy(nv, *v, *n * size);
		*v = nv;
		*cap = ncap;
	}
	nv = (char *)*v + (*n)++ * size;
	memset(nv, 0, size);
	return nv;
}

/*
 * dir/rel in the configuration's arena, with "." and ".." segments resolved
 * lexically (dir is absolute, so the result is too).
 */
void *
conf_item_push(struct conf_ctx *ctx, const struct xml_node *n, void **v,
    size_t *nv, size_t *cap, size_t size)
{
	struct conf_where *w = conf_vec_push(ctx, v, nv, cap, size);

	if (w == NULL || conf_where_at(ctx, n, w) != 0)
		return NULL;
	return w;
}

int
conf_where_at(
    struct conf_ctx *ctx, const struct xml_node *n, struct conf_where *w)
{
	/* The XML document goes away after loading: keep the file name in
	 * the configuration (one copy per file, reused while it repeats). */
	if (ctx->last_file == NULL || strcmp(ctx->last_file, n->file) != 0)
		ctx->last_file = conf_strdup(ctx, n->file);
	if (ctx->last_file == NULL)
		return ARX_ERR_NOMEM;
	w->file = ctx->last_file;
	w->line = n->line;
	return 0;
}

/* The where entries follow the values one for one; a value pushed
 * without one (none is today) leaves the rest without theirs. */
int
conf_strvec_push(struct conf_ctx *ctx, const struct xml_node *n,
    struct strvec *v, const char *s)
{
	const char **slot;
	struct conf_where *w;
	bool aligned = v->nwhere == v->n;

	if (s == NULL ||
	    (slot = conf_vec_push(
		 ctx, (void **)&v->v, &v->n, &v->cap, sizeof(*v->v))) == NULL)
		return ARX_ERR_NOMEM;
	*slot = s;
	if (!aligned)
		return 0;
	w = conf_item_push(
	    ctx, n, (void **)&v->where, &v->nwhere, &v->where_cap, sizeof(*w));
	return w != NULL ? 0 : ARX_ERR_NOMEM;
}

const struct conf_where *
conf_strvec_where(const struct strvec *v, size_t i)
{
	return v->where != NULL && i < v->nwhere && i < v->n ? &v->where[i]
							     : NULL;
}

static const char *
conf_path_join(struct conf_ctx *ctx, const char *rel)
{
	char joined[4096], out[4096], *seg, *save = NULL;
	size_t len = 0;

	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", ctx->conf->dir,
		rel) >= sizeof(joined))
		return NULL;
	out[0] = '\0';
	for (seg = strtok_r(joined, "/", &save); seg != NULL;
	     seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			while (len > 0 && out[--len] != '/')
				;
			out[len] = '\0';
			continue;
		}
		len +=
		    (size_t)snprintf(out + len, sizeof(out) - len, "/%s", seg);
	}
	return conf_strdup(ctx, len > 0 ? out : "/");
}

static const struct conf_elem *
conf_row_find(const struct conf_section *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nelems; i++)
		if (strcmp(s->elems[i].name, name) == 0)
			return &s->elems[i];
	return NULL;
}

static void
conf_unknown(struct conf_ctx *ctx, const struct xml_node *n, const char *where,
    const char *const *names, size_t nnames)
{
	const char *hint = str_suggest(n->name, names, nnames);

	if (hint != NULL)
		conf_err(ctx, n,
		    "unknown element <%s> in %s; did you mean <%s>?", n->name,
		    where, hint);
	else
		conf_err(ctx, n, "unknown element <%s> in %s", n->name, where);
}

static void
conf_row_unknown(struct conf_ctx *ctx, const struct xml_node *n,
    const struct conf_section *s)
{
	const char *names[CONF_MAX_ROWS];
	char where[64];
	size_t i;

	for (i = 0; i < s->nelems && i < CONF_MAX_ROWS; i++)
		names[i] = s->elems[i].name;
	snprintf(where, sizeof(where), "<%s>", s->name);
	conf_unknown(ctx, n, where, names, i);
}

static bool
conf_attrs_ok(
    struct conf_ctx *ctx, const struct xml_node *n, const struct conf_elem *e)
{
	size_t i, j;
	bool ok;

	for (i = 0; i < n->nattrs; i++) {
		ok = false;
		for (j = 0; e != NULL && e->attrs != NULL && e->attrs[j]; j++)
			ok |= strcmp(e->attrs[j], n->attrs[i].name) == 0;
		if (!ok) {
			conf_err(ctx, n, "unknown attribute '%s' on <%s>",
			    n->attrs[i].name, n->name);
			return false;
		}
	}
	return true;
}

/* Element n of section s: find its row, check it, call its setter. */
static void
conf_row_read(struct conf_ctx *ctx, const struct xml_node *n,
    const struct conf_section *s, void *obj, uint64_t *seen)
{
	const struct conf_elem *e = conf_row_find(s, n->name);
	size_t idx;

	if (e == NULL)
		return conf_row_unknown(ctx, n, s);
	idx = (size_t)(e - s->elems);
	if ((*seen >> idx & 1) && !(e->flags & CE_MULTI))
		return conf_err(
		    ctx, n, "<%s> given twice in <%s>", n->name, s->name);
	*seen |= (uint64_t)1 << idx;
	if (!(e->flags & CE_IGNORED) && !conf_attrs_ok(ctx, n, e))
		return;
	if (e->set != conf_set_sub && e->set != conf_set_ignored &&
	    n->child != NULL)
		return conf_err(
		    ctx, n, "<%s> takes a value, not elements", n->name);
	(void)e->set(ctx, n, obj, e);
}

int
conf_section_read(struct conf_ctx *ctx, const struct xml_node *n,
    const struct conf_section *s, void *obj)
{
	const struct xml_node *c;
	uint64_t seen = 0;
	unsigned before = ctx->nerrors;
	size_t i;

	for (c = n->child; c != NULL; c = c->next)
		conf_row_read(ctx, c, s, obj, &seen);
	for (i = 0; i < s->nelems; i++)
		if ((s->elems[i].flags & CE_REQUIRED) && !(seen >> i & 1))
			conf_err(ctx, n, "<%s> needs <%s>", s->name,
			    s->elems[i].name);
	if (ctx->nerrors == before && s->close != NULL)
		return s->close(ctx, n, obj);
	return ctx->nerrors == before ? 0 : ARX_ERR_CONFIG;
}

int
conf_set_sub(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	void *sub = e->sub->open(ctx, n, obj);

	if (sub == NULL) {
		conf_err(ctx, n, "out of memory");
		return ARX_ERR_NOMEM;
	}
	return conf_section_read(ctx, n, e->sub, sub);
}

int
conf_set_ignored(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	(void)obj, (void)e;
	ctx->conf->nignored++;
	log_info("%s:%u: <%s> is accepted for compatibility and has no effect "
		 "in arx",
	    n->file, n->line, n->name);
	return 0;
}

int
conf_set_str(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const char **field = (const char **)((char *)obj + e->off);

	if ((e->flags & CE_REQUIRED) && n->text[0] == '\0') {
		conf_err(ctx, n, "<%s> must not be empty", n->name);
		return ARX_ERR_CONFIG;
	}
	*field = conf_strdup(ctx, n->text);
	return *field != NULL ? 0 : ARX_ERR_NOMEM;
}

int
conf_set_path(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	const char **field = (const char **)((char *)obj + e->off);

	if (n->text[0] == '\0') {
		conf_err(ctx, n, "<%s> must not be empty", n->name);
		return ARX_ERR_CONFIG;
	}
	if (n->text[0] != '/')
		*field = conf_path_join(ctx, n->text);
	else
		*field = conf_strdup(ctx, n->text);
	return *field != NULL ? 0 : ARX_ERR_NOMEM;
}

int
conf_set_strvec(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct strvec *v = (struct strvec *)((char *)obj + e->off);

	if (n->text[0] == '\0') {
		conf_err(ctx, n, "<%s> must not be empty", n->name);
		return ARX_ERR_CONFIG;
	}
	return conf_strvec_push(ctx, n, v,
	    (e->flags & CE_PATH) && n->text[0] != '/'
		? conf_path_join(ctx, n->text)
		: conf_strdup(ctx, n->text));
}

int
conf_set_bool(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	bool *field = (bool *)((char *)obj + e->off);

	if (str_to_bool(n->text, field) != 0) {
		conf_err(ctx, n, "<%s> must be yes or no, not '%s'", n->name,
		    n->text);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

int
conf_set_uint(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	unsigned *field = (unsigned *)((char *)obj + e->off);
	uint64_t v;

	if (str_to_uint(n->text, e->min, e->max, &v) != 0) {
		conf_err(ctx, n,
		    "<%s> must be a whole number from %llu to "
		    "%llu, not '%s'",
		    n->name, (unsigned long long)e->min,
		    (unsigned long long)e->max, n->text);
		return ARX_ERR_CONFIG;
	}
	*field = (unsigned)v;
	return 0;
}

int
conf_set_duration(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	uint64_t *field = (uint64_t *)((char *)obj + e->off);
	char max[32];

	if (str_to_duration(n->text, e->min, e->max, field) != 0) {
		str_format_duration(max, sizeof(max), e->max);
		conf_err(ctx, n,
		    "<%s> must be a duration such as %s or "
		    "30s, 10m, 2h, 1d (at most %s), not '%s'",
		    n->name, e->min == 60 ? "30 (minutes)" : "600 (seconds)",
		    max, n->text);
		return ARX_ERR_CONFIG;
	}
	return 0;
}

int
conf_set_cidrvec(struct conf_ctx *ctx, const struct xml_node *n, void *obj,
    const struct conf_elem *e)
{
	struct cidrvec *v = (struct cidrvec *)((char *)obj + e->off);
	struct arx_cidr c, *slot;

	if (cidr_parse(n->text, &c) != 0) {
		conf_err(ctx, n,
		    "<%s> must be an IPv4 or IPv6 address or "
		    "CIDR block, not '%s'",
		    n->name, n->text);
		return ARX_ERR_CONFIG;
	}
	slot =
	    conf_vec_push(ctx, (void **)&v->v, &v->n, &v->cap, sizeof(*v->v));
	if (slot == NULL)
		return ARX_ERR_NOMEM;
	*slot = c;
	return 0;
}

static void
conf_unknown_section(struct conf_ctx *ctx, const struct xml_node *n)
{
	const char *names[CONF_MAX_ROWS];
	size_t i, k = 0;

	for (i = 0; i < conf_nroot_sections && k < CONF_MAX_ROWS; i++)
		names[k++] = conf_root_sections[i].name;
	for (i = 0; i < conf_nignored_sections && k < CONF_MAX_ROWS; i++)
		names[k++] = conf_ignored_sections[i];
	conf_unknown(ctx, n, "the configuration", names, k);
}

/* The root section named name; NULL when there is none. */
const struct conf_section *
conf_root_section(const char *name)
{
	for (size_t i = 0; i < conf_nroot_sections; i++)
		if (strcmp(conf_root_sections[i].name, name) == 0)
			return &conf_root_sections[i];
	return NULL;
}

bool
conf_section_ignored(const char *name)
{
	for (size_t i = 0; i < conf_nignored_sections; i++)
		if (strcmp(conf_ignored_sections[i], name) == 0)
			return true;
	return false;
}

static void
conf_root_read(struct conf_ctx *ctx, const struct xml_node *root)
{
	const struct xml_node *n;
	const struct conf_section *s;

	for (n = root->child; n != NULL; n = n->next) {
		if ((s = conf_root_section(n->name)) != NULL) {
			void *obj = s->open(ctx, n, ctx->conf);
			if (obj == NULL)
				conf_err(ctx, n, "out of memory");
			else
				(void)conf_section_read(ctx, n, s, obj);
			continue;
		}
		if (conf_section_ignored(n->name)) {
			(void)conf_set_ignored(ctx, n, NULL, NULL);
			continue;
		}
		conf_unknown_section(ctx, n);
	}
}

static int
conf_doc_read(struct conf_ctx *ctx, const struct xml_doc *doc)
{
	const struct xml_node *n;
	const char *hint;
	bool any = false;

	for (n = doc->root.child; n != NULL; n = n->next) {
		if (strcmp(n->name, conf_root_names[0]) == 0 ||
		    strcmp(n->name, conf_root_names[1]) == 0) {
			any = true;
			conf_root_read(ctx, n);
			continue;
		}
		hint = str_suggest(n->name, conf_root_names, 2);
		conf_err(ctx, n,
		    "unknown top-level element <%s>; expected "
		    "<ossec_config> or <arx_config>%s%s%s",
		    n->name, hint ? " (did you mean <" : "", hint ? hint : "",
		    hint ? ">?)" : "");
	}
	if (!any && ctx->nerrors == 0)
		log_error(
		    "%s: no <ossec_config> or <arx_config> element", doc->file);
	if (!any)
		ctx->nerrors++;
	if (ctx->nerrors == 0)
		(void)conf_table_finish(ctx);
	return ctx->nerrors == 0 ? 0 : ARX_ERR_CONFIG;
}

/* Absolute directory of path (the working directory if path has none). */
static const char *
conf_base_dir(struct arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir, *abs;
	const char *r;

	if (slash == path)
		return arena_strdup(a, "/");
	dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
	abs = dir ? realpath(dir, NULL) : NULL;
	r = arena_strdup(a, abs ? abs : (dir ? dir : "."));
	free(abs);
	free(dir);
	return r;
}

/* Host name as a node name, or "localhost" if it has other characters. */
static const char *
conf_node_name(struct arena *a)
{
	char host[128] = "";

	if (gethostname(host, sizeof(host) - 1) != 0 ||
	    !str_is_name(host, strlen(host)))
		snprintf(host, sizeof(host), "localhost");
	return arena_strdup(a, host);
}

/* The directory of the running program, into dir; false if unknown. */
static bool
exe_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	char *slash;

	if (n <= 0)
		return false;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return false;
	*slash = '\0';
	return true;
}

/* Whether a and b name the same directory. */
static bool
same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && S_ISDIR(sa.st_mode) &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Where the stock response programs are unless <active_response_dir>
 * says. A program run from the directory the build put it in
 * (ARX_BUILD_BIN_DIR): that directory, where the build puts them too,
 * so the shipped configuration works from the source tree (arxd -t,
 * make demo). An installed one: <its directory>/../lib/arx/active-
 * response/bin when that exists (an install under any prefix), else
 * where the configured prefix puts them (ARX_AR_DIR).
 */
static const char *
conf_ar_dir_default(struct arena *a)
{
	char exe[4096], rel[4200], real[PATH_MAX];

	if (!exe_dir(exe, sizeof(exe)))
		return ARX_AR_DIR;
#ifdef ARX_BUILD_BIN_DIR
	if (same_dir(exe, ARX_BUILD_BIN_DIR))
		return arena_strdup(a, exe);
#endif
	snprintf(rel, sizeof(rel), "%s/../lib/arx/active-response/bin", exe);
	if (realpath(rel, real) != NULL && same_dir(real, real) &&
	    !same_dir(real, ARX_AR_DIR))
		return arena_strdup(a, real);
	return ARX_AR_DIR;
}

static int
conf_daemon_defaults(struct arx_conf *conf)
{
	struct conf_daemon *d = &conf->daemon;

	d->state_dir = "/var/lib/arx";
	d->log_dir = "/var/log/arx";
	if ((d->ar_dir = conf_ar_dir_default(&conf->arena)) == NULL)
		return ARX_ERR_NOMEM;
	d->control_socket = "/run/arx/control.sock";
	d->user = "arx";
	d->sandbox = true;
	d->max_blocks = 1000000;
	d->max_history = 1000000;
	d->max_running = 16;
	d->max_queued = 4096;
	d->node_name = conf_node_name(&conf->arena);
	return d->node_name != NULL ? 0 : ARX_ERR_NOMEM;
}

/* <shared_dir> unless set: "shared" beside the configuration file. */
static const char *
conf_shared_default(struct arx_conf *conf)
{
	size_t n = strlen(conf->dir) + sizeof("/shared");
	char *s = arena_alloc(&conf->arena, n);

	if (s != NULL)
		snprintf(s, n, "%s%sshared", conf->dir,
		    strcmp(conf->dir, "/") == 0 ? "" : "/");
	return s != NULL ? s : "shared";
}

struct arx_conf *
conf_new(const char *path)
{
	struct arx_conf *conf = calloc(1, sizeof(*conf));

	if (conf == NULL)
		return NULL;
	arena_init(&conf->arena, 16 * 1024, 0);
	conf->alerts.log_alert_level = 1;
	conf->alerts.email_alert_level = CONF_EMAIL_ALERT_LEVEL_DEFAULT;
	conf->global.email_maxperhour = CONF_EMAIL_MAXPERHOUR_DEFAULT;
	conf->global.max_age = CONF_MAX_AGE_DEFAULT;
	conf->client_buffer.queue_size = 200000;
	conf->client_buffer.queue_mib = 64;
	if (conf_daemon_defaults(conf) != 0 ||
	    (conf->path = arena_strdup(&conf->arena, path)) == NULL ||
	    (conf->dir = conf_base_dir(&conf->arena, path)) == NULL) {
		conf_free(conf);
		return NULL;
	}
	conf->daemon.shared_dir = conf_shared_default(conf);
	return conf;
}

static int
conf_from_doc(
    const char *path, const struct xml_doc *doc, struct arx_conf **out)
{
	struct conf_ctx ctx = {0};
	int r;

	if ((ctx.conf = conf_new(path)) == NULL)
		return ARX_ERR_NOMEM;
	r = conf_doc_read(&ctx, doc);
	if (ctx.nerrors > CONF_MAX_ERRORS)
		log_error("%s: %u more errors not shown", path,
		    ctx.nerrors - CONF_MAX_ERRORS);
	if (r != 0) {
		conf_free(ctx.conf);
		return r;
	}
	*out = ctx.conf;
	return 0;
}

int
conf_load(const char *path, struct arx_conf **out)
{
	struct xml_doc *doc;
	int r;

	*out = NULL;
	if ((r = xml_read_file(path, &doc)) != 0) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			log_error("no configuration at %s: make install (or "
				  "the package) puts the shipped one there, "
				  "-c names another",
			    path);
		return r == ARX_ERR_NOMEM ? r : ARX_ERR_CONFIG;
	}
	r = conf_from_doc(path, doc, out);
	xml_doc_free(doc);
	return r;
}

int
conf_load_mem(
    const char *name, const char *text, size_t len, struct arx_conf **out)
{
	struct xml_doc *doc;
	int r;

	*out = NULL;
	if ((r = xml_read_mem(name, text, len, &doc)) != 0)
		return r == ARX_ERR_NOMEM ? r : ARX_ERR_CONFIG;
	r = conf_from_doc(name, doc, out);
	xml_doc_free(doc);
	return r;
}

void
conf_free(struct arx_conf *conf)
{
	if (conf == NULL)
		return;
	arena_release(&conf->arena);
	free(conf);
}

const struct conf_command *
conf_command_find(const struct arx_conf *conf, const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < conf->ncommands; i++) /* a broken one has no name */
		if (conf->commands[i].name != NULL &&
		    strcmp(conf->commands[i].name, name) == 0)
			return &conf->commands[i];
	return NULL;
}

bool
conf_cluster_on(const struct arx_conf *conf)
{
	return conf->cluster.present && !conf->cluster.disabled;
}

const char *
conf_cluster_node(const struct arx_conf *conf)
{
	return conf->cluster.node_name != NULL ? conf->cluster.node_name
					       : conf->daemon.node_name;
}
