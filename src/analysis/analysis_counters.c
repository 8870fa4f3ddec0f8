/*
 * arxd's analysis side (analysis_int.h): its counters for arx status,
 * as named rows (core/counters.h). Each part puts its own rows; the
 * analysis adds what the pipeline counted. A name several parts use
 * (cut, the listeners' conn_*) is their sum.
 */
#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "core/counters.h"

/* The manager's agent port. */
static void
remote_rows(const struct remote_srv *r, struct counters *c)
{
	struct remote_stats st;

	remote_stats(r, &st);
	(void)counters_add(c, "agents_connected", st.connected);
	(void)counters_add(c, "agents_refused", st.refused);
	(void)counters_add(c, "configs_refused", st.configs_refused);
	(void)counters_add(c, "agent_events", st.events);
	(void)counters_add(c, "agent_responses", st.responses);
	(void)counters_add(c, "responses_kept", st.queued);
	(void)counters_add(c, "responses_expired", st.expired);
	(void)counters_add(c, "conn_per_source", st.per_source);
	(void)counters_add(c, "conn_evicted", st.evicted);
	(void)counters_add(c, "conn_slow", st.timeouts);
}

static void
enroll_rows(const struct enrollsrv *e, struct counters *c)
{
	struct enrollsrv_stats st;

	enrollsrv_stats(e, &st);
	(void)counters_add(c, "agents_enrolled", st.enrolled);
	(void)counters_add(c, "enrollments_refused", st.refused + st.dropped);
	(void)counters_add(c, "conn_per_source", st.per_source);
	(void)counters_add(c, "conn_evicted", st.evicted);
	(void)counters_add(c, "conn_slow", st.timeouts);
}

static void
feed_rows(const struct feedsrv *f, struct counters *c)
{
	struct feedsrv_stats st;

	feedsrv_stats(f, &st);
	(void)counters_add(c, "conn_per_source", st.per_source);
	(void)counters_add(c, "conn_evicted", st.evicted);
	(void)counters_add(c, "conn_slow", st.timeouts);
}

static void
tcp_rows(const struct logsrc_tcp *t, struct counters *c)
{
	struct logsrc_tcp_stats st;

	logsrc_tcp_stats(t, &st);
	(void)counters_add(c, "syslog_messages", st.messages);
	(void)counters_add(c, "cut", st.cut);
	(void)counters_add(c, "tcp_refused", st.refused);
	(void)counters_add(c, "framing_errors", st.framing_errors);
	(void)counters_add(c, "tcp_idle_closed", st.idle);
	(void)counters_add(c, "conn_per_source", st.per_source);
	(void)counters_add(c, "conn_evicted", st.evicted);
	(void)counters_add(c, "conn_slow", st.slow);
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
		tcp_rows(a->tcp[i], c);
	if (a->w != NULL)
		alert_writer_counters(a->w, c);
	if (a->corr != NULL)
		corr_counters(a->corr, c);
	if (a->remote != NULL)
		remote_rows(a->remote, c);
	if (a->enroll != NULL)
		enroll_rows(a->enroll, c);
	if (a->feed != NULL)
		feed_rows(a->feed, c);
	if (a->uplink != NULL)
		uplink_counters(a->uplink, c);
}
