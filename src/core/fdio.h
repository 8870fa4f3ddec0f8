/*
 * Writing to a descriptor whole: the loop every file, socket and pipe
 * writer needs (an interrupted or short write is followed by another).
 * Owns nothing.
 */
#ifndef ARX_CORE_FDIO_H
#define ARX_CORE_FDIO_H

#include <stddef.h>

/* Write all len bytes of p to fd. 0, or ARX_ERR_SYS with errno saying
 * why (EIO when the kernel took nothing and gave no reason). */
int fdio_write_all(int fd, const void *p, size_t len);

#endif
