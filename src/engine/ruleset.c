/*
 * Implementation of ruleset.h. Files are gathered from every directory
 * and include, filtered by the exclusions, and loaded in the order of
 * their base names (strcmp), as Wazuh loads them.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "engine/predecode.h"
#include "engine/ruleset.h"

struct file_list {
	char **paths;
	size_t n, cap;
};

static int
files_add(struct file_list *fl, const char *path)
{
	char **v;

	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 64;
		if ((v = realloc(fl->paths, cap * sizeof(*v))) == NULL)
			return ARX_ERR_NOMEM;
		fl->paths = v;
		fl->cap = cap;
	}
	if ((fl->paths[fl->n] = strdup(path)) == NULL)
		return ARX_ERR_NOMEM;
	fl->n++;
	return 0;
}

static void
files_free(struct file_list *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->paths[i]);
	free(fl->paths);
	fl->paths = NULL;
	fl->n = fl->cap = 0;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int
by_base(const void *a, const void *b)
{
	return strcmp(
	    base_name(*(char *const *)a), base_name(*(char *const *)b));
}

static bool
excluded(const char *path, const struct strvec *ex)
{
	size_t i;

	for (i = 0; ex != NULL && i < ex->n; i++)
		if (strcmp(base_name(ex->v[i]), base_name(path)) == 0)
			return true;
	return false;
}

/*
 * The *.xml files of dir; for lists, every file but *.cdb, down to a few
 * levels of subdirectories (symbolic links to directories are not
 * followed).
 */
static int
files_scan(struct file_list *fl, const char *dir, bool lists, int depth)
{
	struct dirent *e;
	struct stat st;
	char path[4096];
	DIR *d;
	int r = 0;
	size_t len;

	if ((d = opendir(dir)) == NULL) {
		log_error(
		    "%s: cannot read directory: %s", dir, strerror(errno));
		return ARX_ERR_CONFIG;
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (e->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			e->d_name) >= sizeof(path) ||
		    lstat(path, &st) != 0)
			continue;
		if (lists && S_ISDIR(st.st_mode) && depth < 8)
			r = files_scan(fl, path, true, depth + 1);
		else if (S_ISREG(st.st_mode) &&
		    (lists ? !(len > 4 && !strcmp(e->d_name + len - 4, ".cdb"))
			   : (len > 4 && !strcmp(e->d_name + len - 4, ".xml"))))
			r = files_add(fl, path);
	}
	closedir(d);
	return r;
}

/* Load files of one kind, in base-name order. */
static int
load_sorted(struct ruleset *rs, struct file_list *fl, const struct strvec *ex,
    int (*load)(struct ruleset *, const char *))
{
	size_t i;
	int r = 0, r2;

	if (fl->n > 1)
		qsort(fl->paths, fl->n, sizeof(fl->paths[0]), by_base);
	for (i = 0; i < fl->n; i++)
		if (!excluded(fl->paths[i], ex) &&
		    (r2 = load(rs, fl->paths[i])) != 0 && r != ARX_ERR_NOMEM)
			r = r2;
	return r;
}

static int
load_decoders(struct ruleset *rs, const char *path)
{
	return decoder_load_file(rs->decoders, path);
}

static int
load_rules(struct ruleset *rs, const char *path)
{
	return rule_load_file(rs->rules, path);
}

static int
load_list(struct ruleset *rs, const char *path)
{
	return rule_set_load_list(rs->rules, path);
}

static struct ruleset *
ruleset_new(void)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->decoders = decoder_set_new();
	rs->rules = rule_set_new();
	if (rs->decoders == NULL || rs->rules == NULL) {
		ruleset_free(rs);
		return NULL;
	}
	return rs;
}

static int
ruleset_done(struct ruleset *rs, int r, struct ruleset **out)
{
	if (r == 0 && rs->decoders->nall == 0) {
		log_error("no decoders were loaded");
		r = ARX_ERR_CONFIG;
	}
	if (r == 0) {
		decoder_set_finish(rs->decoders);
		if ((r = rule_set_finish(rs->rules)) == 0)
			rule_set_bind(rs->rules, rs->decoders);
	}
	if (r != 0) {
		ruleset_free(rs);
		return r;
	}
	*out = rs;
	return 0;
}

