/*
 * The daemon's running life: state and log directories, the response
 * dispatcher with its journal, analysis of the <localfile> files, the
 * control socket, signals, and a clean stop. Everything runs in one
 * process today; privilege separation, journald and the syslog
 * listener come with the rest of the daemon issue
 * (docs/ARCHITECTURE.md).
 */
#ifndef ARX_DAEMON_RUN_H
#define ARX_DAEMON_RUN_H

#include <stdbool.h>

#include "config/conf.h"

/* Run until SIGTERM or SIGINT (SIGHUP reloads conf_path); takes conf
 * and frees it. read_stdin: log lines also come from standard input.
 * Returns a sysexits code. */
int arxd_run(struct arx_conf *conf, const char *conf_path, bool read_stdin);

#endif
