/*
 * Implementation of fdio.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/err.h"
#include "core/fdio.h"

int
fdio_write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	ssize_t n;

	while (len > 0) {
		n = write(fd, c, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return ARX_ERR_SYS;
		}
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

void
fdio_to_devnull(int fd)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null < 0) {
		close(fd);
		return;
	}
	(void)dup2(null, fd);
	close(null);
}
