/*
 * Alert writers: where alerts go (alerts.log, alerts.json, test doubles),
 * behind one small interface, so the daemon, replay and tests choose their
 * outputs without changing the engine. The file writer keeps both files
 * of a directory in step: an alert has one id, "<epoch>.<offset>", where
 * offset is its position in alerts.log, as in OSSEC/Wazuh.
 *
 * Writes are buffered and go out as whole records with O_APPEND, so a
 * reader following the file never sees half a record between flushes.
 * alert_writer_flush() is called by the owner (after a batch of events,
 * on a timer, and before exit) so that no alert waits for long.
 */
#ifndef ARX_ALERT_WRITER_H
#define ARX_ALERT_WRITER_H

#include <stdint.h>

#include "core/counters.h"
#include "engine/corr.h"
#include "engine/event.h"
#include "engine/rule.h"

/* One alert, as the writers need it. */
struct alert {
	const struct rule *rule;
	const struct event *ev;
	const struct corr *corr; /* previous events; may be NULL */
	unsigned long firedtimes;
	int64_t now_ms;
};

struct alert_writer;

struct alert_writer_ops {
	int (*write)(struct alert_writer *w, const struct alert *a);
	int (*flush)(struct alert_writer *w);
	void (*close)(struct alert_writer *w);
};

struct alert_writer {
	const struct alert_writer_ops *ops;
	unsigned min_level;      /* <alerts><log_alert_level> */
	unsigned long nwritten;  /* alerts accepted */
	unsigned long nfiltered; /* below min_level or no_log */
	unsigned long nerrors;   /* failed writes (reported, counted) */
	/* The alert just written, for active response: its id and its
	 * alerts.json object (no newline); valid until the next write or
	 * flush. last_id is empty when the last alert was not written. */
	char last_id[32];
	const char *last_json;
	size_t last_json_len;
};

/*
 * Open (create or append) DIR/alerts.log and DIR/alerts.json. manager is
 * this host's name for the JSON "agent" and "manager" objects. NULL on
 * failure (logged).
 */
struct alert_writer *alert_file_writer_open(
    const char *dir, unsigned min_level, const char *manager);

/* Write one alert if its rule's level and options call for it. */
int alert_writer_write(struct alert_writer *w, const struct alert *a);
int alert_writer_flush(struct alert_writer *w);
/* Flush, close and free. NULL is a no-op. */
void alert_writer_close(struct alert_writer *w);
/* Its counters as rows (core/counters.h): alerts_written,
 * alert_errors. */
void alert_writer_counters(const struct alert_writer *w, struct counters *c);

#endif
