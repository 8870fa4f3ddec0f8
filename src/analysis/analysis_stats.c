/*
 * arxd's analysis side (analysis_int.h): its counters, gathered for
 * arx status from the pipeline, the sources, the listeners and the
 * correlation state.
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

/* Syslog listeners' counters, added to st. */
static void
listener_stats(const struct analysis *a, uint64_t *st)
{
	struct logsrc_dgram_stats d;
	struct logsrc_tcp_stats t;
	size_t i;

	for (i = 0; i < a->nlis; i++) {
		logsrc_dgram_stats(a->lis[i].s, &d);
		st[PS_MESSAGES] += d.received;
		st[PS_CUT] += d.cut;
		st[PS_DENIED] += d.denied;
	}
	for (i = 0; i < a->ntcp; i++) {
		logsrc_tcp_stats(a->tcp[i], &t);
		st[PS_MESSAGES] += t.messages;
		st[PS_CUT] += t.cut;
		st[PS_TCP_REFUSED] += t.refused;
		st[PS_FRAMING_ERRORS] += t.framing_errors;
		st[PS_TCP_IDLE] += t.idle;
		st[PS_CONN_EVICTED] += t.evicted;
		st[PS_CONN_SLOW] += t.slow;
		st[PS_CONN_PER_SOURCE] += t.per_source;
	}
}

/* The network listeners' defences (per address, evictions, time-outs),
 * summed. */
static void
conn_stats(const struct analysis *a, uint64_t *st)
{
	struct remote_stats rs;
	struct enrollsrv_stats es;
	struct feedsrv_stats fs;

	if (a->remote != NULL) {
		remote_stats(a->remote, &rs);
		st[PS_CONN_PER_SOURCE] += rs.per_source;
		st[PS_CONN_EVICTED] += rs.evicted;
		st[PS_CONN_SLOW] += rs.timeouts;
	}
	if (a->enroll != NULL) {
		enrollsrv_stats(a->enroll, &es);
		st[PS_CONN_PER_SOURCE] += es.per_source;
		st[PS_CONN_EVICTED] += es.evicted;
		st[PS_CONN_SLOW] += es.timeouts;
	}
	if (a->feed != NULL) {
		feedsrv_stats(a->feed, &fs);
		st[PS_CONN_PER_SOURCE] += fs.per_source;
		st[PS_CONN_EVICTED] += fs.evicted;
		st[PS_CONN_SLOW] += fs.timeouts;
	}
}

/* What correlation holds and what its caps made it drop. */
static void
corr_stats_put(const struct analysis *a, uint64_t st[PS_NSTATS])
{
	struct corr_stats cs;

	if (a->corr == NULL)
		return;
	corr_get_stats(a->corr, &cs);
	st[PS_CORR_BUCKETS] = cs.buckets;
	st[PS_CORR_EVICTED] = cs.evicted_buckets + cs.evicted_events;
	st[PS_SESSIONS] = cs.sessions;
	st[PS_SESSIONS_EVICTED] = cs.sessions_evicted;
	st[PS_SESSIONS_FILLED] = cs.sessions_filled;
	st[PS_FTS_DROPPED] = cs.dropped_fts;
}

void
analysis_stats(const struct analysis *a, uint64_t st[PS_NSTATS])
{
	struct logsrc_file_stats f;
	size_t i;

	memset(st, 0, sizeof(uint64_t) * PS_NSTATS);
	for (i = 0; i < a->nsrc; i++) {
		logsrc_file_stats(a->src[i]->f, &f);
		st[PS_CUT] += f.cut;
		st[PS_BYTES] += f.bytes;
		st[PS_ROTATIONS] += f.rotations;
		st[PS_TRUNCATIONS] += f.truncations;
	}
	st[PS_CUT] += a->in_lines.cut;
	for (i = 0; i < a->njs; i++) {
		struct logsrc_journal_stats js;

		logsrc_journal_stats(a->js[i].j, &js);
		st[PS_CUT] += js.cut;
	}
	listener_stats(a, st);
	conn_stats(a, st);
	st[PS_LINES] = a->lines;
	st[PS_DECODED] = a->decoded;
	st[PS_FIRED] = a->fired;
	st[PS_SUPPRESSED] = a->suppressed;
	st[PS_TOO_OLD] = a->too_old;
	st[PS_DUPLICATES] = a->dup.duplicates;
	st[PS_TRIGGERS] = a->triggers;
	st[PS_PATTERN_LIMITS] = a->scratch.nlimit;
	if (a->remote != NULL) {
		struct remote_stats rs;

		remote_stats(a->remote, &rs);
		st[PS_AGENTS_CONNECTED] = rs.connected;
		st[PS_AGENTS_REFUSED] = rs.refused;
		st[PS_CONFIGS_REFUSED] = rs.configs_refused;
		st[PS_AGENT_EVENTS] = rs.events;
		st[PS_AGENT_RESPONSES] = rs.responses;
		st[PS_RESPONSES_KEPT] = rs.queued;
		st[PS_RESPONSES_EXPIRED] = rs.expired;
	}
	if (a->uplink != NULL) {
		struct uplink_stats us;

		uplink_stats(a->uplink, &us);
		st[PS_UPLINK_CONNECTED] = us.connected;
		st[PS_UPLINK_SENT] = us.sent;
		st[PS_UPLINK_ACKED] = us.acked;
		st[PS_UPLINK_DROPPED] = us.dropped;
		st[PS_UPLINK_QUEUED] = us.queued;
	}
	if (a->enroll != NULL) {
		struct enrollsrv_stats es;

		enrollsrv_stats(a->enroll, &es);
		st[PS_ENROLLED] = es.enrolled;
		st[PS_ENROLL_REFUSED] = es.refused + es.dropped;
	}
	corr_stats_put(a, st);
	st[PS_FILES] = a->nsrc;
	if (a->w != NULL) {
		st[PS_WRITTEN] = a->w->nwritten;
		st[PS_WRITE_ERRORS] = a->w->nerrors;
	}
}
