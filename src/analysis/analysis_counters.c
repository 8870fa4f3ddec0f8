/*
 * arxd's analysis side (analysis_int.h): its counters for arx status,
 * as named rows (core/counters.h). Each part puts its own rows; the
 * analysis adds what the pipeline counted. A name several parts use
 * (cut, the listeners' conn_*) is their sum.
 */
#include "analysis/analysis.h"
#include "analysis/analysis_int.h"
#include "core/counters.h"

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
	if (a->enroll != NULL)
		enrollsrv_counters(a->enroll, c);
	if (a->feed != NULL)
		feedsrv_counters(a->feed, c);
	if (a->uplink != NULL)
		uplink_counters(a->uplink, c);
}
