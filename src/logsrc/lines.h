/*
 * Splitting a byte stream into lines, shared by every log source: a line
 * longer than max is cut at max, handed over once and counted, and the
 * rest of it up to its newline is skipped, so one line never becomes two
 * events. A last line without its newline waits in the buffer.
 *
 * Owns its buffer of max bytes.
 */
#ifndef ARX_LOGSRC_LINES_H
#define ARX_LOGSRC_LINES_H

#include <stdbool.h>
#include <stddef.h>

typedef void logsrc_line_fn(const char *line, size_t len, void *ctx);

struct logsrc_lines {
	char *line;
	size_t len, max;
	bool skipping; /* dropping the rest of a cut line */
	logsrc_line_fn *fn;
	void *ctx;
	unsigned long lines, cut;
};

#define LOGSRC_NO_LINE ((size_t)-1)

int logsrc_lines_init(
    struct logsrc_lines *l, size_t max, logsrc_line_fn *fn, void *ctx);
void logsrc_lines_release(struct logsrc_lines *l);

/* Split p[0..n); returns the offset in p just past the last newline, or
 * LOGSRC_NO_LINE when p held none. */
size_t logsrc_lines_feed(struct logsrc_lines *l, const char *p, size_t n);

/* Hand over a waiting last line (its source ended), and forget it. */
void logsrc_lines_flush(struct logsrc_lines *l);
/* Forget a waiting line (its source was truncated). */
void logsrc_lines_reset(struct logsrc_lines *l);

#endif
