/*
 * table_bench: arx's block table at a million blocks. Adds N distinct
 * addresses (2001:db8::/32, one block each, each with its offence
 * record), looks each up, expires them all at their deadline, and
 * prints the rates and the memory each block costs (resident set before
 * and after, from /proc/self/statm). Run by make bench; no root needed.
 *
 * Usage: table_bench [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ar/policy.h"
#include "ar/table.h"
#include "core/addr.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void
addr_of(size_t i, struct arx_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = ADDR_V6;
	a->bytes[0] = 0x20, a->bytes[1] = 0x01, a->bytes[2] = 0x0d;
	a->bytes[3] = 0xb8;
	a->bytes[12] = (uint8_t)(i >> 24), a->bytes[13] = (uint8_t)(i >> 16);
	a->bytes[14] = (uint8_t)(i >> 8), a->bytes[15] = (uint8_t)i;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, i;
	struct ar_escalation e = {.base_s = 600};
	long rss0 = rss_kib(), rss1;
	struct ar_table *t = ar_table_new(n, n);
	struct ar_block b, *out = malloc(4096 * sizeof(*out));
	struct arx_addr a;
	double t0, t_add, t_find, t_exp;
	size_t got = 0, k;

	if (t == NULL || out == NULL)
		return 1;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		addr_of(i, &a);
		if (ar_table_add(t, 0, &a,
			&(struct ar_add_req){
			    &e, 1000 + (int64_t)i, 0, true, AR_ORIGIN_RULE},
			&b) < 0) {
			fprintf(stderr, "table_bench: add %zu failed\n", i);
			return 1;
		}
	}
	t_add = now_s() - t0;
	rss1 = rss_kib();
	t0 = now_s();
	for (i = 0; i < n; i++) {
		addr_of(i, &a);
		got += ar_table_find(t, 0, &a) != NULL;
	}
	t_find = now_s() - t0;
	t0 = now_s();
	for (k = 0; (i = ar_table_expire(t, AR_NEVER - 1, out, 4096)) > 0;)
		k += i;
	t_exp = now_s() - t0;
	printf("table: %zu blocks added in %.3f s (%.0f/s), %zu found in "
	       "%.3f s (%.0f/s), %zu expired in %.3f s (%.0f/s); %.0f bytes "
	       "resident per block with its offence record\n",
	    n, t_add, n / t_add, got, t_find, n / t_find, k, t_exp, k / t_exp,
	    (double)(rss1 - rss0) * 1024 / (double)n);
	ar_table_free(t);
	free(out);
	return got == n && k == n ? 0 : 1;
}