/* Gather kind's files from dirs and single files, load them sorted. */
static int
load_kind(struct ruleset *rs, const struct strvec *dirs,
    const struct strvec *files, const struct strvec *ex, bool lists,
    int (*load)(struct ruleset *, const char *))
{
	struct file_list fl = {0};
	size_t i;
	int r = 0;

	for (i = 0; dirs != NULL && i < dirs->n && r == 0; i++)
		r = files_scan(&fl, dirs->v[i], lists, 0);
	for (i = 0; files != NULL && i < files->n && r == 0; i++)
		r = files_add(&fl, files->v[i]);
	if (r == 0)
		r = load_sorted(rs, &fl, ex, load);
	files_free(&fl);
	return r;
}

int
ruleset_load_conf(const struct conf_ruleset *rc, struct ruleset **out)
{
	struct ruleset *rs;
	int r;

	*out = NULL;
	if ((rs = ruleset_new()) == NULL)
		return ARX_ERR_NOMEM;
	r = load_kind(rs, &rc->decoder_dirs, &rc->decoder_include,
	    &rc->decoder_exclude, false, load_decoders);
	if (r == 0)
		r = load_kind(rs, NULL, &rc->lists, NULL, true, load_list);
	if (r == 0)
		r = load_kind(rs, &rc->rule_dirs, &rc->rule_include,
		    &rc->rule_exclude, false, load_rules);
	return ruleset_done(rs, r, out);
}

int
ruleset_load_dirs(const char *const *dirs, size_t ndirs, struct ruleset **out)
{
	static const char *const kinds[] = {"decoders", "lists", "rules"};
	const char *paths[3][16];
	struct strvec v[3];
	struct stat st;
	char buf[3][16][4096];
	size_t i, k;
	struct ruleset *rs;
	int r;

	*out = NULL;
	if (ndirs > 16)
		return ARX_ERR_TOOBIG;
	for (k = 0; k < 3; k++) {
		v[k].v = paths[k];
		v[k].n = 0;
		for (i = 0; i < ndirs; i++) {
			snprintf(buf[k][i], sizeof(buf[k][i]), "%s/%s", dirs[i],
			    kinds[k]);
			if (k == 0 || stat(buf[k][i], &st) == 0)
				paths[k][v[k].n++] = buf[k][i];
		}
	}
	if ((rs = ruleset_new()) == NULL)
		return ARX_ERR_NOMEM;
	r = load_kind(rs, &v[0], NULL, NULL, false, load_decoders);
	if (r == 0)
		r = load_kind(rs, &v[1], NULL, NULL, true, load_list);
	if (r == 0)
		r = load_kind(rs, &v[2], NULL, NULL, false, load_rules);
	return ruleset_done(rs, r, out);
}

void
ruleset_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	decoder_set_free(rs->decoders);
	rule_set_free(rs->rules);
	free(rs);
}

/* What a limit message adds: how many were held back before it, and,
 * when it is the last one this minute may log, that the next are only
 * counted. */
static void
limit_tail(
    const struct log_limit *l, unsigned long held, char *out, size_t size)
{
	int n = 0;

	if (held > 0)
		n = snprintf(out, size,
		    "; %lu since the last message not "
		    "logged",
		    held);
	if (n >= 0 && (size_t)n < size && l->used == l->burst)
		snprintf(out + n, size - (size_t)n,
		    "; the next ones this minute are only counted (arx status: "
		    "pattern_limits)");
}

/* A pattern gave up at its limit on this event: say whose (at most 10
 * messages a minute; all are counted in scratch->nlimit). */
