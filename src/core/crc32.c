/*
 * Implementation of crc32.h: the reflected polynomial 0xedb88320, one
 * table of 256 entries built on first use (records are short and rare,
 * so the byte-at-a-time loop is plenty).
 */
#include <stdbool.h>

#include "core/crc32.h"

static uint32_t table[256];
static bool table_ready;

static void
table_build(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	table_ready = true;
}

uint32_t
crc32_of(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint32_t c = 0xffffffffu;

	if (!table_ready)
		table_build();
	for (size_t i = 0; i < len; i++)
		c = table[(c ^ s[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}
