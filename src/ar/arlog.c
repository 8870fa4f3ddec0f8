/*
 * active-responses.log lines (see arlog.h): formatting and appending.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ar/arlog.h"
#include "core/err.h"
#include "core/log.h"

int
ar_log_format(struct buf *out, int64_t now_ms, const struct ar_log_entry *e)
{
	time_t t = (time_t)(now_ms / 1000);
	char stamp[32];
	struct tm tm;
	int r;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y/%m/%d %H:%M:%S", &tm) == 0)
		return ARX_ERR_INVAL;
	r = buf_printf(
	    out, "%s arx-ar: %s %s %s", stamp, e->command, e->type, e->addr);
	if (r == 0 && e->rule_id != 0)
		r = buf_printf(out, " rule %u", e->rule_id);
	if (r == 0 && e->alert_id != NULL)
		r = buf_printf(out, " alert %s", e->alert_id);
	if (r == 0 && e->timeout_s != 0)
		r = buf_printf(out, " timeout %" PRIu64, e->timeout_s);
	if (r == 0 && e->error != NULL)
		r = buf_printf(out, " error %s", e->error);
	return r != 0 ? r : buf_putc(out, '\n');
}

int
ar_log_write(const char *path, const struct buf *lines)
{
	const char *p = lines->data;
	size_t left = lines->len;
	ssize_t n = 0;
	int fd, e;

	if (left == 0)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd == -1)
		return ARX_ERR_SYS;
	/* After a short write the next one says why (ENOSPC ...). */
	while (left > 0 && (n = write(fd, p, left)) > 0) {
		p += n;
		left -= (size_t)n;
	}
	e = left == 0 ? 0 : n == 0 ? EIO : errno;
	close(fd);
	errno = e;
	return left == 0 ? 0 : ARX_ERR_SYS;
}

int
ar_log_append(const char *path, int64_t now_ms, const struct ar_log_entry *e)
{
	struct buf b;
	int r;

	buf_init(&b, 4096);
	if ((r = ar_log_format(&b, now_ms, e)) == 0)
		r = ar_log_write(path, &b);
	buf_release(&b);
	return r;
}
