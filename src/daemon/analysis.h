/*
 * The analysis side of arxd: the <localfile> files it follows, the
 * ruleset and correlation state, the alert files, and the hand-over of
 * fired rules to active response. Files are watched with inotify on
 * their directories (a write, a new file, a rename all wake it) and
 * looked at once a second as well; positions are saved to
 * <state_dir>/positions once a second and at stop, so a restart goes on
 * where it stopped. Today it runs in the daemon's one process; the
 * daemon issue moves it into an unprivileged child.
 */
#ifndef ARX_DAEMON_ANALYSIS_H
#define ARX_DAEMON_ANALYSIS_H

#include <stdbool.h>

#include "ar/dispatch.h"
#include "config/conf.h"
#include "core/evloop.h"

struct analysis;

/* Load the ruleset, open the alert files and start following every
 * file <localfile>, every syslog <remote>, and standard input when
 * read_stdin. 0, or a negative code (logged). */
int analysis_start(const struct arx_conf *conf, struct evloop *loop,
    struct ar_dispatch *d, bool read_stdin, struct analysis **out);

/* Read what is left, flush alerts, save positions, free. */
void analysis_stop(struct analysis *a);

#endif
