/*
 * What the files of arxd's analysis side share (analysis.c: the
 * pipeline, start and stop; analysis_sources.c: files and positions,
 * journald, standard input, syslog listeners; analysis_agents.c: the
 * manager and agent wiring, enrollment, a pushed agent.conf;
 * analysis_counters.c: the counters): the state of struct analysis and the
 * functions one file calls in another. Private to src/daemon.
 */
#ifndef ARX_ANALYSIS_ANALYSIS_INT_H
#define ARX_ANALYSIS_ANALYSIS_INT_H

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
#include "analysis/alerttally.h"
#include "analysis/analysis.h"
#include "analysis/dupcheck.h"
#include "analysis/enrollsrv.h"
#include "analysis/feed.h"
#include "analysis/lineclock.h"
#include "analysis/mailer.h"
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

#define MAX_SOURCES      256
/* Longer lines are cut (OSSEC's OS_MAXSTR is 65536). One byte more than
 * an event holds, so a line the reader cut is one the event marks as
 * truncated too (and takes no address from). */
#define MAX_LINE         (EVENT_MAX_LINE + 1)
#define WRITTEN_WITHIN_S 86400 /* <unless_written>: changed within a day */
#define TICK_MS          1000
#define MAX_LISTEN       8
#define CHUNK_STDIN      65536
#define MAX_JOURNALS     8
#define JOURNAL_PREFIX   "journald:"  /* journald:/dir, arx's extension */
#define SHARED_FILE      "agent.conf" /* the manager's push, as applied */

struct listener {
	struct logsrc_dgram *s;
	struct evio io;
	struct analysis *a;
};

struct source {
	struct logsrc_file *f;
	char *path;
	const struct conf_localfile *lf;
	struct analysis *a;
	struct line_clock clock;
	uint64_t lines; /* read from it: source_lines{source=path} */
};

struct jsource {
	struct logsrc_journal *j;
	const struct conf_localfile *lf;
	struct evio io;
	struct analysis *a;
	struct line_clock clock;
	uint64_t lines;
};

struct analysis {
	const struct arx_conf *conf;
	struct evloop *loop;
	analysis_trigger_fn *trigger;
	void *trigger_ctx;
	struct ruleset *rs;
	struct ar_bindings *bind; /* which rules any response wants */
	struct corr *corr;
	struct pattern_scratch scratch;
	struct enrollsrv *enroll;  /* <auth>: NULL when off */
	struct remote_srv *remote; /* <remote> secure: NULL when off */
	struct uplink *uplink;     /* <client>: lines go to the manager */
	struct feedsrv *feed;      /* <feed>: NULL when off */
	struct arx_conf *shared;   /* agent: the manager's agent.conf */
	analysis_relay_fn *relay;  /* agent: responses to the root process */
	void *relay_ctx;
	struct cluster *cluster; /* <cluster>: the shared database, or NULL */
	char *db_password;       /* its password (read as root), or NULL */
	bool db_migrated;        /* its schema made current at the start */
	analysis_offence_fn *offence; /* <cluster>: others' offences to root */
	void *offence_ctx;
	struct event ev;
	struct ar_step_out out; /* the shared pipeline step's (ar/step.h) */
	struct alert_writer *w;
	struct mailer *mail; /* <email_notification>: NULL when off */
	struct source *src[MAX_SOURCES];
	size_t nsrc;
	struct jsource js[MAX_JOURNALS];
	size_t njs;
	struct listener lis[MAX_LISTEN];
	size_t nlis;
	struct logsrc_tcp *tcp[MAX_LISTEN];
	size_t ntcp;
	struct logsrc_lines in_lines; /* standard input, when read */
	struct evio in;
	struct buf saved; /* the positions file as read at start, then as
			   * last written (unchanged positions are not
			   * written again) */
	char pos_path[4096];
	int ino_fd;
	int pos_dir; /* <state_dir>/analysis, open */
	struct evio ino;
	struct evtimer tick;
	struct evtimer more; /* a source is behind: poll again at once */
	struct buf json;
	unsigned long lines;
	uint64_t decoded, fired, suppressed, triggers, too_old;
	uint64_t syslog_lines, agent_lines, stdin_lines; /* by source */
	struct alert_tally alerts;
	struct metricsrv *metrics;  /* <metrics>: NULL when off */
	struct counters *root_rows; /* the root's, as it last sent them */
	struct dupcheck dup;        /* lines from two sources */
	struct log_limit dup_log;   /* its warnings: one a minute */
	struct log_limit pos_log;   /* positions not saved: one a minute */
	bool (*save_ok)(void *ctx); /* positions may be saved (gate) */
	void *save_ctx;
	bool begun; /* analysis_begin() ran: positions are worth saving */
};

/* analysis.c: one line through the pipeline step, and its sources'
 * callbacks */
void an_analyse(struct analysis *a, const char *line, size_t len,
    const char *loc, struct line_clock *lc);
void an_on_line(const char *line, size_t len, void *ctx);
void an_on_msg(const char *msg, size_t len, const char *from, void *ctx);

/* analysis_sources.c */
void an_positions_load(struct analysis *a);
void an_positions_save(struct analysis *a);
void an_positions_write(struct analysis *a);
void an_sources_scan(struct analysis *a, bool first_sight);
void an_source_free(struct source *s);
void an_poll_to_end(struct logsrc_file *f);
void an_poll_all(struct analysis *a);
void an_journals_start(struct analysis *a);
int an_stdin_start(struct analysis *a);
int an_listener_add(struct analysis *a, const struct conf_remote *r);
int an_tcp_add(struct analysis *a, const struct conf_remote *r);
void an_on_tick(struct evloop *loop, struct evtimer *t);
void an_on_more(struct evloop *loop, struct evtimer *t);
void an_on_inotify(struct evloop *loop, struct evio *io, unsigned events);

/* analysis_agents.c */
int an_listeners_start(struct analysis *a);
int an_enroll_start(struct analysis *a);
int an_cluster_password(struct analysis *a);
void an_cluster_begin(struct analysis *a);
void an_cluster_stop(struct analysis *a);
int an_feed_start(struct analysis *a);
int an_metrics_start(struct analysis *a);
int an_uplink_begin(struct analysis *a);
void an_shared_restore(struct analysis *a);

#endif
