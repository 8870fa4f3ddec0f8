/*
 * Implementation of writer.h: the level filter shared by every writer and
 * the file writer for alerts.log + alerts.json.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert/alert_json.h"
#include "alert/alert_log.h"
#include "alert/writer.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fdio.h"
#include "core/log.h"
#include "core/strparse.h"

#define WRITER_BUF_MAX (1u << 20) /* flushed before it would grow past */

struct file_writer {
	struct alert_writer base;
	int fd_log, fd_json;
	uint64_t log_size; /* bytes in alerts.log, flushed or buffered */
	struct buf log, json;
	char manager[256];
	char dir[1024];
};

static int
file_flush(struct alert_writer *w)
{
	struct file_writer *f = (struct file_writer *)w;
	int r = 0;

	if (f->log.len > 0 &&
	    fdio_write_all(f->fd_log, f->log.data, f->log.len) != 0)
		r = ARX_ERR_SYS;
	if (f->json.len > 0 &&
	    fdio_write_all(f->fd_json, f->json.data, f->json.len) != 0)
		r = ARX_ERR_SYS;
	if (r != 0) {
		w->nerrors++;
		log_error(
		    "%s: cannot write alerts: %s", f->dir, strerror(errno));
	}
	buf_reset(&f->log);
	buf_reset(&f->json);
	return r;
}

static int
file_write(struct alert_writer *w, const struct alert *a)
{
	struct file_writer *f = (struct file_writer *)w;
	size_t log_before, json_before;
	int r;

	if (f->log.len + f->json.len > WRITER_BUF_MAX / 2 &&
	    (r = file_flush(w)) != 0)
		return r;
	log_before = f->log.len;
	json_before = f->json.len;
	if ((r = alert_log_format(&f->log, a->rule, a->ev, a->corr, a->now_ms,
		 f->log_size)) != 0 ||
	    (r = alert_json_format(&f->json, a->rule, a->ev, a->corr,
		 a->firedtimes, a->now_ms, f->log_size, f->manager)) != 0) {
		/* Neither file gets half a record or a record of its own. */
		buf_truncate(&f->log, log_before);
		buf_truncate(&f->json, json_before);
		w->nerrors++;
		return r;
	}
	snprintf(w->last_id, sizeof(w->last_id), "%lld.%llu",
	    (long long)(a->now_ms / 1000), (unsigned long long)f->log_size);
	w->last_json = f->json.data + json_before;
	w->last_json_len = f->json.len - json_before - 1;
	f->log_size += f->log.len - log_before;
	return 0;
}

static void
file_close(struct alert_writer *w)
{
	struct file_writer *f = (struct file_writer *)w;

	(void)file_flush(w);
	close(f->fd_log);
	close(f->fd_json);
	buf_release(&f->log);
	buf_release(&f->json);
	free(f);
}

static const struct alert_writer_ops file_ops = {
    file_write, file_flush, file_close};

static int
open_append(const char *dir, const char *name)
{
	char path[1100];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

struct alert_writer *
alert_file_writer_open(const char *dir, unsigned min_level, const char *manager)
{
	struct file_writer *f = calloc(1, sizeof(*f));
	struct stat st;

	if (f == NULL)
		return NULL;
	f->base.ops = &file_ops;
	f->base.min_level = min_level;
	str_lcpy(f->manager, manager, sizeof(f->manager));
	str_lcpy(f->dir, dir, sizeof(f->dir));
	buf_init(&f->log, WRITER_BUF_MAX);
	buf_init(&f->json, WRITER_BUF_MAX);
	f->fd_log = open_append(dir, "alerts.log");
	f->fd_json = open_append(dir, "alerts.json");
	if (f->fd_log == -1 || f->fd_json == -1 || fstat(f->fd_log, &st) != 0) {
		log_error("%s: cannot open alerts.log / alerts.json: %s", dir,
		    strerror(errno));
		if (f->fd_log != -1)
			close(f->fd_log);
		if (f->fd_json != -1)
			close(f->fd_json);
		free(f);
		return NULL;
	}
	f->log_size = (uint64_t)st.st_size;
	return &f->base;
}

int
alert_writer_write(struct alert_writer *w, const struct alert *a)
{
	const struct rule *r = a->rule;
	int ret;

	w->last_id[0] = '\0';
	w->last_json = NULL;
	w->last_json_len = 0;
	if (!rule_alert_logged(r, w->min_level)) {
		w->nfiltered++;
		return 0;
	}
	if ((ret = w->ops->write(w, a)) == 0)
		w->nwritten++;
	return ret;
}

int
alert_writer_flush(struct alert_writer *w)
{
	return w->ops->flush(w);
}

void
alert_writer_close(struct alert_writer *w)
{
	if (w != NULL)
		w->ops->close(w);
}

void
alert_writer_counters(const struct alert_writer *w, struct counters *c)
{
	(void)counters_add(c, "alerts_written", w->nwritten);
	(void)counters_add(c, "alert_errors", w->nerrors);
}
