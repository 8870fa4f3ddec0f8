/*
 * The journal source (journal.h). Owns the sd_journal handle, the line
 * buffer, the compiled filters and the last cursor read.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "logsrc/journal.h"

#define MAX_FILTERS 16

struct jfilter {
	char field[128];
	pcre2_code *re;
};

struct logsrc_journal {
	sd_journal *j;
	logsrc_line_fn *fn;
	void *ctx;
	char *line;
	size_t max_line;
	char *cursor; /* of the last entry read; malloc'd */
	char *skip;   /* the saved cursor, until its entry is passed */
	struct jfilter f[MAX_FILTERS];
	size_t nf;
	pcre2_match_data *md;
	struct logsrc_journal_stats st;
};

static int
filters_compile(struct logsrc_journal *j,
    const struct logsrc_journal_filter *filters, size_t n)
{
	PCRE2_SIZE off;
	int err;

	if (n > MAX_FILTERS) {
		log_error("journald: at most %d filters", MAX_FILTERS);
		return ARX_ERR_INVAL;
	}
	for (j->nf = 0; j->nf < n; j->nf++) {
		const struct logsrc_journal_filter *f = &filters[j->nf];

		snprintf(j->f[j->nf].field, sizeof(j->f[j->nf].field), "%s",
		    f->field);
		j->f[j->nf].re = pcre2_compile((PCRE2_SPTR)f->pattern,
		    PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
		if (j->f[j->nf].re == NULL) {
			log_error("journald: filter on %s: bad pattern '%s' "
				  "at offset %zu",
			    f->field, f->pattern, (size_t)off);
			return ARX_ERR_INVAL;
		}
		(void)pcre2_jit_compile(j->f[j->nf].re, PCRE2_JIT_COMPLETE);
	}
	return (j->md = pcre2_match_data_create(4, NULL)) != NULL
	    ? 0
	    : ARX_ERR_NOMEM;
}

/* The value of field in the current entry, or NULL. */
static const char *
field_get(struct logsrc_journal *j, const char *field, size_t *len)
{
	size_t flen = strlen(field), l;
	const void *d;

	if (sd_journal_get_data(j->j, field, &d, &l) < 0 || l <= flen)
		return NULL;
	*len = l - flen - 1;
	return (const char *)d + flen + 1;
}

static bool
filters_pass(struct logsrc_journal *j)
{
	const char *v;
	size_t i, len;

	for (i = 0; i < j->nf; i++) {
		if ((v = field_get(j, j->f[i].field, &len)) == NULL ||
		    pcre2_match(
			j->f[i].re, (PCRE2_SPTR)v, len, 0, 0, j->md, NULL) < 0)
			return false;
	}
	return true;
}

/* Append up to len bytes of s at *pos, within max_line. */
static void
put(struct logsrc_journal *j, size_t *pos, const char *s, size_t len)
{
	if (len > j->max_line - *pos) {
		len = j->max_line - *pos;
		j->st.cut++;
	}
	memcpy(j->line + *pos, s, len);
	*pos += len;
}

static const char *
field_or(struct logsrc_journal *j, const char *a, const char *b, size_t *len)
{
	const char *v = field_get(j, a, len);

	return v != NULL ? v : field_get(j, b, len);
}

/* The current entry as a syslog line, handed over. */
static void
entry_emit(struct logsrc_journal *j)
{
	uint64_t usec = 0;
	time_t t;
	struct tm tm;
	char stamp[32];
	const char *v;
	size_t pos = 0, len;

	(void)sd_journal_get_realtime_usec(j->j, &usec);
	t = (time_t)(usec / 1000000);
	localtime_r(&t, &tm);
	put(j, &pos, stamp, strftime(stamp, sizeof(stamp), "%b %e %T ", &tm));
	if ((v = field_get(j, "_HOSTNAME", &len)) != NULL)
		put(j, &pos, v, len);
	put(j, &pos, " ", 1);
	if ((v = field_or(j, "SYSLOG_IDENTIFIER", "_COMM", &len)) != NULL)
		put(j, &pos, v, len);
	if ((v = field_or(j, "_PID", "SYSLOG_PID", &len)) != NULL) {
		put(j, &pos, "[", 1);
		put(j, &pos, v, len);
		put(j, &pos, "]", 1);
	}
	put(j, &pos, ": ", 2);
	if ((v = field_get(j, "MESSAGE", &len)) != NULL)
		put(j, &pos, v, len);
	j->fn(j->line, pos, j->ctx);
}

/* Where reading starts: after cursor when it is usable, else the end. */
static void
seek_start(struct logsrc_journal *j, const char *cursor)
{
	if (cursor != NULL && cursor[0] != '\0') {
		if (sd_journal_seek_cursor(j->j, cursor) >= 0 &&
		    (j->skip = strdup(cursor)) != NULL)
			return;
		j->st.bad_cursor++;
		log_warn("journald: the saved cursor cannot be used; reading "
			 "from the end");
	}
	(void)sd_journal_seek_tail(j->j);
	(void)sd_journal_previous(j->j);
}

int
logsrc_journal_open(const char *dir, const char *cursor,
    const struct logsrc_journal_filter *filters, size_t nfilters,
    size_t max_line, logsrc_line_fn *fn, void *ctx, struct logsrc_journal **out)
{
	struct logsrc_journal *j = calloc(1, sizeof(*j));
	int r;

	*out = NULL;
	if (j == NULL || (j->line = malloc(max_line)) == NULL) {
		free(j);
		return ARX_ERR_NOMEM;
	}
	j->fn = fn, j->ctx = ctx, j->max_line = max_line;
	r = dir != NULL ? sd_journal_open_directory(&j->j, dir, 0)
			: sd_journal_open(&j->j, SD_JOURNAL_LOCAL_ONLY);
	if (r < 0) {
		log_error("journald: cannot open %s: %s",
		    dir != NULL ? dir : "the system journal", strerror(-r));
		j->j = NULL;
		logsrc_journal_close(j);
		return ARX_ERR_NOTFOUND;
	}
	(void)sd_journal_set_data_threshold(j->j, max_line);
	if ((r = filters_compile(j, filters, nfilters)) != 0) {
		logsrc_journal_close(j);
		return r;
	}
	seek_start(j, cursor);
	*out = j;
	return 0;
}

int
logsrc_journal_fd(struct logsrc_journal *j)
{
	int fd = sd_journal_get_fd(j->j);

	return fd >= 0 ? fd : -1;
}

/* Remember the current entry's cursor; true if it is the saved one. */
static bool
cursor_take(struct logsrc_journal *j)
{
	char *c = NULL;
	bool seen = false;

	if (j->skip != NULL) {
		seen = sd_journal_test_cursor(j->j, j->skip) > 0;
		free(j->skip);
		j->skip = NULL;
	}
	if (sd_journal_get_cursor(j->j, &c) >= 0) {
		free(j->cursor);
		j->cursor = c;
	}
	return seen;
}

int
logsrc_journal_read(struct logsrc_journal *j, size_t max)
{
	size_t n = 0, looked = 0;

	(void)sd_journal_process(j->j);
	while (looked++ < max && sd_journal_next(j->j) > 0) {
		if (cursor_take(j))
			continue; /* read before the restart */
		if (!filters_pass(j)) {
			j->st.filtered++;
			continue;
		}
		j->st.entries++;
		entry_emit(j);
		n++;
	}
	return (int)n;
}

const char *
logsrc_journal_cursor(const struct logsrc_journal *j)
{
	return j->cursor != NULL ? j->cursor : "";
}

void
logsrc_journal_stats(
    const struct logsrc_journal *j, struct logsrc_journal_stats *st)
{
	*st = j->st;
}

void
logsrc_journal_close(struct logsrc_journal *j)
{
	size_t i;

	if (j == NULL)
		return;
	if (j->j != NULL)
		sd_journal_close(j->j);
	for (i = 0; i < j->nf; i++)
		pcre2_code_free(j->f[i].re);
	pcre2_match_data_free(j->md);
	free(j->cursor);
	free(j->skip);
	free(j->line);
	free(j);
}

void
logsrc_journal_counters(const struct logsrc_journal *j, struct counters *c)
{
	struct logsrc_journal_stats st;

	logsrc_journal_stats(j, &st);
	(void)counters_add(c, "cut", st.cut);
}
