/*
 * A bounded, growable byte buffer (in the spirit of curl's dynbuf and
 * OpenSSH's sshbuf). The buffer owns its storage; its content is always
 * NUL-terminated so it can be used as a C string. Growth stops at the
 * maximum given to buf_init(): an append that would pass it fails with
 * ARX_ERR_TOOBIG and leaves the buffer unchanged.
 */
#ifndef ARX_CORE_BUF_H
#define ARX_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *data; /* NULL until the first append */
	size_t len; /* bytes used, excluding the terminating NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* largest allowed len */
};

/* Initialise an empty buffer that may hold up to max bytes. */
void buf_init(struct buf *b, size_t max);
/* Free the storage; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);
/* Forget the content, keep the storage. */
void buf_reset(struct buf *b);
/* Drop everything after the first len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
/* Append len bytes. 0, ARX_ERR_TOOBIG or ARX_ERR_NOMEM. */
int buf_append(struct buf *b, const void *p, size_t len);
/* Append a C string. */
int buf_puts(struct buf *b, const char *s);
/* Append one byte. */
int buf_putc(struct buf *b, char c);
/* Append formatted text. */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Content as a C string; "" for an empty buffer. Owned by the buffer. */
const char *buf_cstr(const struct buf *b);
/* A duration for people: its two largest units, zeros left out
 * ("45s", "10m", "1h 30m", "2d 3h"; 0 is "0s"). */
int buf_put_duration(struct buf *b, uint64_t secs);
/*
 * Hand the storage to the caller (who must free() it) and reset the buffer.
 * Returns NULL only if allocating an empty string fails.
 */
char *buf_detach(struct buf *b);

#endif
