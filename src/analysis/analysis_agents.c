/*
 * arxd's analysis side (analysis_int.h): the manager and the agent.
 * Agents' connections (<remote> secure), enrollment (<auth>), the feed,
 * an agent's uplink and the agent.conf its manager pushes.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert/writer.h"
#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "analysis/dupcheck.h"
#include "analysis/enrollsrv.h"
#include "analysis/feed.h"
#include "analysis/lineclock.h"
#include "analysis/remote.h"
#include "analysis/shared.h"
#include "analysis/uplink.h"
#include "ar/policy.h"
#include "core/err.h"
#include "core/log.h"
#include "core/osregex.h"
#include "core/statefile.h"
#include "core/strparse.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/ruleset.h"
#include "logsrc/dgram.h"
#include "logsrc/file.h"
#include "logsrc/journal.h"
#include "logsrc/lines.h"
#include "logsrc/tcp.h"
#include "pipeline/step.h"

/* ---- agents (<remote><connection>secure) ---- */

static void
on_agent_line(const char *line, size_t len, const char *loc, void *ctx)
{
	an_analyse(ctx, line, len, loc, NULL);
}

static int
remote_add(struct analysis *a, const struct conf_remote *r)
{
	if (a->remote != NULL) {
		log_error("%s:%u: one <remote> secure at most", r->where.file,
		    r->where.line);
		return ARX_ERR_CONFIG;
	}
	return remote_start(a->loop, r, a->conf->daemon.node_name,
	    a->conf->daemon.shared_dir, a->pos_dir, on_agent_line, a,
	    &a->remote);
}

int
an_listeners_start(struct analysis *a)
{
	size_t i;
	int rc;

	for (i = 0; i < a->conf->nremotes; i++) {
		const struct conf_remote *r = &a->conf->remotes[i];

		if (r->connection == REMOTE_SECURE) {
			if ((rc = remote_add(a, r)) != 0)
				return rc;
			continue;
		}
		if ((r->socket != NULL || (r->protocol & CONF_PROTO_UDP)) &&
		    (rc = an_listener_add(a, r)) != 0)
			return rc;
		if ((r->protocol & CONF_PROTO_TCP) &&
		    (rc = an_tcp_add(a, r)) != 0)
			return rc;
	}
	return 0;
}

/* ---- enrollment (<auth>) ---- */

static void
on_manager_response(const char *command, const char *action,
    const char *address, uint64_t timeout_s, unsigned rule_id, void *ctx)
{
	struct analysis *a = ctx;
	struct priv_response r = {.target = PRIV_HERE,
	    .agent = "",
	    .command = command,
	    .action = action,
	    .address = address,
	    .timeout_s = timeout_s,
	    .rule_id = rule_id,
	    .alert_id = ""};

	if (a->relay != NULL)
		a->relay(&r, a->relay_ctx);
}

/* ---- agent.conf (an agent): the manager's push ---- */

static bool
agent_match(const char *pattern, const char *subject)
{
	char err[256];
	struct osmatch *m = osmatch_compile(pattern, err, sizeof(err));
	bool r;

	if (m == NULL) {
		log_warn("agent.conf: pattern '%s': %s", pattern, err);
		return false;
	}
	r = osmatch_exec(m, subject, strlen(subject));
	osmatch_free(m);
	return r;
}

struct profile_ctx {
	const char *pattern;
};

static int
profile_one(void *p, const char *item)
{
	return agent_match(((struct profile_ctx *)p)->pattern, item) ? 1 : 0;
}

/* Whether any of the comma-separated profiles matches pattern. */
static bool
profile_match(const char *pattern, const char *profiles)
{
	struct profile_ctx pc = {pattern};

	return str_split_list(profiles, profile_one, &pc) == 1;
}

/* Which <agent_config> blocks are this agent's: each attribute given
 * must match (OS_Match) its name, its uname, one of its profiles. */
static bool
shared_select(const char *name, const char *os, const char *profile, void *ctx)
{
	struct analysis *a = ctx;
	struct utsname u;
	char uts[5 * 65 + 8];

	if (name != NULL && !agent_match(name, uplink_name(a->uplink)))
		return false;
	if (os != NULL) {
		if (uname(&u) != 0)
			return false;
		snprintf(uts, sizeof(uts), "%s %s %s %s %s", u.sysname,
		    u.nodename, u.release, u.version, u.machine);
		if (!agent_match(os, uts))
			return false;
	}
	return profile == NULL ||
	    (a->conf->client.config_profile != NULL &&
		profile_match(profile, a->conf->client.config_profile));
}

/* Parse and check a push; NULL with why filled when it is refused. */
static struct arx_conf *
shared_parse(
    struct analysis *a, const char *text, size_t len, char *why, size_t whysize)
{
	struct arx_conf *c;

	if (conf_load_shared(SHARED_FILE, text, len, shared_select, a, &c, why,
		whysize) != 0)
		return NULL;
	for (size_t i = 0; i < c->nlocalfiles; i++) {
		const struct conf_localfile *lf = &c->localfiles[i];

		if (lf->format != LOG_FORMAT_JOURNALD)
			continue;
		snprintf(why, whysize,
		    "%s:%u: a journald <localfile> is set in the agent's own "
		    "configuration, not through agent.conf",
		    lf->where.file, lf->where.line);
		conf_free(c);
		return NULL;
	}
	return c;
}

/* Write the applied text to the analysis directory (temporary, fsync,
 * rename), so it is in force again after a restart. */
