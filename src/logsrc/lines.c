/*
 * Line splitting for log sources (lines.h).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "logsrc/lines.h"

int
logsrc_lines_init(
    struct logsrc_lines *l, size_t max, logsrc_line_fn *fn, void *ctx)
{
	memset(l, 0, sizeof(*l));
	if (max == 0 || (l->line = malloc(max)) == NULL)
		return ARX_ERR_NOMEM;
	l->max = max;
	l->fn = fn;
	l->ctx = ctx;
	return 0;
}

void
logsrc_lines_release(struct logsrc_lines *l)
{
	free(l->line);
	l->line = NULL;
}

static void
emit(struct logsrc_lines *l)
{
	l->lines++;
	l->fn(l->line, l->len, l->ctx);
	l->len = 0;
}

size_t
logsrc_lines_feed(struct logsrc_lines *l, const char *p, size_t n)
{
	const char *start = p, *end = p + n, *nl;
	size_t seg, room, last = LOGSRC_NO_LINE;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		seg = (size_t)((nl != NULL ? nl : end) - p);
		if (!l->skipping) {
			room = l->max - l->len;
			memcpy(l->line + l->len, p, seg < room ? seg : room);
			l->len += seg < room ? seg : room;
			if (seg > room) { /* too long: cut, skip the rest */
				l->cut++;
				emit(l);
				l->skipping = true;
			}
		}
		if (nl == NULL)
			break;
		if (!l->skipping)
			emit(l);
		l->skipping = false;
		p = nl + 1;
		last = (size_t)(p - start);
	}
	return last;
}

void
logsrc_lines_flush(struct logsrc_lines *l)
{
	if (l->len > 0 && !l->skipping)
		emit(l);
	logsrc_lines_reset(l);
}

void
logsrc_lines_reset(struct logsrc_lines *l)
{
	l->len = 0;
	l->skipping = false;
}
