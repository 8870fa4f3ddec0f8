/*
 * The analysis side of arxd (analysis.h). Owns the ruleset, the
 * correlation state, the alert writer, the followed files and their
 * saved positions, the inotify descriptor and the once-a-second timer.
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
#include "analysis/metrics.h"
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

/* A fired rule (the step's verdict): its alert, then its responses
 * (Wazuh's order; responses run even when the alert is below the log
 * level), unless the line is older than the rule's window or <max_age>
 * (a backlog): alerted, not answered, counted. wall: the clock's time. */
static void
fired(struct analysis *a, int64_t wall)
{
	const struct ar_step_out *o = &a->out;
	const struct rule *r = o->res.rule;
	/* alerts are stamped when written, as Wazuh's: a backlog's alerts
	 * stay in order in alerts.log; the line's time is in its text */
	struct alert al = {r, &a->ev, a->corr, o->res.firedtimes, wall};
	struct priv_trigger t = {.rule_id = r->id,
	    .level = r->level,
	    .options = r->options & RULE_OPT_NO_AR,
	    .groups = r->groups,
	    .location = a->ev.location,
	    .srcip = o->srcip[0] != '\0' ? o->srcip : NULL,
	    .user = o->user[0] != '\0' ? o->user : NULL};
	unsigned long written = a->w->nwritten;

	a->fired++;
	(void)alert_writer_write(a->w, &al);
	if (a->mail != NULL)
		mailer_alert(a->mail, r, &a->ev, a->corr, wall);
	if (a->w->nwritten != written) /* by rule and level: what is written */
		alert_tally_add(&a->alerts, r->id, (int)r->level);
	a->suppressed += o->verdict == AR_SUPPRESSED;
	a->too_old += o->verdict == AR_TOO_OLD;
	if (o->verdict != AR_RESPOND)
		return;
	buf_reset(&a->json);
	if (a->w->last_id[0] != '\0' &&
	    buf_append(&a->json, a->w->last_json, a->w->last_json_len) == 0) {
		t.alert_id = a->w->last_id;
		t.alert_json = buf_cstr(&a->json);
	}
	a->triggers++;
	a->trigger(&t, a->trigger_ctx);
}

/* The same line from two sources within a second: said (at most once a
 * minute) and counted; both copies are still analysed. */
static void
twice_check(struct analysis *a, const struct line_clock *lc, int64_t wall)
{
	const void *other;
	unsigned long held;

	if (!dupcheck_seen(&a->dup, &a->ev, lc, wall, &other) ||
	    !log_limit_pass(&a->dup_log, wall, &held))
		return;
	log_warn("the same line came from %s and %s within a second (%lu "
		 "more since the last message): every attempt is counted "
		 "twice; read these lines from one of them (<unless_written>)",
	    ((const struct line_clock *)other)->name, lc->name, held);
}

/* One line from loc through the ruleset, and what it fires; lc: the
 * source's clock when its lines carry trusted times (NULL: arrival). */
void
an_analyse(struct analysis *a, const char *line, size_t len, const char *loc,
    struct line_clock *lc)
{
	int64_t wall = clock_wall_ms(clock_real()), now;
	struct ar_step step = {a->rs, a->corr, &a->scratch, a->conf, a->bind};

	a->lines++;
	/* a line over the limit keeps its last byte: it must read as cut
	 * (no address from its end), whatever that byte is */
	len = ar_step_line_len(line, len);
	if (a->uplink != NULL) { /* an agent: the manager analyses */
		uplink_event(a->uplink, line, len, loc);
		return;
	}
	if (len == 0 || event_set_line(&a->ev, line, len, loc) != 0)
		return;
	now = line_clock_time(lc, &a->ev, wall, ar_step_max_age_ms(a->conf));
	ar_step_run(&step, &a->ev, now, wall, &a->out);
	if (lc != NULL)
		twice_check(a, lc, wall);
	if (a->ev.decoder != NULL)
		a->decoded++;
	if (a->out.verdict != AR_NOT_FIRED)
		fired(a, wall);
}

void
an_on_line(const char *line, size_t len, void *ctx)
{
	struct source *s = ctx;

	s->lines++;
	an_analyse(s->a, line, len,
	    s->lf->alias != NULL ? s->lf->alias : s->path, &s->clock);
}

/* A syslog message: its sender is its location, as in OSSEC/Wazuh. */
void
an_on_msg(const char *msg, size_t len, const char *from, void *ctx)
{
	struct analysis *a = ctx;

	a->syslog_lines++;
	an_analyse(a, msg, len, from, NULL);
}

/* ---- start and stop ---- */

static int
engine_start(struct analysis *a)
{
	const struct conf_daemon *dc = &a->conf->daemon;
	int r;

	if ((r = ruleset_load_conf(&a->conf->ruleset, &a->rs)) != 0) {
		log_error("cannot load the ruleset: %s", arx_strerror(r));
		return r;
	}
	if ((a->corr = corr_new(a->rs->rules)) == NULL ||
	    (a->bind = ar_bindings_new(a->conf)) == NULL)
		return ARX_ERR_NOMEM;
	a->w = alert_file_writer_open(
	    dc->log_dir, a->conf->alerts.log_alert_level, dc->node_name);
	if (a->w == NULL)
		return ARX_ERR_SYS;
	return mailer_new(a->conf, a->loop, &a->mail);
}