static void
limit_report(struct pattern_scratch *sc, const struct event *ev, int64_t now)
{
	const struct decoder *d = sc->hit_decoder;
	const struct rule *r = sc->hit_rule;
	unsigned long held;
	char tail[160] = "";

	if (sc->limit_log.burst == 0)
		sc->limit_log = (struct log_limit)LOG_LIMIT_INIT(10, 60000);
	if (!log_limit_pass(&sc->limit_log, now, &held))
		return;
	limit_tail(&sc->limit_log, held, tail, sizeof(tail));
	if (r != NULL)
		log_warn(
		    "rule %u (%s:%u): a pattern gave up at its match limit "
		    "on a line from %s, taken as not matching (%lu so "
		    "far%s)",
		    r->id, r->file ? r->file : "-", r->line,
		    ev->location ? ev->location : "-", sc->nlimit, tail);
	else if (d != NULL)
		log_warn("decoder '%s' (%s:%u): a pattern gave up at its match "
			 "limit on a line from %s, taken as not matching (%lu "
			 "so far%s)",
		    d->name, d->file ? d->file : "-", d->line,
		    ev->location ? ev->location : "-", sc->nlimit, tail);
}

/* A line cut at the length limit: the end of what the writer wrote is
 * gone, and what now ends the line may be text an attacker placed just
 * before the cut ("... from 203.0.113.5 port 22"). Its address is not
 * taken (a session's may still be); the event says it was cut. */
static void
truncated_mark(struct event *ev)
{
	ev->fields[EF_SRCIP] = (struct span){NULL, 0};
	(void)event_set_dyn(ev, "truncated", (struct span){"yes", 3});
}

void
ruleset_prefilters_off(struct ruleset *rs)
{
	decoder_set_prefilters_off(rs->decoders);
	rule_set_prefilters_off(rs->rules);
}

bool
ruleset_analyse(const struct ruleset *rs, struct corr *c, struct event *ev,
    int64_t now_ms, struct pattern_scratch *scratch,
    const struct rule_trace *trace, struct rule_result *res)
{
	struct rule_result local;
	bool decoded;

	unsigned long limited = scratch != NULL ? scratch->nlimit : 0;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof(*res));
	if (predecode(ev) != 0)
		return false;
	decoded = decoder_decode(rs->decoders, ev, scratch);
	if (ev->truncated)
		truncated_mark(ev);
	/* Out of memory there, the line only goes without its session's
	 * help: it is still evaluated. */
	if (c != NULL && decoded)
		(void)session_apply(corr_sessions(c), ev, now_ms);
	if (c != NULL)
		rule_eval(rs->rules, c, ev, now_ms, scratch, trace, res);
	if (scratch != NULL && scratch->nlimit != limited)
		limit_report(scratch, ev, now_ms);
	return decoded;
}

static void
site_emit(struct pattern_site *s, const struct pattern *p, const char *role,
    ruleset_pattern_fn *fn, void *ctx)
{
	if (p->type == PAT_NONE)
		return;
	s->pat = p;
	s->role = role;
	fn(s, ctx);
}

static void
rule_patterns(const struct rule *r, ruleset_pattern_fn *fn, void *ctx)
{
	struct pattern_site s = {
	    .kind = "rule", .id = r->id, .file = r->file, .line = r->line};
	size_t i;

	for (i = 0; i < r->nconds; i++)
		site_emit(&s, &r->conds[i].pat,
		    r->conds[i].name ? r->conds[i].name : "field", fn, ctx);
	for (i = 0; i < r->nlists; i++)
		site_emit(&s, &r->lists[i].check_value, "check_value", fn, ctx);
	site_emit(&s, &r->if_matched_group, "if_matched_group", fn, ctx);
	site_emit(&s, &r->if_matched_regex, "if_matched_regex", fn, ctx);
}

void
ruleset_foreach_pattern(
    const struct ruleset *rs, ruleset_pattern_fn *fn, void *ctx)
{
	size_t i;

	for (i = 0; i < rs->decoders->nall; i++) {
		const struct decoder *d = rs->decoders->all[i];
		struct pattern_site s = {.kind = "decoder",
		    .name = d->name,
		    .file = d->file,
		    .line = d->line};

		site_emit(&s, &d->program_name, "program_name", fn, ctx);
		site_emit(&s, &d->prematch, "prematch", fn, ctx);
		site_emit(&s, &d->regex, "regex", fn, ctx);
	}
	for (i = 0; i < rs->rules->nrules; i++)
		rule_patterns(rs->rules->rules[i], fn, ctx);
}
