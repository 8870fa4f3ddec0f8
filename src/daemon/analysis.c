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
#include "ar/policy.h"
#include "ar/step.h"
#include "core/err.h"
#include "core/log.h"
#include "core/statefile.h"
#include "core/strparse.h"
#include "daemon/analysis.h"
#include "daemon/dupcheck.h"
#include "daemon/enrollsrv.h"
#include "daemon/feed.h"
#include "daemon/lineclock.h"
#include "daemon/remote.h"
#include "daemon/shared.h"
#include "daemon/uplink.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/osregex.h"
#include "engine/ruleset.h"
#include "logsrc/dgram.h"
#include "logsrc/file.h"
#include "logsrc/journal.h"
#include "logsrc/lines.h"
#include "logsrc/tcp.h"

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
};

struct jsource {
	struct logsrc_journal *j;
	const struct conf_localfile *lf;
	struct evio io;
	struct analysis *a;
	struct line_clock clock;
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
	struct event ev;
	struct ar_step_out out; /* the shared pipeline step's (ar/step.h) */
	struct alert_writer *w;
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
	struct dupcheck dup;        /* lines from two sources */
	struct log_limit dup_log;   /* its warnings: one a minute */
	struct log_limit pos_log;   /* positions not saved: one a minute */
	bool (*save_ok)(void *ctx); /* positions may be saved (gate) */
	void *save_ctx;
	bool begun; /* analysis_begin() ran: positions are worth saving */
};

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

	a->fired++;
	(void)alert_writer_write(a->w, &al);
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
static void
analyse(struct analysis *a, const char *line, size_t len, const char *loc,
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

static void
on_line(const char *line, size_t len, void *ctx)
{
	struct source *s = ctx;

	analyse(s->a, line, len, s->lf->alias != NULL ? s->lf->alias : s->path,
	    &s->clock);
}

/* A syslog message: its sender is its location, as in OSSEC/Wazuh. */
static void
on_msg(const char *msg, size_t len, const char *from, void *ctx)
{
	analyse(ctx, msg, len, from, NULL);
}

/* ---- positions: one line per file, "dev ino offset head path" ---- */

/* The saved position of path, if the positions file has one. */
static const struct logsrc_pos *
saved_pos(struct analysis *a, const char *path, struct logsrc_pos *out)
{
	const char *p = buf_cstr(&a->saved), *nl;
	char line[4200], *sp;
	size_t len;
	int i;

	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		if ((len = (size_t)(nl - p)) >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		for (i = 0, sp = line; i < 4 && sp != NULL; i++)
			sp = strchr(sp + (i > 0), ' ');
		if (sp == NULL || strcmp(sp + 1, path) != 0)
			continue;
		*sp = '\0';
		if (logsrc_pos_parse(line, out) == 0)
			return out;
		log_warn("%s: damaged position of %s (\"%s\"): the file is "
			 "taken as new",
		    a->pos_path, path, line);
	}
	return NULL;
}

static void
positions_load(struct analysis *a)
{
	int fd = openat(a->pos_dir, "positions", O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char chunk[4096];
	size_t n;

	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&a->saved, chunk, n) != 0)
			break;
	fclose(f);
}

/* A new positions file in the analysis directory, for writing. */
/* Write all positions to a new file and rename it over the old one.
 * The directory was opened before privileges were dropped: the child
 * needs no way through <state_dir> itself. */
static void positions_write(struct analysis *a);

/* Save the positions, when the gate says every trigger of the lines read
 * so far is in the root process's hands. */
static void
positions_save(struct analysis *a)
{
	if (a->save_ok != NULL && !a->save_ok(a->save_ctx))
		return; /* triggers in flight: keep the last safe positions */
	positions_write(a);
}

/* A save that failed (a full disk): said once a minute with how many
 * failed since, and the cause (err, taken before anything else ran). */
