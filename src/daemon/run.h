/*
 * The daemon's running life: state and log directories, the response
 * dispatcher with its journal, the control socket, signals, and a clean
 * stop. Today arxd serves active response and its control commands;
 * log collection and analysis join this loop with the daemon issue
 * (docs/ARCHITECTURE.md).
 */
#ifndef ARX_DAEMON_RUN_H
#define ARX_DAEMON_RUN_H

#include "config/conf.h"

/* Run until SIGTERM or SIGINT; returns a sysexits code. */
int arxd_run(const struct arx_conf *conf);

#endif
