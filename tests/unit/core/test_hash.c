/*
 * Unit tests for core/hash: SipHash-2-4 gives the reference values of
 * its paper (key 00..0f), one flipped bit changes the hash, and the
 * point of the key: user names chosen so that they share a bucket under
 * a key the attacker knows (what an unkeyed hash amounts to) put every
 * one of them in one chain of a table, and the same names spread under
 * the process's random key.
 */
#include <sys/random.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/hash.h"
#include "core/lru.h"

static void
test_reference(void **state)
{
	uint8_t key[16], msg[15];
	size_t i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(hash_siphash(key, 2, 4, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(hash_siphash(key, 2, 4, msg, 15) == 0xa129ca6149be45e5ull);
	/* 1-3 is another function, and one bit changes it */
	assert_true(hash_siphash(key, 1, 3, msg, 15) !=
	    hash_siphash(key, 2, 4, msg, 15));
	msg[7] ^= 0x10;
	assert_true(hash_siphash(key, 2, 4, msg, 15) != 0xa129ca6149be45e5ull);
}

#define FLOOD    256
#define LOW_BITS 12 /* more than the table's mask for FLOOD entries */

/* FLOOD user names whose hash under the current key ends in the same
 * LOW_BITS bits: what an attacker computes offline for a known key. */
static void
colliding_names(char names[FLOOD][32])
{
	const uint64_t mask = (1u << LOW_BITS) - 1;
	unsigned long n = 0;
	size_t found = 0;
	char s[32];
	int len;

	while (found < FLOOD) {
		len = snprintf(s, sizeof(s), "user%lu", n++);
		if ((hash_bytes(s, (size_t)len) & mask) == 0)
			memcpy(names[found++], s, (size_t)len + 1);
	}
}

static size_t
longest_chain(char names[FLOOD][32])
{
	struct lru_map m;
	size_t i, n;

	lru_init(&m, 4096, NULL);
	for (i = 0; i < FLOOD; i++)
		assert_non_null(lru_put(&m, names[i], strlen(names[i])));
	n = lru_longest_chain(&m);
	lru_release(&m);
	return n;
}

static void
test_flood(void **state)
{
	static char names[FLOOD][32];
	static const uint8_t known[16] = {
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	uint8_t fresh[16];
	size_t known_chain, keyed_chain;

	(void)state;
	hash_set_key(known);
	colliding_names(names);
	known_chain = longest_chain(names);
	assert_int_equal(
	    getrandom(fresh, sizeof(fresh), 0), (ssize_t)sizeof(fresh));
	hash_set_key(fresh);
	keyed_chain = longest_chain(names);
	printf("%d chosen user names: longest chain %zu under the known key, "
	       "%zu under a random one\n",
	    FLOOD, known_chain, keyed_chain);
	assert_int_equal(known_chain, FLOOD);
	/* 256 names over 1024 buckets: a chain of 16 has odds far below
	 * one in a billion */
	assert_true(keyed_chain < 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reference),
	    cmocka_unit_test(test_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