static int
shared_save(struct analysis *a, const char *text, size_t len)
{
	return statefile_replace(a->pos_dir, SHARED_FILE, text, len,
	    &(struct statefile_opts){.mode = 0600, .sync = STATEFILE_FILE});
}

/* Put c in force: the files of the push before it are let go (their
 * positions saved), those of c followed. */
static void
shared_swap(struct analysis *a, struct arx_conf *c)
{
	struct arx_conf *old = a->shared;
	size_t i;

	an_positions_save(a);
	for (i = 0; old != NULL && i < a->nsrc; i++) {
		const struct conf_localfile *lf = a->src[i]->lf;

		if (lf < old->localfiles ||
		    lf >= old->localfiles + old->nlocalfiles)
			continue;
		an_poll_to_end(a->src[i]->f);
		log_notice("%s: no longer followed (agent.conf changed)",
		    a->src[i]->path);
		an_source_free(a->src[i]);
		a->src[i--] = a->src[--a->nsrc];
	}
	conf_free(old);
	a->shared = c;
	an_sources_scan(a, true);
	an_poll_all(a);
}

static int
on_shared(const char *group, const char *hash, const char *text, size_t len,
    char *why, size_t whysize, void *ctx)
{
	struct analysis *a = ctx;
	struct arx_conf *c = shared_parse(a, text, len, why, whysize);

	if (c == NULL)
		return ARX_ERR_CONFIG;
	if (shared_save(a, text, len) != 0) {
		snprintf(why, whysize, "cannot save it: %s", strerror(errno));
		conf_free(c);
		return ARX_ERR_SYS;
	}
	shared_swap(a, c);
	log_notice("agent.conf %.12s of group %s applied: %zu log sources "
		   "from it",
	    hash, group, c->nlocalfiles);
	return 0;
}

/* At start (as the user): the agent.conf applied last time, if any. */
void
an_shared_restore(struct analysis *a)
{
	char hash[TLS_DIGEST_HEX], why[512];
	char *text = malloc(SHARED_MAX_FILE + 1);
	int fd = openat(a->pos_dir, SHARED_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	tls_digest_hex("", 0, hash);
	if (fd >= 0 && text != NULL)
		n = read(fd, text, SHARED_MAX_FILE + 1);
	if (fd >= 0)
		close(fd);
	if (n > (ssize_t)SHARED_MAX_FILE)
		log_warn("%s: larger than %u bytes; not taken", SHARED_FILE,
		    SHARED_MAX_FILE);
	else if (n >= 0 &&
	    (a->shared = shared_parse(a, text, (size_t)n, why, sizeof(why))) ==
		NULL)
		log_warn("the agent.conf applied before is not taken again: %s",
		    why);
	else if (n >= 0)
		tls_digest_hex(text, (size_t)n, hash);
	free(text);
	uplink_set_config(a->uplink, on_shared, a, hash);
}

int
an_uplink_begin(struct analysis *a)
{
	if (!a->conf->client.present)
		return 0;
	return uplink_start(
	    a->loop, a->conf, a->pos_dir, on_manager_response, a, &a->uplink);
}

void
analysis_set_relay(struct analysis *a, analysis_relay_fn *fn, void *ctx)
{
	a->relay = fn;
	a->relay_ctx = ctx;
}

struct agents_msg {
	struct buf *out;
	uint32_t n;
	int r;
};

static void
agent_record(const struct remote_agent *ra, void *ctx)
{
	struct agents_msg *am = ctx;
	struct priv_agent pa = {.id = ra->id,
	    .name = ra->name,
	    .state = ra->connected ? PRIV_AGENT_ACTIVE
		: ra->seen         ? PRIV_AGENT_DISCONNECTED
				   : PRIV_AGENT_NEVER,
	    .last_seen_ms = (uint64_t)ra->last_seen_ms,
	    .events = ra->events,
	    .eps = ra->eps,
	    .blocks = ra->blocks,
	    .group = ra->group,
	    .config = ra->config};

	if (am->r == 0 && am->n < PRIV_AGENTS_MAX &&
	    (am->r = priv_put_agent(am->out, &pa)) == 0)
		am->n++;
}

bool
analysis_put_agents(struct analysis *a, struct buf *out)
{
	struct agents_msg am = {out, 0, 0};

	if (a->remote == NULL || priv_put_agents_begin(out) != 0)
		return false;
	remote_agents(a->remote, agent_record, &am);
	priv_put_agents_end(out, am.n);
	return am.r == 0;
}

void
analysis_response(struct analysis *a, const struct priv_response *r)
{
	if (a->remote == NULL || r->target == PRIV_HERE)
		return;
	(void)remote_response(a->remote, r->target, r->agent, r->command,
	    r->action, r->address, r->timeout_s, r->rule_id, r->alert_id);
}

/* The feed's addresses beyond the root's table: responses sent to
 * agents (a manager). */
static void
feed_extra(void *ctx, feed_add_fn *add, void *actx)
{
	struct analysis *a = ctx;

	if (a->remote != NULL)
		remote_blocked(a->remote, add, actx);
}

int
an_feed_start(struct analysis *a)
{
	if (!a->conf->feed.present)
		return 0;
	return feedsrv_start(a->loop, &a->conf->feed, a->conf->daemon.log_dir,
	    feed_extra, a, &a->feed);
}

int
an_enroll_start(struct analysis *a)
{
	const struct conf_auth *au = &a->conf->auth;

	if (!au->present || au->disabled)
		return 0;
	return enrollsrv_start(a->loop, au, a->pos_dir, "agents", &a->enroll);
}
