/*
 * Readiness (notify.h): sd_notify's datagram to $NOTIFY_SOCKET, the
 * status line on the start pipe of a detached arxd, and the command's
 * side of that pipe, which also watches the daemon's pid (a pidfd) so a
 * daemon that dies is noticed even while its child holds the pipe.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fdio.h"
#include "core/log.h"
#include "daemon/notify.h"

/* Status lines on the start pipe; log lines never hold a control
 * character (they are escaped), so these cannot be forged by one. */
#define PIPE_PID   "\001pid "  /* + the daemon's pid, by its parent */
#define PIPE_READY "\001ready" /* the daemon is up */
#define PIPE_EXIT  "\001exit " /* + the sysexits code it stops with */

int
notify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	ssize_t n;
	int fd;

	if (name == NULL || name[0] == '\0')
		return 0;
	len = strlen(name);
	if ((name[0] != '/' && name[0] != '@') || len >= sizeof(sa.sun_path))
		return ARX_ERR_INVAL;
	memcpy(sa.sun_path, name, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: no NUL at the end either */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return ARX_ERR_SYS;
	do
		n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		    (const struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n == (ssize_t)strlen(state) ? 0 : ARX_ERR_SYS;
}

/* One status line on the start pipe, if there is one, then let it go. */
static void
pipe_status(const char *line)
{
	int fd = log_tee_stop();
	size_t len = strlen(line);

	if (fd < 0)
		return;
	while (write(fd, line, len) < 0 && errno == EINTR)
		;
	fdio_to_devnull(fd);
}

void
notify_ready(const char *status)
{
	char msg[512];
	int r;

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	if ((r = notify_send(msg)) != 0)
		log_warn(
		    "cannot tell systemd that arxd is ready (NOTIFY_SOCKET "
		    "%s): %s",
		    getenv("NOTIFY_SOCKET"),
		    r == ARX_ERR_SYS ? strerror(errno) : "not a socket name");
	pipe_status(PIPE_READY "\n");
}

void
notify_failed(int rc)
{
	char line[32];

	snprintf(line, sizeof(line), PIPE_EXIT "%d\n", rc);
	pipe_status(line);
}

/* ---- the command's side ---- */

void
notify_daemon_pid(int fd, pid_t pid)
{
	char line[64];

	snprintf(line, sizeof(line), PIPE_PID "%ld\n", (long)pid);
	while (write(fd, line, strlen(line)) < 0 && errno == EINTR)
		;
}

struct start_pipe {
	int fd;
	int pidfd;   /* the daemon's, once its pid is known; -1 */
	bool gone;   /* the daemon has ended */
	long pid;    /* the daemon's; 0 until said */
	int rc;      /* its status once said; -1 */
	size_t have; /* bytes of an unfinished line in buf */
	char buf[8192];
};

/* Watch the daemon's pid, so that its end is seen even while a child
 * of its still holds the pipe. */
static void
start_watch(struct start_pipe *sp, const char *num)
{
	sp->pid = strtol(num, NULL, 10);
	if (sp->pid <= 0 || sp->pidfd >= 0)
		return;
	sp->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)sp->pid, 0);
	if (sp->pidfd < 0 && errno == ESRCH)
		sp->gone = true;
}

/* One line from the pipe: a status line, or a message to copy. */
static void
start_line(struct start_pipe *sp, const char *line)
{
	long v;

	if (strncmp(line, PIPE_PID, strlen(PIPE_PID)) == 0)
		start_watch(sp, line + strlen(PIPE_PID));
	else if (strcmp(line, PIPE_READY) == 0)
		sp->rc = 0;
	else if (strncmp(line, PIPE_EXIT, strlen(PIPE_EXIT)) == 0) {
		v = strtol(line + strlen(PIPE_EXIT), NULL, 10);
		sp->rc = v > 0 && v < 256 ? (int)v : EX_SOFTWARE;
	} else
		fprintf(stderr, "%s\n", line);
}

/* Read once and handle every complete line; false at the pipe's end
 * (or when nothing is there, non-blocking). */
static bool
start_take(struct start_pipe *sp)
{
	char *p, *nl;
	ssize_t n;

	n = read(sp->fd, sp->buf + sp->have, sizeof(sp->buf) - 1 - sp->have);
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	sp->have += (size_t)n;
	sp->buf[sp->have] = '\0';
	for (p = sp->buf; sp->rc < 0 && (nl = strchr(p, '\n')) != NULL;
	     p = nl + 1) {
		*nl = '\0';
		start_line(sp, p);
	}
	sp->have -= (size_t)(p - sp->buf);
	memmove(sp->buf, p, sp->have);
	if (sp->have == sizeof(sp->buf) - 1) /* no line is that long */
		sp->have = 0;
	return true;
}

/* Until the status line, the pipe's end or the daemon's end (then what
 * it wrote before is read, without waiting for more). */
static void
start_read(struct start_pipe *sp)
{
	struct pollfd pf[2] = {
	    {.fd = sp->fd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};

	while (sp->rc < 0 && !sp->gone) {
		pf[0].revents = pf[1].revents = 0;
		pf[1].fd = sp->pidfd;
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return;
		if ((pf[0].revents & (POLLIN | POLLHUP)) && !start_take(sp))
			return;
		if (pf[1].revents & POLLIN)
			sp->gone = true;
	}
	if (sp->rc < 0 && fcntl(sp->fd, F_SETFL, O_NONBLOCK) == 0)
		while (sp->rc < 0 && start_take(sp))
			;
}

int
notify_wait(int fd, pid_t first)
{
	struct start_pipe sp = {.fd = fd, .pidfd = -1, .rc = -1};
	int st = 0;
	bool reaped;

	start_read(&sp);
	reaped = waitpid(first, &st, 0) == first; /* it ends at once */
	if (sp.rc < 0 && reaped && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		sp.rc = WEXITSTATUS(st); /* it could not fork; it said why */
	else if (sp.rc < 0) {
		fprintf(stderr,
		    "arxd: the daemon (pid %ld) ended before it was ready; "
		    "see the system log\n",
		    sp.pid);
		sp.rc = EX_SOFTWARE;
	}
	if (sp.rc != 0)
		fprintf(stderr, "arxd: not started (exit status %d)\n", sp.rc);
	if (sp.pidfd >= 0)
		close(sp.pidfd);
	close(fd);
	return sp.rc;
}
