/*
 * Writing to a descriptor whole: the loop every file, socket and pipe
 * writer needs (an interrupted or short write is followed by another);
 * and letting a descriptor go without freeing its number. Owns nothing.
 */
#ifndef ARX_CORE_FDIO_H
#define ARX_CORE_FDIO_H

#include <stddef.h>

/* Write all len bytes of p to fd. 0, or ARX_ERR_SYS with errno saying
 * why (EIO when the kernel took nothing and gave no reason). */
int fdio_write_all(int fd, const void *p, size_t len);

/* Put /dev/null where fd was (closing fd when /dev/null cannot be
 * opened): whoever waits for the other end of a pipe sees it end once
 * every process has let it go, and the number is not reused. */
void fdio_to_devnull(int fd);

#endif