int
analysis_start(const struct arx_conf *conf, struct evloop *loop,
    analysis_trigger_fn *trigger, void *ctx, bool read_stdin,
    struct analysis **out)
{
	struct analysis *a = calloc(1, sizeof(*a));
	char dir[4096];
	int r;

	*out = NULL;
	if (a == NULL)
		return ARX_ERR_NOMEM;
	a->dup_log = (struct log_limit)LOG_LIMIT_INIT(1, 60000);
	a->pos_log = (struct log_limit)LOG_LIMIT_INIT(1, 60000);
	a->conf = conf;
	a->loop = loop;
	a->trigger = trigger;
	a->trigger_ctx = ctx;
	a->ino_fd = -1;
	a->pos_dir = -1;
	event_init(&a->ev);
	buf_init(&a->saved, 64u << 20);
	buf_init(&a->json, 4u << 20);
	snprintf(a->pos_path, sizeof(a->pos_path), "%s/" ANALYSIS_POS_FILE,
	    conf->daemon.state_dir);
	if ((r = engine_start(a)) != 0)
		goto fail;
	snprintf(dir, sizeof(dir), "%s/" ANALYSIS_DIR, conf->daemon.state_dir);
	if ((a->pos_dir = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_error("cannot open %s: %s", dir, strerror(errno));
		r = ARX_ERR_SYS;
		goto fail;
	}
	a->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->ino_fd < 0) {
		r = ARX_ERR_SYS;
		goto fail;
	}
	evio_init(&a->ino, a->ino_fd, EV_READ, an_on_inotify, a);
	evtimer_init(&a->tick, an_on_tick, a);
	evtimer_init(&a->more, an_on_more, a);
	if ((r = an_listeners_start(a)) != 0 || (r = an_enroll_start(a)) != 0 ||
	    (r = an_cluster_password(a)) != 0 || (r = an_feed_start(a)) != 0 ||
	    (r = an_metrics_start(a)) != 0 || (r = an_uplink_begin(a)) != 0 ||
	    (read_stdin && (r = an_stdin_start(a)) != 0))
		goto fail;
	if ((r = evloop_io_start(loop, &a->ino)) != 0 ||
	    (r = evloop_timer_start(loop, &a->tick, TICK_MS)) != 0)
		goto fail;
	*out = a;
	return 0;
fail:
	analysis_stop(a);
	return r;
}

void
analysis_begin(struct analysis *a)
{
	if (a->uplink != NULL)
		an_shared_restore(a);
	if (a->remote != NULL)
		remote_restore(a->remote);
	an_cluster_begin(a);
	an_positions_load(a);
	an_sources_scan(a, true);
	an_journals_start(a);
	/* where reading starts, before a line is read (nothing can be
	 * skipped by it): a file first seen now (read from its end) is not
	 * first seen again after a crash before the first safe save */
	an_positions_write(a);
	an_poll_all(a);
	a->begun = true;
}

void
analysis_set_save_gate(struct analysis *a, bool (*ok)(void *ctx), void *ctx)
{
	a->save_ok = ok;
	a->save_ctx = ctx;
}

void
analysis_stop(struct analysis *a)
{
	size_t i;

	if (a == NULL)
		return;
	if (a->begun) {
		an_poll_all(a);
		an_positions_save(a);
	}
	evloop_io_stop(a->loop, &a->ino);
	evloop_timer_stop(a->loop, &a->tick);
	evloop_timer_stop(a->loop, &a->more);
	if (a->ino_fd >= 0)
		close(a->ino_fd);
	if (a->pos_dir >= 0)
		close(a->pos_dir);
	for (i = 0; i < a->nsrc; i++)
		an_source_free(a->src[i]);
	for (i = 0; i < a->njs; i++) {
		evloop_io_stop(a->loop, &a->js[i].io);
		logsrc_journal_close(a->js[i].j);
	}
	evloop_io_stop(a->loop, &a->in);
	logsrc_lines_flush(&a->in_lines);
	logsrc_lines_release(&a->in_lines);
	for (i = 0; i < a->nlis; i++) {
		evloop_io_stop(a->loop, &a->lis[i].io);
		logsrc_dgram_close(a->lis[i].s);
	}
	for (i = 0; i < a->ntcp; i++)
		logsrc_tcp_close(a->tcp[i]);
	enrollsrv_stop(a->enroll);
	an_cluster_stop(a);
	remote_stop(a->remote);
	uplink_stop(a->uplink);
	feedsrv_stop(a->feed);
	metricsrv_stop(a->metrics);
	free(a->root_rows);
	log_info("analysis stopped: %lu lines read", a->lines);
	alert_writer_close(a->w);
	mailer_free(a->mail);
	corr_free(a->corr);
	ar_bindings_free(a->bind);
	ruleset_free(a->rs);
	conf_free(a->shared);
	pattern_scratch_release(&a->scratch);
	event_release(&a->ev);
	buf_release(&a->saved);
	buf_release(&a->json);
	free(a);
}
