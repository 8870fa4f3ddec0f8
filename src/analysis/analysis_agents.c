/*
 * arxd's analysis side (analysis_int.h): the manager and the agent.
 * Agents' connections (<remote> secure), enrollment (<auth>), the feed
 * and an agent's uplink; the agent.conf its manager pushes is
 * analysis_pushed.c's.
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
#include "analysis/cluster.h"
#include "analysis/dupcheck.h"
#include "analysis/enrollsrv.h"
#include "analysis/feed.h"
#include "analysis/lineclock.h"
#include "analysis/metrics.h"
#include "analysis/remote.h"
#include "analysis/shared.h"
#include "analysis/uplink.h"
#include "ar/policy.h"
#include "core/err.h"
#include "core/log.h"
#include "core/osregex.h"
#include "core/secretfile.h"
#include "core/statefile.h"
#include "core/strparse.h"
#include "db/schema.h"
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
	((struct analysis *)ctx)->agent_lines++;
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
	(void)remote_response(a->remote,
	    &(struct remote_ask){.to = r->target,
		.agent = r->agent,
		.command = r->command,
		.action = r->action,
		.address = r->address,
		.alert_id = r->alert_id,
		.timeout_s = r->timeout_s,
		.rule_id = r->rule_id,
		.offences = r->offences});
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

/* <metrics>: the analysis' rows, and the root's as it last sent them. */
static const struct counters *
metrics_gather(void *ctx, struct counters *kid)
{
	struct analysis *a = ctx;

	analysis_counters(a, kid);
	return a->root_rows;
}

int
an_metrics_start(struct analysis *a)
{
	const struct conf_metrics *m = &a->conf->metrics;

	if (!m->present || !m->enabled)
		return 0;
	return metricsrv_start(a->loop, m, metrics_gather, a, &a->metrics);
}

void
analysis_root_counters(struct analysis *a, const struct counters *rows)
{
	if (a->metrics == NULL)
		return;
	if (a->root_rows == NULL &&
	    (a->root_rows = malloc(sizeof(*a->root_rows))) == NULL)
		return;
	*a->root_rows = *rows;
}

int
an_enroll_start(struct analysis *a)
{
	const struct conf_auth *au = &a->conf->auth;

	if (!au->present || au->disabled)
		return 0;
	return enrollsrv_start(a->loop, au, a->pos_dir, "agents", &a->enroll);
}

/* ---- <cluster>: the database the managers share ---- */

/* Its password, from the file only root may read (before the drop). */
int
an_cluster_password(struct analysis *a)
{
	const struct conf_cluster *cl = &a->conf->cluster;
	char line[1024];
	int r;

	if (!conf_cluster_on(a->conf) || cl->password_file == NULL)
		return 0;
	r = secretfile_read(
	    cl->password_file, "<cluster> password file", line, sizeof(line));
	if (r == 0 && (a->db_password = strdup(line)) == NULL)
		r = ARX_ERR_NOMEM;
	explicit_bzero(line, sizeof(line));
	return r;
}

/* What a database refusing this manager says (libpq's words), as
 * against one that cannot be reached now. */
static bool
db_refused(const char *why)
{
	static const char *const words[] = {"password authentication failed",
	    "no password supplied", "does not exist", "pg_hba.conf rejects",
	    "authentication failed", "schema is version", "permission denied"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(why, words[i]) != NULL)
			return true;
	return false;
}

int
analysis_cluster_check(struct analysis *a)
{
	const struct conf_cluster *cl = &a->conf->cluster;
	char why[512];

	if (!conf_cluster_on(a->conf) || a->remote == NULL)
		return 0;
	if (db_migrate(cl->database, a->db_password, conf_cluster_node(a->conf),
		why, sizeof(why)) == 0) {
		a->db_migrated = true;
		log_info("cluster: the database's schema is current "
			 "(version %d)",
		    DB_SCHEMA_VERSION);
		return 0;
	}
	if (db_refused(why)) {
		log_error("%s:%u: <cluster>: %s", cl->where.file,
		    cl->where.line, why);
		return ARX_ERR_CONFIG;
	}
	log_warn("%s:%u: <cluster>: %s; going on alone until it is there",
	    cl->where.file, cl->where.line, why);
	return 0;
}

static void
on_fleet_offence(const char *command, const char *address, unsigned count,
    int64_t last_ms, void *ctx)
{
	struct analysis *a = ctx;
	struct priv_offence o = {.command = command,
	    .address = address,
	    .count = count,
	    .last_ms = last_ms > 0 ? (uint64_t)last_ms : 0};

	if (a->offence != NULL)
		a->offence(&o, a->offence_ctx);
}

void
an_cluster_begin(struct analysis *a)
{
	struct cluster_hooks h = {.row = remote_cluster_row,
	    .offence = on_fleet_offence,
	    .ctx = a->remote,
	    .offence_ctx = a};

	if (!conf_cluster_on(a->conf) || a->remote == NULL)
		return;
	if (cluster_start(a->loop, a->conf, a->db_password, a->db_migrated,
		a->pos_dir, &h, &a->cluster) != 0) {
		log_error("cluster: cannot start; this manager goes on alone");
		return;
	}
	remote_set_cluster(a->remote, a->cluster);
}

void
an_cluster_stop(struct analysis *a)
{
	if (a->remote != NULL)
		remote_set_cluster(a->remote, NULL);
	cluster_stop(a->cluster);
	a->cluster = NULL;
	if (a->db_password != NULL) {
		explicit_bzero(a->db_password, strlen(a->db_password));
		free(a->db_password);
		a->db_password = NULL;
	}
}

void
analysis_set_offence(struct analysis *a, analysis_offence_fn *fn, void *ctx)
{
	a->offence = fn;
	a->offence_ctx = ctx;
}
