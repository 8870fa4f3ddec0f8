/*
 * The daemon's running life: state and log directories, the response
 * dispatcher with its journal, analysis of the <localfile> files, the
 * control socket, signals, and a clean stop. Everything runs in one
 * process today; privilege separation, journald, the syslog listener
 * and reload come with the rest of the daemon issue
 * (docs/ARCHITECTURE.md).
 */
#ifndef ARX_DAEMON_RUN_H
#define ARX_DAEMON_RUN_H

#include "config/conf.h"

/* Run until SIGTERM or SIGINT; returns a sysexits code. */
int arxd_run(const struct arx_conf *conf);

#endif
