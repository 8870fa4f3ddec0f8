/*
 * The daemon's running life: state and log directories, the response
 * dispatcher with its journal, the analysis child (child.h), the
 * control socket, signals, reload and a clean stop. It says when the
 * start is over (notify.h): once the child is ready and the control
 * socket is bound, never before (docs/ARCHITECTURE.md).
 */
#ifndef ARX_DAEMON_RUN_H
#define ARX_DAEMON_RUN_H

#include <stdbool.h>

#include "config/conf.h"

/* Run until SIGTERM or SIGINT (SIGHUP reloads conf_path); takes conf
 * and frees it. read_stdin: log lines also come from standard input.
 * Returns a sysexits code. */
int arxd_run(struct arx_conf *conf, const char *conf_path, bool read_stdin);

/* Whether conf (with -i: read_stdin) has the analysis child run: any
 * <localfile>, <remote>, enabled <auth> or <feed>. Without one, neither
 * the ruleset nor <user> is needed. */
bool arxd_has_analysis(const struct arx_conf *conf, bool read_stdin);

#endif
