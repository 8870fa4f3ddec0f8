/*
 * Implementation of basic.h. EVP_DecodeBlock() decodes whole groups of
 * four and counts a padding '=' as a zero byte it wrote, so the padding
 * is counted here and taken off. The comparison always runs over
 * BASIC_CRED_MAX bytes of both sides (zero-filled), and the lengths are
 * compared apart, without an early exit on either.
 */
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "transport/basic.h"

#define SCHEME     "Basic "
#define SCHEME_LEN (sizeof(SCHEME) - 1)

/* Only base64's alphabet and '=' (EVP_DecodeBlock() would skip white
 * space at either end). */
static bool
b64_text(const char *p, size_t len)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

	for (size_t i = 0; i < len; i++)
		if (p[i] == '\0' || strchr(alphabet, p[i]) == NULL)
			return false;
	return true;
}

long
basic_decode(const char *p, size_t len, unsigned char *out, size_t size)
{
	size_t pad = 0;
	int n;

	if (len == 0)
		return 0;
	if (len % 4 != 0 || len / 4 * 3 > size || !b64_text(p, len))
		return -1;
	while (pad < 2 && p[len - 1 - pad] == '=')
		pad++;
	if (memchr(p, '=', len - pad) != NULL)
		return -1; /* padding only at the end */
	n = EVP_DecodeBlock(out, (const unsigned char *)p, (int)len);
	if (n < 0 || (size_t)n < pad)
		return -1;
	return (long)((size_t)n - pad);
}

bool
basic_check(const char *expected, const char *p, size_t len)
{
	unsigned char got[BASIC_CRED_MAX + 3] = {0};
	unsigned char want[BASIC_CRED_MAX + 3] = {0};
	size_t elen = strlen(expected);
	long n = -1;
	int same;

	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len > SCHEME_LEN && strncasecmp(p, SCHEME, SCHEME_LEN) == 0)
		n = basic_decode(
		    p + SCHEME_LEN, len - SCHEME_LEN, got, sizeof(got));
	if (elen <= BASIC_CRED_MAX)
		memcpy(want, expected, elen);
	same = CRYPTO_memcmp(got, want, BASIC_CRED_MAX) == 0;
	same &= (n >= 0) & ((size_t)n == elen) & (elen <= BASIC_CRED_MAX);
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	return same;
}
