/* Fuzz target: HTTP Basic credentials as the feed checks them
 * (transport/basic.c): the decoder never writes past its buffer nor
 * says it did, and only the one right value is accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "transport/basic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RIGHT "Basic Znc6ZmVlZC1zZWNyZXQ="

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char out[64];
	long n = basic_decode((const char *)data, size, out, sizeof(out));

	if (n > (long)sizeof(out))
		abort();
	if (basic_check("fw:feed-secret", (const char *)data, size) &&
	    (size < strlen(RIGHT) ||
		strncasecmp((const char *)data, "basic ", 6) != 0 ||
		memcmp(data + 6, RIGHT + 6, strlen(RIGHT) - 6) != 0))
		abort();
	return 0;
}
