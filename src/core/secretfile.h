/*
 * Secrets kept in files (an enrollment password, a feed's
 * credentials): read from the first line of a file that only its owner
 * may read, so that a file others can read is refused, not used. Owns
 * nothing; the caller wipes what it got once it is done with it.
 */
#ifndef ARX_CORE_SECRETFILE_H
#define ARX_CORE_SECRETFILE_H

#include <stddef.h>

/* The first line of path, without its line end, into out (size bytes,
 * a longer line is cut). 0, or ARX_ERR_CONFIG when the file cannot be
 * read, can be read by group or others, or its first line is empty:
 * logged as "WHAT PATH: why". */
int secretfile_read(const char *path, const char *what, char *out, size_t size);

/* The whole file (a PEM private key) into out[0..size), *len its
 * length; out is not NUL-terminated. 0, or ARX_ERR_CONFIG when the file
 * cannot be read, can be read by group or others, is empty or does not
 * fit: logged as "WHAT key PATH: why". */
int secretfile_load(
    const char *path, const char *what, char *out, size_t size, size_t *len);

/* secretfile_read(), and the line must be user:password. */
int secretfile_read_cred(
    const char *path, const char *what, char *out, size_t size);

#endif
