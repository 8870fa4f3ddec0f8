/*
 * Following one log file: read what was appended, hand it over line by
 * line, and know where it stopped so a restart continues exactly there.
 * The caller says when to look (after an inotify event, or on a timer);
 * each look reads everything new and notices the two ways files rotate:
 *
 *  - rename (logrotate's default): the path names a new inode; the rest
 *    of the old file is read to its end first, then the new one from 0;
 *  - copytruncate: the file is shorter than the position; reading starts
 *    again from 0.
 *
 * A position is (device, inode, offset, hash of the file's first line);
 * it is trusted at start only when all of them still agree, so a new
 * file that happens to reuse the inode is read from its start. Lines
 * longer than max_line are cut at max_line, counted, and the rest of
 * the line is skipped: one line is never split into two events. A last
 * line without its newline waits for it (and the saved position stays
 * before it), unless the file was rotated away, which ends it.
 *
 * Owns its descriptor and its line splitter (lines.h).
 */
#ifndef ARX_LOGSRC_FILE_H
#define ARX_LOGSRC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/counters.h"
#include "logsrc/lines.h"

struct logsrc_pos {
	uint64_t dev, ino, offset;
	uint64_t head; /* hash of the first line (or first bytes); 0: empty */
};

struct logsrc_file_stats {
	unsigned long lines, cut, rotations, truncations;
	uint64_t bytes;
};

struct logsrc_file;

/*
 * Follow path. With saved (and matching), continue at its offset; else
 * start at the end when from_end (only-future-events), at 0 otherwise.
 * A missing file is not an error: it is picked up when it appears.
 */
int logsrc_file_open(const char *path, size_t max_line,
    const struct logsrc_pos *saved, bool from_end, logsrc_line_fn *fn,
    void *ctx, struct logsrc_file **out);
void logsrc_file_close(struct logsrc_file *f);

/* Read what is new (following a rotation), at most LOGSRC_POLL_MAX
 * bytes a call, so a file written faster than it is read does not hold
 * the caller's loop: logsrc_file_behind() then says there is more.
 * Returns lines handed over, or ARX_ERR_SYS on a read error (the
 * position is kept). */
int logsrc_file_poll(struct logsrc_file *f);
#define LOGSRC_POLL_MAX (4u << 20)

/* The last poll stopped at its budget, not at the end of the file. */
bool logsrc_file_behind(const struct logsrc_file *f);

/* Where a restart should continue. */
void logsrc_file_pos(const struct logsrc_file *f, struct logsrc_pos *out);

void logsrc_file_stats(
    const struct logsrc_file *f, struct logsrc_file_stats *st);
/* Its counters as rows (core/counters.h): cut, bytes, rotations,
 * truncations. */
void logsrc_file_counters(const struct logsrc_file *f, struct counters *c);

/* "dev ino offset head" and back; 0 or ARX_ERR_INVAL. */
int logsrc_pos_format(const struct logsrc_pos *p, struct buf *out);
int logsrc_pos_parse(const char *s, struct logsrc_pos *out);

#endif
