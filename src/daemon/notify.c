/*
 * Readiness (notify.h): sd_notify's datagram to $NOTIFY_SOCKET, and the
 * status line on the start pipe of a detached arxd.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "daemon/notify.h"

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

/* Put /dev/null where the start pipe was: the waiting process sees
 * its end once every process of the start has let it go. */
static void
pipe_let_go(int fd)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null < 0) {
		close(fd);
		return;
	}
	(void)dup2(null, fd);
	close(null);
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
	pipe_let_go(fd);
}

void
notify_release(void)
{
	int fd = log_tee_stop();

	if (fd >= 0)
		pipe_let_go(fd);
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
	pipe_status(NOTIFY_PIPE_READY "\n");
}

void
notify_failed(int rc)
{
	char line[32];

	snprintf(line, sizeof(line), NOTIFY_PIPE_EXIT "%d\n", rc);
	pipe_status(line);
}
