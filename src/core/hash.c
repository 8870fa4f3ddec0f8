/*
 * Implementation of hash.h: SipHash (Aumasson and Bernstein), c rounds
 * per 8-byte word and d at the end; the tables use 1-3. The key is
 * drawn once, before main, so every thread and the analysis child
 * (forked later) see it set.
 */
#include <sys/random.h>

#include <endian.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"

static uint8_t hash_key[16];

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip {
	uint64_t v0, v1, v2, v3;
};

static inline __attribute__((always_inline)) void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static inline __attribute__((always_inline)) void
sip_word(struct sip *s, uint64_t m, int c)
{
	int i;

	s->v3 ^= m;
	for (i = 0; i < c; i++)
		sip_round(s);
	s->v0 ^= m;
}

/* Inlined into each caller with its c and d, so the rounds unroll. */
static inline __attribute__((always_inline)) uint64_t
siphash(const uint8_t key[16], int c, int d, const void *p, size_t len)
{
	const unsigned char *in = p;
	uint64_t k0, k1, m = 0;
	struct sip s;
	size_t left = len;
	int i;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	k0 = le64toh(k0);
	k1 = le64toh(k1);
	s.v0 = k0 ^ 0x736f6d6570736575ull;
	s.v1 = k1 ^ 0x646f72616e646f6dull;
	s.v2 = k0 ^ 0x6c7967656e657261ull;
	s.v3 = k1 ^ 0x7465646279746573ull;
	for (; left >= 8; in += 8, left -= 8) {
		memcpy(&m, in, 8);
		sip_word(&s, le64toh(m), c);
	}
	m = 0;
	for (i = 0; i < (int)left; i++) /* the tail, little-endian */
		m |= (uint64_t)in[i] << (8 * i);
	sip_word(&s, m | ((uint64_t)len << 56), c);
	s.v2 ^= 0xff;
	for (i = 0; i < d; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t
hash_siphash(const uint8_t key[16], int c, int d, const void *p, size_t len)
{
	return siphash(key, c, d, p, len);
}

uint64_t
hash_bytes(const void *p, size_t len)
{
	return siphash(hash_key, 1, 3, p, len);
}

void
hash_set_key(const uint8_t key[16])
{
	memcpy(hash_key, key, sizeof(hash_key));
}

/* The key, before main. The kernel's source is ready after early boot;
 * if it is not (GRND_NONBLOCK fails), the clock and the pid still make
 * a key no one can know in advance to the nanosecond. */
__attribute__((constructor)) static void
hash_key_init(void)
{
	struct timespec ts;
	uint64_t mix[2];

	if (getrandom(hash_key, sizeof(hash_key), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(hash_key))
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	mix[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
	mix[1] = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uintptr_t)&ts;
	memcpy(hash_key, mix, sizeof(hash_key));
}
