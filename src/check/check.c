/*
 * arxd -t (check.h). Each check logs what it finds with the file:line
 * of the element; the problems are the errors logged meanwhile, those
 * of the start's own code included. Owns nothing beyond one call: the
 * probe dispatcher, the ruleset and the filtered path lists are freed
 * before arxd_check() returns.
 */
#include <sys/stat.h>
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ar/dispatch.h"
#include "check/check.h"
#include "core/err.h"
#include "core/log.h"
#include "core/osregex.h"
#include "core/secretfile.h"
#include "daemon/child.h"
#include "daemon/run.h"
#include "engine/ruleset.h"
#include "transport/keys.h"
#include "transport/tls.h"

struct check {
	const struct arx_conf *conf;
	bool analysis;    /* the analysis child would run */
	bool ruleset_cut; /* some ruleset path is missing */
	char where[4200]; /* the last where_of() */
};

/* "file:line" of w, or the configuration's name when w is unknown. */
static const char *
where_of(struct check *c, const struct conf_where *w)
{
	if (w != NULL && w->file != NULL)
		snprintf(c->where, sizeof(c->where), "%s:%u", w->file, w->line);
	else
		snprintf(c->where, sizeof(c->where), "%s", c->conf->path);
	return c->where;
}

/* ---- <daemon>: directories the start creates, <user> ---- */

/* path must be a directory, or one the start can make (mkdir, one
 * level: its parent exists). */
static void
check_dir(struct check *c, const char *elem, const char *path)
{
	char parent[4096], *slash;
	struct stat st;
	int err;

	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			log_error("%s: <daemon><%s> %s is not a directory",
			    where_of(c, &c->conf->daemon.where), elem, path);
		return;
	}
	err = errno;
	snprintf(parent, sizeof(parent), "%s", path);
	if ((slash = strrchr(parent, '/')) == parent)
		parent[1] = '\0'; /* "/x": its parent is "/" */
	else if (slash != NULL)
		*slash = '\0';
	if (err == ENOENT && stat(parent, &st) == 0 && S_ISDIR(st.st_mode))
		return; /* the start makes it */
	log_error("%s: <daemon><%s> %s cannot be made: %s",
	    where_of(c, &c->conf->daemon.where), elem, path,
	    err == ENOENT ? "its parent directory does not exist"
			  : strerror(err));
}

static void
check_daemon(struct check *c)
{
	const struct conf_daemon *d = &c->conf->daemon;
	char sockdir[4096], *slash;
	struct child_user u;

	check_dir(c, "state_dir", d->state_dir);
	check_dir(c, "log_dir", d->log_dir);
	snprintf(sockdir, sizeof(sockdir), "%s", d->control_socket);
	if ((slash = strrchr(sockdir, '/')) != NULL && slash != sockdir) {
		*slash = '\0';
		check_dir(c, "control_socket", sockdir);
	}
	if (!c->analysis)
		return;
	if (geteuid() == 0) {
		(void)child_user_lookup(c->conf, &u); /* logs what is wrong */
		return;
	}
	if (getpwnam(d->user) == NULL)
		log_warn("%s: user '%s' (<daemon><user>) does not exist: "
			 "arxd started as root would refuse to start",
		    where_of(c, &d->user_where), d->user);
}

/* ---- responses: the dispatcher's own vetting ---- */

/* A dispatcher built as the start builds it, without journal or
 * log: every program an enabled response uses is vetted (owner, mode,
 * place) and every <rules_group> compiled, each refusal logged. */
static void
check_responses(struct check *c)
{
	struct ar_dispatch_opts o = {.conf = c->conf, .clock = clock_real()};
	struct ar_dispatch *d = NULL;
	unsigned long before = log_count(LOG_LVL_ERROR);
	int r;

	if ((o.loop = evloop_new(clock_real())) == NULL) {
		log_error("cannot make an event loop: out of memory");
		return;
	}
	r = ar_dispatch_new(&o, &d);
	if (r != 0 && log_count(LOG_LVL_ERROR) == before)
		log_error("%s: the responses cannot be set up: %s",
		    c->conf->path, arx_strerror(r));
	ar_dispatch_free(d);
	evloop_free(o.loop);
}

/* ---- <ruleset> ---- */

/* Why path cannot be a <ruleset> directory (dir) or file, or NULL. */
static const char *
path_refusal(const char *path, bool dir)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno == ENOENT ? "does not exist" : strerror(errno);
	if (dir && !S_ISDIR(st.st_mode))
		return "is not a directory";
	if (!dir && !S_ISREG(st.st_mode))
		return "is not a regular file";
	return NULL;
}

