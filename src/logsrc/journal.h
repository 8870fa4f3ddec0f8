/*
 * Reading the systemd journal through sd-journal: every entry written
 * after a saved cursor (or, at first start, after the end: only new
 * entries, as Wazuh does), handed over as one syslog-style line
 * "Mmm dd hh:mm:ss host ident[pid]: message", so the pre-decoder and
 * the decoders see what they would see in auth.log. Filters (Wazuh's
 * <filter field="_SYSTEMD_UNIT">^ssh.service$</filter>) are PCRE2
 * patterns that all must match their field for an entry to be read.
 *
 * The caller polls the descriptor (logsrc_journal_fd) and calls
 * logsrc_journal_read; the cursor of the last entry read is what to
 * save. Owns its sd_journal handle, its line buffer and its compiled
 * filters.
 */
#ifndef ARX_LOGSRC_JOURNAL_H
#define ARX_LOGSRC_JOURNAL_H

#include <stddef.h>

#include "core/counters.h"
#include "logsrc/lines.h"

struct logsrc_journal;

struct logsrc_journal_filter {
	const char *field;   /* "_SYSTEMD_UNIT" */
	const char *pattern; /* PCRE2 */
};

struct logsrc_journal_stats {
	unsigned long entries, filtered, cut, bad_cursor;
};

/*
 * Open the local system journal (dir NULL) or the journal files of dir,
 * going on after cursor (NULL: from the end). An unusable cursor (its
 * journal was vacuumed away) is reported and reading starts at the end.
 * 0, ARX_ERR_INVAL (a bad filter, logged), ARX_ERR_NOTFOUND (no journal
 * there) or ARX_ERR_SYS.
 */
int logsrc_journal_open(const char *dir, const char *cursor,
    const struct logsrc_journal_filter *filters, size_t nfilters,
    size_t max_line, logsrc_line_fn *fn, void *ctx,
    struct logsrc_journal **out);

/* The descriptor to poll for input, or -1 (then poll on a timer). */
int logsrc_journal_fd(struct logsrc_journal *j);

/* Hand over up to max new entries; how many were read, or < 0. */
int logsrc_journal_read(struct logsrc_journal *j, size_t max);

/* The cursor of the last entry read ("" before the first). */
const char *logsrc_journal_cursor(const struct logsrc_journal *j);

void logsrc_journal_stats(
    const struct logsrc_journal *j, struct logsrc_journal_stats *st);
/* Its counters as rows (core/counters.h): cut. */
void logsrc_journal_counters(
    const struct logsrc_journal *j, struct counters *c);

void logsrc_journal_close(struct logsrc_journal *j);

#endif
