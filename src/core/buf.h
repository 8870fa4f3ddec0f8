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
#include <string.h>

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
/* Append len bytes when the room is not there yet (grows). */
int buf_append_grow(struct buf *b, const void *p, size_t len);

/* Append len bytes. 0, ARX_ERR_TOOBIG or ARX_ERR_NOMEM. Inline: alerts
 * and JSON are built from many short pieces, and the room is there. */
static inline int
buf_append(struct buf *b, const void *p, size_t len)
{
	if (len > b->max - b->len || b->len + len + 1 > b->cap)
		return buf_append_grow(b, p, len);
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

/* Append a C string. */
static inline int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* Append one byte. */
static inline int
buf_putc(struct buf *b, char c)
{
	if (b->len < b->max && b->len + 2 <= b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append_grow(b, &c, 1);
}
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
