/*
 * One keyed hash for every table whose keys an attacker can choose (user
 * names, addresses, log lines): SipHash-1-3 under a 128-bit key drawn
 * from the kernel's random source when the program starts. Without the
 * key, nobody can compute which keys share a bucket, so a flood of
 * chosen keys spreads like any other (an unkeyed hash lets them be
 * found offline and turns lookups linear).
 *
 * Owns the process's key; nothing else.
 */
#ifndef ARX_CORE_HASH_H
#define ARX_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The keyed hash of len bytes at p. */
uint64_t hash_bytes(const void *p, size_t len);

/* SipHash-c-d of p under key (16 bytes), for tests and fixed uses. */
uint64_t hash_siphash(
    const uint8_t key[16], int c, int d, const void *p, size_t len);

/* Replace the process's key (tests: a key an attacker would know). */
void hash_set_key(const uint8_t key[16]);

#endif
