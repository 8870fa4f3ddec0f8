/*
 * CRC-32 (the IEEE 802.3 polynomial, as zlib and PNG compute it), for
 * records arx writes and reads back itself, such as the block journal:
 * it tells a record that was damaged on disk from one that was written.
 * Not a defence against anyone who can write the file.
 */
#ifndef ARX_CORE_CRC32_H
#define ARX_CORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32 of len bytes at p; crc32_of("123456789") is 0xcbf43926. */
uint32_t crc32_of(const void *p, size_t len);

#endif