/* The entries of v that exist (in out, its array malloc'd); those that
 * do not are logged with their line. */
static int
keep_existing(struct check *c, const struct strvec *v, const char *elem,
    bool dir, struct strvec *out)
{
	const char *why;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (v->n > 0 && (out->v = calloc(v->n, sizeof(*out->v))) == NULL)
		return ARX_ERR_NOMEM;
	for (i = 0; i < v->n; i++) {
		if ((why = path_refusal(v->v[i], dir)) == NULL) {
			out->v[out->n++] = v->v[i];
			continue;
		}
		log_error("%s: <%s> %s %s",
		    where_of(c, conf_strvec_where(v, i)), elem, v->v[i], why);
		c->ruleset_cut = true;
	}
	return 0;
}

/* The ruleset as a start loads it (ruleset_load_conf()), less the
 * paths that are missing (each reported), so the rest is checked. */
static struct ruleset *
check_ruleset(struct check *c)
{
	const struct conf_ruleset *rc = &c->conf->ruleset;
	struct conf_ruleset cut = *rc;
	unsigned long before = log_count(LOG_LVL_ERROR);
	struct ruleset *rs = NULL;
	int r;

	if ((r = keep_existing(c, &rc->decoder_dirs, "decoder_dir", true,
		 &cut.decoder_dirs)) == 0 &&
	    (r = keep_existing(
		 c, &rc->rule_dirs, "rule_dir", true, &cut.rule_dirs)) == 0 &&
	    (r = keep_existing(c, &rc->lists, "list", false, &cut.lists)) ==
		0 &&
	    (r = keep_existing(c, &rc->decoder_include, "decoder_include",
		 false, &cut.decoder_include)) == 0 &&
	    (r = keep_existing(c, &rc->rule_include, "rule_include", false,
		 &cut.rule_include)) == 0)
		r = ruleset_load_conf(&cut, &rs);
	if (r != 0 && log_count(LOG_LVL_ERROR) == before)
		log_error("%s: the ruleset does not load: %s", c->conf->path,
		    arx_strerror(r));
	free(cut.decoder_dirs.v);
	free(cut.rule_dirs.v);
	free(cut.lists.v);
	free(cut.decoder_include.v);
	free(cut.rule_include.v);
	return rs;
}

/* ---- <active-response>: rules_id and rules_group ---- */

static void
check_rule_ids(
    struct check *c, const struct conf_ar *ar, const struct ruleset *rs)
{
	const struct strvec *ids = &ar->rules_id;
	const struct conf_where *w;
	size_t i;

	for (i = 0; i < ids->n; i++) {
		if (rule_find(rs->rules,
			(unsigned)strtoul(ids->v[i], NULL, 10)) != NULL)
			continue;
		w = conf_strvec_where(ids, i);
		log_error("%s: <rules_id> %s: the ruleset has no rule with "
			  "this id",
		    where_of(c, w != NULL ? w : &ar->where), ids->v[i]);
	}
}

/* A <rules_group> that no rule's groups match binds nothing: said,
 * but not an error (a ruleset may come to have such rules). */
static void
check_rules_group(
    struct check *c, const struct conf_ar *ar, const struct ruleset *rs)
{
	const struct rule_set *rules = rs->rules;
	struct osregex *re;
	char err[256];
	size_t i;

	re = osregex_compile(ar->rules_group, false, err, sizeof(err));
	if (re == NULL)
		return; /* the dispatcher said why */
	for (i = 0; i < rules->nrules; i++) {
		const char *g = rules->rules[i]->groups;

		if (g != NULL && osregex_exec(re, g, strlen(g), NULL))
			break;
	}
	if (i == rules->nrules)
		log_warn("%s: <rules_group> %s matches the groups of no rule "
			 "of the ruleset",
		    where_of(c, &ar->where), ar->rules_group);
	osregex_free(re);
}

static void
check_bindings(struct check *c, const struct ruleset *rs)
{
	size_t i;

	if (rs == NULL || c->ruleset_cut) {
		log_notice("%s: rule ids and groups not checked: the ruleset "
			   "did not load whole",
		    c->conf->path);
		return;
	}
	for (i = 0; i < c->conf->nars; i++) {
		const struct conf_ar *ar = &c->conf->ars[i];

		if (ar->disabled || ar->command == NULL)
			continue;
		check_rule_ids(c, ar, rs);
		if (ar->rules_group != NULL)
			check_rules_group(c, ar, rs);
	}
}

