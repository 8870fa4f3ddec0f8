/*
 * arxd's analysis side (analysis_int.h): its counters for arx status
 * and the metrics endpoint, as named rows (core/counters.h). Each part
 * puts its own rows; the analysis adds what the pipeline counted, the
 * lines by source, the alerts by rule and level (alerttally.h) and the
 * agents by state. A name several parts use (cut,
 * the listeners' conn_*) is their sum.
 */
#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "analysis/cluster.h"
#include "analysis/metrics.h"
#include "core/counters.h"

/* Lines by source: each file and journal by its name, the syslog
 * listeners, the agents and standard input each as one. */
static void
source_rows(const struct analysis *a, struct counters *c)
{
	size_t i;

	for (i = 0; i < a->nsrc; i++)
		(void)counters_add_l(c, "source_lines", "source",
		    a->src[i]->path, NULL, NULL, a->src[i]->lines);
	for (i = 0; i < a->njs; i++)
		(void)counters_add_l(c, "source_lines", "source",
		    a->js[i].lf->location, NULL, NULL, a->js[i].lines);
	if (a->nlis > 0 || a->ntcp > 0)
		(void)counters_add_l(c, "source_lines", "source", "syslog",
		    NULL, NULL, a->syslog_lines);
	if (a->remote != NULL)
		(void)counters_add_l(c, "source_lines", "source", "agents",
		    NULL, NULL, a->agent_lines);
	if (a->stdin_lines > 0)
		(void)counters_add_l(c, "source_lines", "source", "stdin", NULL,
		    NULL, a->stdin_lines);
}

struct by_state {
	uint64_t n[3]; /* enum priv_agent_state */
};

static void
agent_state(const struct remote_agent *ra, void *ctx)
{
	struct by_state *b = ctx;

	b->n[ra->connected ? 1 : ra->seen ? 2 : 0]++;
}

static void
agent_rows(const struct analysis *a, struct counters *c)
{
	static const char *const names[] = {"never", "active", "disconnected"};
	struct by_state b = {{0}};

	if (a->remote == NULL)
		return;
	remote_agents(a->remote, agent_state, &b);
	for (size_t i = 0; i < 3; i++)
		(void)counters_add_l(
		    c, "agents", "state", names[i], NULL, NULL, b.n[i]);
}

/* What the pipeline itself counted. */
static void
pipeline_rows(const struct analysis *a, struct counters *c)
{
	(void)counters_add(c, "lines", a->lines);
	(void)counters_add(c, "files", a->nsrc);
	(void)counters_add(c, "cut", a->in_lines.cut);
	(void)counters_add(c, "decoded", a->decoded);
	(void)counters_add(c, "fired", a->fired);
	(void)counters_add(c, "suppressed", a->suppressed);
	(void)counters_add(c, "triggers", a->triggers);
	(void)counters_add(c, "too_old", a->too_old);
	(void)counters_add(c, "duplicate_lines", a->dup.duplicates);
	(void)counters_add(c, "pattern_limits", a->scratch.nlimit);
}

void
analysis_counters(const struct analysis *a, struct counters *c)
{
	size_t i;

	counters_clear(c);
	pipeline_rows(a, c);
	for (i = 0; i < a->nsrc; i++)
		logsrc_file_counters(a->src[i]->f, c);
	for (i = 0; i < a->njs; i++)
		logsrc_journal_counters(a->js[i].j, c);
	for (i = 0; i < a->nlis; i++)
		logsrc_dgram_counters(a->lis[i].s, c);
	for (i = 0; i < a->ntcp; i++)
		logsrc_tcp_counters(a->tcp[i], c);
	if (a->w != NULL)
		alert_writer_counters(a->w, c);
	if (a->corr != NULL)
		corr_counters(a->corr, c);
	if (a->mail != NULL)
		mailer_counters(a->mail, c);
	if (a->remote != NULL)
		remote_counters(a->remote, c);
	if (a->cluster != NULL)
		cluster_counters(a->cluster, c);
	if (a->enroll != NULL)
		enrollsrv_counters(a->enroll, c);
	if (a->feed != NULL)
		feedsrv_counters(a->feed, c);
	if (a->uplink != NULL)
		uplink_counters(a->uplink, c);
	if (a->metrics != NULL)
		metricsrv_counters(a->metrics, c);
	source_rows(a, c);
	alert_tally_counters(&a->alerts, c);
	agent_rows(a, c);
	if (a->uplink != NULL)
		(void)counters_add_l(c, "queue_depth", "queue", "uplink", NULL,
		    NULL, counters_get(c, "uplink_queued"));
	/* last: what did not fit before (this one may not fit either) */
	(void)counters_add_l(
	    c, "dropped", "table", "counters", NULL, NULL, c->dropped);
}