static void
positions_failed(struct analysis *a, int err)
{
	unsigned long held;

	if (log_limit_pass(&a->pos_log, clock_wall_ms(clock_real()), &held))
		log_error("cannot save positions to %s: %s (%lu more failures "
			  "since the last message)",
		    a->pos_path, strerror(err), held);
}

static void
positions_write(struct analysis *a)
{
	struct logsrc_pos p;
	struct buf b;
	size_t i;

	buf_init(&b, 1u << 20);
	for (i = 0; i < a->nsrc; i++) {
		logsrc_file_pos(a->src[i]->f, &p);
		if (logsrc_pos_format(&p, &b) != 0 ||
		    buf_printf(&b, " %s\n", a->src[i]->path) != 0)
			break;
	}
	for (i = 0; i < a->njs; i++)
		if (logsrc_journal_cursor(a->js[i].j)[0] != '\0')
			(void)buf_printf(&b, "journal %s %s\n",
			    logsrc_journal_cursor(a->js[i].j),
			    a->js[i].lf->location);
	if (b.len == a->saved.len &&
	    (b.len == 0 || memcmp(b.data, a->saved.data, b.len) == 0)) {
		buf_release(&b);
		return;
	}
	/* lazy, as ever: positions a crash loses make lines read twice,
	 * never lines lost */
	if (statefile_replace(a->pos_dir, "positions", b.data, b.len,
		&(struct statefile_opts){.mode = 0600}) != 0)
		positions_failed(a, errno);
	else {
		buf_reset(&a->saved);
		(void)buf_append(&a->saved, b.data, b.len);
	}
	buf_release(&b);
}

/* ---- sources ---- */

static bool
following(const struct analysis *a, const char *path)
{
	size_t i;

	for (i = 0; i < a->nsrc; i++)
		if (strcmp(a->src[i]->path, path) == 0)
			return true;
	return false;
}

/* Watch the directory of path (a write, a new file, a rename there). */
static void
watch_dir(struct analysis *a, const char *path)
{
	char copy[4096];

	snprintf(copy, sizeof(copy), "%s", path);
	if (inotify_add_watch(a->ino_fd, dirname(copy),
		IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE |
		    IN_ATTRIB) < 0)
		log_warn("%s: cannot watch its directory (%s); looked at "
			 "once a second",
		    path, strerror(errno));
}