/* ---- <localfile>: a file yet, or arxd waits for it ---- */

/* Today's name of a <location> with strftime conversions, as the
 * analysis follows it. */
static const char *
dated(const char *location, char *out, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return strftime(out, size, location, &tm) > 0 ? out : location;
#pragma GCC diagnostic pop
}

static void
check_localfile(struct check *c, const struct conf_localfile *lf)
{
	char today[4096];
	const char *path = lf->location;
	struct stat st;
	glob_t g;

	if (lf->format == LOG_FORMAT_JOURNALD || path[0] != '/')
		return;
	if (strchr(path, '%') != NULL)
		path = dated(path, today, sizeof(today));
	if (strpbrk(path, "*?[") != NULL) {
		if (glob(path, GLOB_NOSORT, NULL, &g) != 0)
			log_notice("%s: <location> %s matches no file yet: "
				   "arxd takes the files as they appear",
			    where_of(c, &lf->where), path);
		else
			globfree(&g);
		return;
	}
	if (stat(path, &st) != 0)
		log_notice("%s: <location> %s does not exist (yet): arxd waits "
			   "for it",
		    where_of(c, &lf->where), path);
	else if (!S_ISREG(st.st_mode))
		log_warn("%s: <location> %s is not a regular file",
		    where_of(c, &lf->where), path);
}

/* ---- files the analysis child reads at its start ---- */

/* Read as the start reads them (the same functions, their errors
 * logged), secrets wiped at once. */
static void
check_files(struct check *c)
{
	const struct arx_conf *conf = c->conf;
	struct agent_keys ks = {0};
	char cred[512], line[1024], path[4200];

	if (conf->auth.present && !conf->auth.disabled &&
	    conf->auth.password_file != NULL) {
		(void)secretfile_read(conf->auth.password_file,
		    "<auth> password file", line, sizeof(line));
		explicit_bzero(line, sizeof(line));
	}
	if (conf->feed.present) {
		(void)secretfile_read_cred(conf->feed.credentials_file,
		    "<feed> credentials file", cred, sizeof(cred));
		explicit_bzero(cred, sizeof(cred));
	}
	if (conf->feed.present && conf->feed.certificate != NULL)
		tls_ctx_free(tls_ctx_server_cert(
		    "<feed>", conf->feed.certificate, conf->feed.key));
	if (!conf->client.present)
		return;
	snprintf(path, sizeof(path), "%s/agent.key", conf->daemon.state_dir);
	if (keys_load(path, &ks) != 0 || ks.n != 1)
		log_error("%s: <client>: %s holds no agent id and key (run arx "
			  "agent enroll)",
		    where_of(c,
			conf->client.nservers > 0
			    ? &conf->client.servers[0].where
			    : NULL),
		    path);
	keys_release(&ks);
}

/* <cluster>: for a manager (a secure <remote>), its password readable
 * as the start reads it. */
static void
check_cluster(struct check *c)
{
	const struct conf_cluster *cl = &c->conf->cluster;
	bool manager = false;
	char line[1024];

	if (!conf_cluster_on(c->conf))
		return;
	for (size_t i = 0; i < c->conf->nremotes; i++)
		manager |= c->conf->remotes[i].connection == REMOTE_SECURE;
	if (c->conf->client.present)
		log_error("%s: <cluster> is for managers, and this host is an "
			  "agent (<client>)",
		    where_of(c, &cl->where));
	else if (!manager)
		log_warn("%s: <cluster> without a secure <remote>: this host "
			 "has no agents to share, and takes no part in it",
		    where_of(c, &cl->where));
	if (cl->password_file != NULL) {
		(void)secretfile_read(cl->password_file,
		    "<cluster> password file", line, sizeof(line));
		explicit_bzero(line, sizeof(line));
	}
}

unsigned
arxd_check(const struct arx_conf *conf)
{
	struct check c = {
	    .conf = conf, .analysis = arxd_has_analysis(conf, false)};
	unsigned long before = log_count(LOG_LVL_ERROR);
	struct ruleset *rs;
	size_t i;

	check_daemon(&c);
	check_responses(&c);
	check_cluster(&c);
	if (c.analysis) {
		rs = check_ruleset(&c);
		check_bindings(&c, rs);
		ruleset_free(rs);
		check_files(&c);
		for (i = 0; i < conf->nlocalfiles; i++)
			check_localfile(&c, &conf->localfiles[i]);
	}
	return (unsigned)(log_count(LOG_LVL_ERROR) - before);
}
