/*
 * arxd's analysis side (analysis_int.h): its sources. Followed files and
 * their saved positions, journald, standard input (arxd -i) and the
 * syslog listeners, each handing its lines to an_analyse().
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

void
an_positions_load(struct analysis *a)
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

/* Save the positions, when the gate says every trigger of the lines read
 * so far is in the root process's hands. */
void
an_positions_save(struct analysis *a)
{
	if (a->save_ok != NULL && !a->save_ok(a->save_ctx))
		return; /* triggers in flight: keep the last safe positions */
	an_positions_write(a);
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

void
an_positions_write(struct analysis *a)
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
		first_sight && lf->only_future_events, an_on_line, s,
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
void
an_poll_to_end(struct logsrc_file *f)
{
	while (logsrc_file_poll(f) >= 0 && logsrc_file_behind(f))
		;
}

void
an_source_free(struct source *s)
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
		an_poll_to_end(s->f);
		log_notice(
		    "%s: no longer followed (%s is today's)", s->path, today);
		an_source_free(s);
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
void
an_sources_scan(struct analysis *a, bool first_sight)
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

	s->lines++;
	an_analyse(s->a, line, len,
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

void
an_journals_start(struct analysis *a)
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
void
an_poll_all(struct analysis *a)
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

void
an_on_more(struct evloop *loop, struct evtimer *t)
{
	(void)loop;
	an_poll_all(t->ctx);
}

void
an_on_inotify(struct evloop *loop, struct evio *io, unsigned events)
{
	struct analysis *a = io->ctx;
	char b[8192] __attribute__((aligned(8)));

	(void)loop, (void)events;
	while (read(io->fd, b, sizeof(b)) > 0)
		;
	an_poll_all(a);
}

void
an_on_tick(struct evloop *loop, struct evtimer *t)
{
	struct analysis *a = t->ctx;

	an_sources_scan(a, false);
	an_poll_all(a);
	an_positions_save(a);
	(void)evloop_timer_start(loop, t, TICK_MS);
}

/* ---- standard input (arxd -i) ---- */

static void
on_stdin_line(const char *line, size_t len, void *ctx)
{
	((struct analysis *)ctx)->stdin_lines++;
	an_analyse(ctx, line, len, "stdin", NULL);
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

int
an_stdin_start(struct analysis *a)
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

int
an_listener_add(struct analysis *a, const struct conf_remote *r)
{
	struct listener *l = &a->lis[a->nlis];
	struct logsrc_dgram_filter f = {r->allowed_ips.v, r->denied_ips.v,
	    r->allowed_ips.n, r->denied_ips.n};
	int rc;

	if (a->nlis == MAX_LISTEN)
		return ARX_ERR_TOOBIG;
	if (r->socket != NULL) {
		rc = logsrc_dgram_unix(r->socket, an_on_msg, a, &l->s);
		if (rc == 0)
			logsrc_dgram_set_host(l->s, a->conf->daemon.node_name);
	} else
		rc = logsrc_dgram_udp(
		    r->local_ip, r->port, &f, an_on_msg, a, &l->s);
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

int
an_tcp_add(struct analysis *a, const struct conf_remote *r)
{
	struct logsrc_dgram_filter f = {r->allowed_ips.v, r->denied_ips.v,
	    r->allowed_ips.n, r->denied_ips.n};
	int rc;

	if (a->ntcp == MAX_LISTEN)
		return ARX_ERR_TOOBIG;
	rc = logsrc_tcp_open(
	    a->loop, r->local_ip, r->port, &f, an_on_msg, a, &a->tcp[a->ntcp]);
	if (rc == 0)
		logsrc_tcp_set_per_source(a->tcp[a->ntcp++], r->max_per_source);
	return rc;
}
