/*
 * HTTP Basic credentials (RFC 7617) checked against the expected
 * "user:password": the Authorization header's base64 decoded by OpenSSL
 * and the result compared in constant time, so that neither the
 * password's length nor its first differing byte shows in the time an
 * answer takes. Pure: owns nothing, keeps nothing.
 */
#ifndef ARX_TRANSPORT_BASIC_H
#define ARX_TRANSPORT_BASIC_H

#include <stdbool.h>
#include <stddef.h>

/* The longest user:password checked (a longer one never matches). */
#define BASIC_CRED_MAX 510

/*
 * Decode base64 text p[0..len) (padded, as RFC 7617 sends it) into
 * out[0..size): the byte count, or -1 when it is not base64, is not
 * padded to a multiple of four or does not fit.
 */
long basic_decode(const char *p, size_t len, unsigned char *out, size_t size);

/*
 * Whether the Authorization header's value p[0..len) ("Basic " and the
 * base64 of user:password; the scheme's name in any case) carries
 * exactly expected (a NUL-terminated user:password).
 */
bool basic_check(const char *expected, const char *p, size_t len);

#endif