static void
source_add(struct analysis *a, const struct conf_localfile *lf,
    const char *path, bool first_sight)
{
	struct source *s;
	struct logsrc_pos p;
	const struct logsrc_pos *saved;

	if (following(a, path))
		return;
	if (a->nsrc == MAX_SOURCES) {
		log_warn(
		    "%s: not followed: already %d files", path, MAX_SOURCES);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	saved = saved_pos(a, path, &p);
	s->a = a;
	s->lf = lf;
	if ((s->path = strdup(path)) == NULL ||
	    logsrc_file_open(path, MAX_LINE, saved,
		first_sight && lf->only_future_events, on_line, s,
		&s->f) != 0) {
		free(s->path);
		free(s);
		return;
	}
	s->clock.name = s->path;
	watch_dir(a, path);
	a->src[a->nsrc++] = s;
	log_info(
	    "following %s%s", path, saved ? " from its saved position" : "");
}

static bool
excluded(const struct conf_localfile *lf, const char *path)
{
	size_t i;

	for (i = 0; i < lf->exclude.n; i++)
		if (fnmatch(lf->exclude.v[i], path, FNM_PATHNAME) == 0)
			return true;
	return false;
}

/* Poll a file about to be let go until its end. */
static void
poll_to_end(struct logsrc_file *f)
{
	while (logsrc_file_poll(f) >= 0 && logsrc_file_behind(f))
		;
}

static void
source_free(struct source *s)
{
	logsrc_file_close(s->f);
	free(s->path);
	free(s);
}

/*
 * A <location> with strftime conversions (/var/log/app-%Y-%m-%d.log)
 * names today's file. When the date moves on, the file of the day
 * before is read to its end and no longer followed.
 */
static const char *
dated_path(const struct conf_localfile *lf, char *out, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	size_t n;

	if (strchr(lf->location, '%') == NULL)
		return lf->location;
	localtime_r(&t, &tm);
	/* The format is the administrator's <location>; strftime reads
	 * nothing but tm whatever it holds. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(out, size, lf->location, &tm);
#pragma GCC diagnostic pop
	return n > 0 ? out : lf->location;
}

static void
retire_dated(
    struct analysis *a, const struct conf_localfile *lf, const char *today)
{
	size_t i;

	for (i = 0; i < a->nsrc; i++) {
		struct source *s = a->src[i];

		if (s->lf != lf || strcmp(s->path, today) == 0)
			continue;
		poll_to_end(s->f);
		log_notice(
		    "%s: no longer followed (%s is today's)", s->path, today);
		source_free(s);
		a->src[i--] = a->src[--a->nsrc];
	}
}

static bool
has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* The files of these <localfile>s: plain paths as they are, wildcards
 * (again each second, so files that appear later are taken). */
static void
scan_list(struct analysis *a, const struct conf_localfile *lfs, size_t n,
    bool first_sight)
{
	char dated[4096];
	const char *path;
	glob_t g;
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct conf_localfile *lf = &lfs[i];

		if (lf->format == LOG_FORMAT_JOURNALD ||
		    lf->format > LOG_FORMAT_JOURNALD || lf->location[0] != '/')
			continue;
		if (strchr(lf->location, '%') != NULL) {
			path = dated_path(lf, dated, sizeof(dated));
			retire_dated(a, lf, path);
			source_add(a, lf, path, first_sight);
			continue;
		}
		if (!has_wildcard(lf->location)) {
			source_add(a, lf, lf->location, first_sight);
			continue;
		}
		if (glob(lf->location, GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (k = 0; k < g.gl_pathc; k++)
			if (!excluded(lf, g.gl_pathv[k]))
				source_add(a, lf, g.gl_pathv[k], first_sight);
		globfree(&g);
	}
}

/* The files of the configuration's <localfile>s and of the manager's
 * agent.conf (an agent). */
static void
sources_scan(struct analysis *a, bool first_sight)
{
	scan_list(a, a->conf->localfiles, a->conf->nlocalfiles, first_sight);
	if (a->shared != NULL)
		scan_list(a, a->shared->localfiles, a->shared->nlocalfiles,
		    first_sight);
}

/* ---- journald ---- */

/* The saved cursor of location (a "journal CURSOR LOCATION" line). */
static bool
saved_cursor(struct analysis *a, const char *location, char *out, size_t size)
{
	const char *p = buf_cstr(&a->saved), *nl, *sp;
	size_t loclen = strlen(location);

	for (; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		if (strncmp(p, "journal ", 8) != 0 ||
		    (sp = memchr(p + 8, ' ', (size_t)(nl - p - 8))) == NULL ||
		    (size_t)(nl - sp - 1) != loclen ||
		    memcmp(sp + 1, location, loclen) != 0 ||
		    (size_t)(sp - p - 8) >= size)
			continue;
		memcpy(out, p + 8, (size_t)(sp - p - 8));
		out[sp - p - 8] = '\0';
		return true;
	}
	return false;
}

static void
on_journal_line(const char *line, size_t len, void *ctx)
{
	struct jsource *s = ctx;

	analyse(s->a, line, len,
	    s->lf->alias != NULL ? s->lf->alias : s->lf->location, &s->clock);
}

static void
journal_read(struct jsource *s)
{
	while (logsrc_journal_read(s->j, 4096) > 0)
		;
	s->clock.live = true; /* caught up: what comes next is fresh */
}

static void
on_journal(struct evloop *loop, struct evio *io, unsigned events)
{
	struct jsource *s = io->ctx;

	(void)loop, (void)events;
	journal_read(s);
	(void)alert_writer_flush(s->a->w);
}

/* Open one journal <localfile>; a journal that cannot be opened is
 * reported and the rest runs. */
static void
journal_add(struct analysis *a, const struct conf_localfile *lf)
{
	struct jsource *s = &a->js[a->njs];
	struct logsrc_journal_filter f[16];
	const char *dir = NULL;
	char cursor[1024] = "";
	size_t i;
	int fd;

	if (a->njs == MAX_JOURNALS || lf->nfilters > 16) {
		log_warn("%s: not read: at most %d journals of 16 filters",
		    lf->location, MAX_JOURNALS);
		return;
	}
	if (strncmp(lf->location, JOURNAL_PREFIX, strlen(JOURNAL_PREFIX)) == 0)
		dir = lf->location + strlen(JOURNAL_PREFIX);
	for (i = 0; i < lf->nfilters; i++)
		f[i] = (struct logsrc_journal_filter){
		    lf->filters[i].field, lf->filters[i].pattern};
	*s = (struct jsource){.lf = lf, .a = a, .clock.name = lf->location};
	if (logsrc_journal_open(dir,
		saved_cursor(a, lf->location, cursor, sizeof(cursor)) ? cursor
								      : NULL,
		f, lf->nfilters, MAX_LINE, on_journal_line, s, &s->j) != 0)
		return;
	if ((fd = logsrc_journal_fd(s->j)) >= 0) {
		evio_init(&s->io, fd, EV_READ, on_journal, s);
		(void)evloop_io_start(a->loop, &s->io);
	}
	a->njs++;
	log_notice("reading %s%s", dir != NULL ? dir : "the system journal",
	    cursor[0] != '\0' ? " from its saved cursor" : "");
}

/* <unless_written>: whether lf is left out because its file is being
 * written by a syslog daemon (it exists and changed within a day), so
 * the same lines would come twice. Decided at start, and said. */
static bool
written_elsewhere(const struct conf_localfile *lf)
{
	struct stat st;
	time_t now = time(NULL);

	if (lf->unless_written == NULL)
		return false;
	if (stat(lf->unless_written, &st) != 0 || !S_ISREG(st.st_mode) ||
	    now - st.st_mtime > WRITTEN_WITHIN_S) {
		log_notice("%s: read (%s is not being written)", lf->location,
		    lf->unless_written);
		return false;
	}
	log_notice("%s: not read: %s is being written (last %lld s ago) and "
		   "holds the same lines",
	    lf->location, lf->unless_written, (long long)(now - st.st_mtime));
	return true;
}

static void
journals_start(struct analysis *a)
{
	size_t i;

	for (i = 0; i < a->conf->nlocalfiles; i++)
		if (a->conf->localfiles[i].format == LOG_FORMAT_JOURNALD &&
		    !written_elsewhere(&a->conf->localfiles[i]))
			journal_add(a, &a->conf->localfiles[i]);
}

/* Read what every source has, a bounded amount of each: a source with
 * more (written faster than it is read, a backlog) is polled again at
 * the next loop turn, after the timers and sockets, so the counters,
 * the positions and the other sources keep going meanwhile. */
static void
poll_all(struct analysis *a)
{
	bool behind = false;
	size_t i;

	for (i = 0; i < a->nsrc; i++) {
		if (logsrc_file_poll(a->src[i]->f) < 0)
			log_warn("%s: read error: %s", a->src[i]->path,
			    strerror(errno));
		if (logsrc_file_behind(a->src[i]->f))
			behind = true;
		else
			a->src[i]->clock.live = true; /* caught up */
	}
	for (i = 0; i < a->njs; i++)
		journal_read(&a->js[i]);
	(void)alert_writer_flush(a->w);
	if (behind && !a->more.active)
		(void)evloop_timer_start(a->loop, &a->more, 0);
}

static void
on_more(struct evloop *loop, struct evtimer *t)
{
	(void)loop;
	poll_all(t->ctx);
}

static void
on_inotify(struct evloop *loop, struct evio *io, unsigned events)
{
	struct analysis *a = io->ctx;
	char b[8192] __attribute__((aligned(8)));

	(void)loop, (void)events;
	while (read(io->fd, b, sizeof(b)) > 0)
		;
	poll_all(a);
}

static void
on_tick(struct evloop *loop, struct evtimer *t)
{
	struct analysis *a = t->ctx;

	sources_scan(a, false);
	poll_all(a);
	positions_save(a);
	(void)evloop_timer_start(loop, t, TICK_MS);
}

/* ---- standard input (arxd -i) ---- */

static void
on_stdin_line(const char *line, size_t len, void *ctx)
{
	analyse(ctx, line, len, "stdin", NULL);
}

static void
on_stdin(struct evloop *loop, struct evio *io, unsigned events)
{
	struct analysis *a = io->ctx;
	char chunk[CHUNK_STDIN];
	ssize_t n;

	(void)events;
	while ((n = read(io->fd, chunk, sizeof(chunk))) > 0)
		(void)logsrc_lines_feed(&a->in_lines, chunk, (size_t)n);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		logsrc_lines_flush(&a->in_lines);
		evloop_io_stop(loop, io);
		log_info("standard input ended");
	}
	(void)alert_writer_flush(a->w);
}

static int
stdin_start(struct analysis *a)
{
	int fl = fcntl(0, F_GETFL);
	int r;

	if (fl < 0 || fcntl(0, F_SETFL, fl | O_NONBLOCK) != 0)
		return ARX_ERR_SYS;
	if ((r = logsrc_lines_init(&a->in_lines, MAX_LINE, on_stdin_line, a)) !=
	    0)
		return r;
	evio_init(&a->in, 0, EV_READ, on_stdin, a);
	return evloop_io_start(a->loop, &a->in);
}

/* ---- syslog listeners (<remote><connection>syslog) ---- */

static void
on_dgram(struct evloop *loop, struct evio *io, unsigned events)
{
	struct listener *l = io->ctx;

	(void)loop, (void)events;
	(void)logsrc_dgram_read(l->s);
	(void)alert_writer_flush(l->a->w);
}

static int
listener_add(struct analysis *a, const struct conf_remote *r)
{
	struct listener *l = &a->lis[a->nlis];
	struct logsrc_dgram_filter f = {r->allowed_ips.v, r->denied_ips.v,
	    r->allowed_ips.n, r->denied_ips.n};
	int rc;

	if (a->nlis == MAX_LISTEN)
		return ARX_ERR_TOOBIG;
	if (r->socket != NULL) {
		rc = logsrc_dgram_unix(r->socket, on_msg, a, &l->s);
		if (rc == 0)
			logsrc_dgram_set_host(l->s, a->conf->daemon.node_name);
	} else
		rc = logsrc_dgram_udp(
		    r->local_ip, r->port, &f, on_msg, a, &l->s);
	if (rc != 0)
		return rc;
	l->a = a;
	evio_init(&l->io, logsrc_dgram_fd(l->s), EV_READ, on_dgram, l);
	if ((rc = evloop_io_start(a->loop, &l->io)) != 0) {
		logsrc_dgram_close(l->s);
		return rc;
	}
	a->nlis++;
	if (r->socket != NULL)
		log_info("syslog on the Unix socket %s", r->socket);
	else
		log_info("syslog over UDP on %s port %u%s",
		    r->local_ip ? r->local_ip : "*", r->port,
		    r->allowed_ips.n ? ""
				     : " (loopback senders only: no "
				       "<allowed-ips>)");
	return 0;
}

static int
tcp_add(struct analysis *a, const struct conf_remote *r)
{
	struct logsrc_dgram_filter f = {r->allowed_ips.v, r->denied_ips.v,
	    r->allowed_ips.n, r->denied_ips.n};
	int rc;

	if (a->ntcp == MAX_LISTEN)
		return ARX_ERR_TOOBIG;
	rc = logsrc_tcp_open(
	    a->loop, r->local_ip, r->port, &f, on_msg, a, &a->tcp[a->ntcp]);
	if (rc == 0)
		logsrc_tcp_set_per_source(a->tcp[a->ntcp++], r->max_per_source);
	return rc;
}

/* ---- agents (<remote><connection>secure) ---- */

static void
on_agent_line(const char *line, size_t len, const char *loc, void *ctx)
{
	analyse(ctx, line, len, loc, NULL);
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

static int
listeners_start(struct analysis *a)
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
		    (rc = listener_add(a, r)) != 0)
			return rc;
		if ((r->protocol & CONF_PROTO_TCP) && (rc = tcp_add(a, r)) != 0)
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

	positions_save(a);
	for (i = 0; old != NULL && i < a->nsrc; i++) {
		const struct conf_localfile *lf = a->src[i]->lf;

		if (lf < old->localfiles ||
		    lf >= old->localfiles + old->nlocalfiles)
			continue;
		poll_to_end(a->src[i]->f);
		log_notice("%s: no longer followed (agent.conf changed)",
		    a->src[i]->path);
		source_free(a->src[i]);
		a->src[i--] = a->src[--a->nsrc];
	}
	conf_free(old);
	a->shared = c;
	sources_scan(a, true);
	poll_all(a);
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
static void
shared_restore(struct analysis *a)
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

static int
uplink_begin(struct analysis *a)
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

static int
feed_start(struct analysis *a)
{
	if (!a->conf->feed.present)
		return 0;
	return feedsrv_start(a->loop, &a->conf->feed, a->conf->daemon.log_dir,
	    feed_extra, a, &a->feed);
}

static int
enroll_start(struct analysis *a)
{
	const struct conf_auth *au = &a->conf->auth;

	if (!au->present || au->disabled)
		return 0;
	return enrollsrv_start(a->loop, au, a->pos_dir, "agents", &a->enroll);
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
	return a->w != NULL ? 0 : ARX_ERR_SYS;
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
	evio_init(&a->ino, a->ino_fd, EV_READ, on_inotify, a);
	evtimer_init(&a->tick, on_tick, a);
	evtimer_init(&a->more, on_more, a);
	if ((r = listeners_start(a)) != 0 || (r = enroll_start(a)) != 0 ||
	    (r = feed_start(a)) != 0 || (r = uplink_begin(a)) != 0 ||
	    (read_stdin && (r = stdin_start(a)) != 0))
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
		shared_restore(a);
	if (a->remote != NULL)
		remote_restore(a->remote);
	positions_load(a);
	sources_scan(a, true);
	journals_start(a);
	/* where reading starts, before a line is read (nothing can be
	 * skipped by it): a file first seen now (read from its end) is not
	 * first seen again after a crash before the first safe save */
	positions_write(a);
	poll_all(a);
	a->begun = true;
}

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
		poll_all(a);
		positions_save(a);
	}
	evloop_io_stop(a->loop, &a->ino);
	evloop_timer_stop(a->loop, &a->tick);
	evloop_timer_stop(a->loop, &a->more);
	if (a->ino_fd >= 0)
		close(a->ino_fd);
	if (a->pos_dir >= 0)
		close(a->pos_dir);
	for (i = 0; i < a->nsrc; i++)
		source_free(a->src[i]);
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
	remote_stop(a->remote);
	uplink_stop(a->uplink);
	feedsrv_stop(a->feed);
	log_info("analysis stopped: %lu lines read", a->lines);
	alert_writer_close(a->w);
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
