/*
 * Telling whoever waits for arxd that it is up, or why it is not. Two
 * listeners: systemd, through the datagram socket named by
 * $NOTIFY_SOCKET (sd_notify's protocol, done here in a few lines: no
 * libsystemd), and the first process of a detached arxd, which waits
 * on a pipe that is the daemon's standard error until it is ready
 * (main.c): the daemon's warnings and errors reach it through the log
 * tee (core/log.h), then one status line ends the start. Both ends of
 * that pipe's protocol are here. The daemon's side owns no state of its
 * own: the pipe is the log tee's descriptor and the socket is opened
 * for each message.
 */
#ifndef ARX_DAEMON_NOTIFY_H
#define ARX_DAEMON_NOTIFY_H

#include <sys/types.h>

/*
 * Send state ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET: a path, or an
 * abstract name when it starts with '@'. 0 when sent or when the
 * variable is not set; a negative code when it cannot be sent.
 */
int notify_send(const char *state);

/* The daemon is up (the control socket answers): READY=1 with status
 * as STATUS=, and the ready line on the start pipe, which is then let
 * go (log_tee_release()). */
void notify_ready(const char *status);

/* The start failed: its sysexits code on the start pipe, let go. */
void notify_failed(int rc);

/* The daemon's side is above; the command's below. */

/* Said by the process between the command and the daemon, which knows
 * the daemon's pid: written to the start pipe's end fd. */
void notify_daemon_pid(int fd, pid_t pid);

/*
 * The command's process of a detached start: copy the daemon's lines
 * from the start pipe fd to stderr until its status line, and return
 * the exit status it gives (0: ready). When the daemon is gone without
 * one (it died: the pipe ends, or its pid ends while its child still
 * holds the pipe), say so and return EX_SOFTWARE. first, the process
 * forked between, is reaped (its non-zero status is returned when it
 * could not fork the daemon). Closes fd.
 */
int notify_wait(int fd, pid_t first);

#endif
