/*
 * Unit tests for the block journal (journal.c): adds and deletes replay
 * to the live set, a later add replaces an earlier one, a torn last
 * record and a line edited by hand are skipped and counted without
 * losing the others, a missing file is empty, bad command names are
 * refused, a rewrite keeps exactly the live blocks, and a journal that
 * cannot be written (a file size limit standing for a full disk) fails
 * whole: the torn record cut off, the cause kept, nothing appended, the
 * records not written counted, until a rewrite brings every block back.
 * A block is pending until its ok record, and a rewrite keeps that.
 */
#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "ar/journal.h"
#include "core/err.h"

struct seen {
	char text[2048];
	size_t n;
};

static int
collect(const char *command, const struct ar_block *b, void *ctx)
{
	struct seen *s = ctx;
	char addr[64], line[160];

	addr_format(&b->addr, addr, sizeof(addr));
	snprintf(line, sizeof(line), "%s %s %lld %lld %u%s;", command, addr,
	    (long long)b->added_ms, (long long)b->expires_ms, b->offences,
	    b->confirmed ? " ok" : "");
	strcat(s->text, line);
	s->n++;
	return 0;
}

static struct ar_block
blk(const char *ip, int64_t added, int64_t expires, unsigned off)
{
	struct ar_block b = {0};

	assert_int_equal(addr_parse_str(ip, &b.addr), 0);
	b.added_ms = added;
	b.expires_ms = expires;
	b.offences = off;
	return b;
}

static void
load(const char *path, struct seen *s, unsigned *nbad)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(ar_journal_load(path, collect, NULL, s, nbad), 0);
}

static void
test_replay(void **state)
{
	char dir[] = "/tmp/arx-journal-XXXXXX", path[64];
	struct ar_journal *j;
	struct ar_block b1 = blk("192.0.2.6", 1000, 601000, 1);
	struct ar_block b2 = blk("2001:db8::6", 2000, AR_NEVER, 2);
	struct ar_block b3 = blk("192.0.2.6", 3000, 1803000, 2);
	struct log_capture lc;
	struct seen s;
	unsigned nbad;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blocks", dir);
	load(path, &s, &nbad);
	assert_int_equal(s.n, 0);
	assert_int_equal(ar_journal_open(path, &j), 0);
	assert_int_equal(ar_journal_add(j, "firewall-drop", &b1), 0);
	assert_int_equal(ar_journal_add(j, "host-deny", &b2), 0);
	assert_int_equal(ar_journal_add(j, "firewall-drop", &b3), 0);
	assert_int_equal(ar_journal_add(j, "bad name", &b3), ARX_ERR_INVAL);
	assert_int_equal(ar_journal_add(j, "host-deny", &b1), 0);
	assert_int_equal(ar_journal_del(j, "host-deny", &b1.addr), 0);
	ar_journal_close(j);

	/* A line edited by hand and a torn last record. */
	f = fopen(path, "a");
	fputs("add firewall-drop 192.0.2.300 1 2 1\n", f);
	fputs("add firewall-drop 198.51.100.7 5000 9", f);
	fclose(f);
	capture_start(&lc);
	load(path, &s, &nbad);
	capture_stop();
	assert_captured(&lc, "blocks:6: damaged record");
	assert_captured(&lc, "blocks:7: damaged record (no end of line)");
	assert_int_equal(nbad, 2);
	assert_int_equal(s.n, 2);
	assert_non_null(
	    strstr(s.text, "firewall-drop 192.0.2.6 3000 1803000 2;"));
	assert_non_null(strstr(s.text, "host-deny 2001:db8::6 2000 "));
	assert_null(strstr(s.text, "host-deny 192.0.2.6"));
	assert_null(strstr(s.text, "198.51.100.7"));
	unlink(path);
	rmdir(dir);
}

/* A record damaged on disk that still parses (one digit changed) is
 * caught by its checksum; the records around it are kept; a journal of
 * an older arx (no checksums) still loads; set_aside keeps a copy. */
static void
test_checksum(void **state)
{
	char dir[] = "/tmp/arx-journal-XXXXXX", path[64], copy[96], *p;
	struct ar_block b1 = blk("192.0.2.6", 1000, 601000, 1);
	struct ar_block b2 = blk("192.0.2.7", 1000, 601000, 1);
	struct ar_block b3 = blk("192.0.2.8", 1000, 601000, 1);
	char text[512];
	struct log_capture lc;
	struct ar_journal *j;
	struct seen s;
	unsigned nbad;
	size_t n;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blocks", dir);
	assert_int_equal(ar_journal_open(path, &j), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b1), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b2), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b3), 0);
	ar_journal_close(j);
	f = fopen(path, "r+");
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	/* 192.0.2.7's expiry 601000 becomes 901000: still a good record. */
	p = strstr(text, "192.0.2.7 1000 601000");
	assert_non_null(p);
	p[15] = '9';
	rewind(f);
	fwrite(text, 1, n, f);
	fclose(f);
	capture_start(&lc);
	load(path, &s, &nbad);
	capture_stop();
	assert_captured(&lc, "blocks:2: damaged record (checksum mismatch)");
	assert_int_equal(nbad, 1);
	assert_int_equal(s.n, 2);
	assert_null(strstr(s.text, "192.0.2.7"));
	assert_int_equal(ar_journal_set_aside(path, copy, sizeof(copy)), 0);
	assert_int_equal(access(copy, R_OK), 0);
	unlink(copy);

	/* An older journal: no checksums at all. */
	f = fopen(path, "w");
	fputs(
	    "add fw 192.0.2.6 1000 601000 1\nadd fw 192.0.2.9 1 never 2\n", f);
	fclose(f);
	load(path, &s, &nbad);
	assert_int_equal(nbad, 0);
	assert_int_equal(s.n, 2);
	unlink(path);
	rmdir(dir);
}

static void
test_rewrite(void **state)
{
	char dir[] = "/tmp/arx-journal-XXXXXX", path[64];
	const char *names[2] = {"firewall-drop", "route-null"};
	struct ar_table *t = ar_table_new(8, 8);
	struct ar_block b1 = blk("192.0.2.6", 1000, 601000, 1);
	struct ar_block b2 = blk("203.0.113.5", 2000, 602000, 3);
	struct ar_journal *j;
	struct seen s;
	unsigned nbad;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blocks", dir);
	assert_int_equal(ar_journal_open(path, &j), 0);
	for (i = 0; i < 1100; i++) {
		assert_int_equal(ar_journal_add(j, names[0], &b1), 0);
		assert_int_equal(ar_journal_del(j, names[0], &b1.addr), 0);
	}
	assert_true(ar_journal_wants_rewrite(j, 1));
	b2.cmd = 1;
	assert_int_equal(ar_table_restore(t, &b2), 0);
	assert_int_equal(ar_journal_rewrite(j, t, NULL, names, 2), 0);
	assert_false(ar_journal_wants_rewrite(j, 1));
	/* The file stays open for appending after the rename. */
	assert_int_equal(ar_journal_add(j, names[0], &b1), 0);
	ar_journal_close(j);
	load(path, &s, &nbad);
	assert_int_equal(nbad, 0);
	assert_int_equal(s.n, 2);
	assert_non_null(
	    strstr(s.text, "route-null 203.0.113.5 2000 602000 3;"));
	assert_non_null(strstr(s.text, "firewall-drop 192.0.2.6 1000"));
	ar_table_free(t);
	unlink(path);
	rmdir(dir);
}

/* A block is pending until its ok record; an add record of a confirmed
 * block (an extension, a rewrite) says ok itself; an ok without a block
 * is harmless; a block re-added after its del is pending again. */
static void
test_pending(void **state)
{
	char dir[] = "/tmp/arx-journal-XXXXXX", path[64];
	const char *names[1] = {"fw"};
	struct ar_table *t = ar_table_new(8, 8);
	struct ar_block b1 = blk("192.0.2.6", 1000, 601000, 1);
	struct ar_block b2 = blk("198.51.100.7", 2000, 602000, 1);
	struct ar_block b3 = blk("203.0.113.8", 3000, 603000, 1);
	struct ar_journal *j;
	struct seen s;
	unsigned nbad;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blocks", dir);
	assert_int_equal(ar_journal_open(path, &j), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b1), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b2), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b3), 0);
	assert_int_equal(ar_journal_ok(j, "fw", &b1.addr), 0);
	assert_int_equal(ar_journal_ok(j, "fw", &b3.addr), 0);
	assert_int_equal(ar_journal_del(j, "fw", &b3.addr), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b3), 0);
	assert_int_equal(ar_journal_ok(j, "fw", &b3.addr), 0);
	assert_int_equal(ar_journal_del(j, "fw", &b3.addr), 0);
	assert_int_equal(ar_journal_ok(j, "fw", &b3.addr), 0);
	b3.expires_ms = 900000;
	assert_int_equal(ar_journal_add(j, "fw", &b3), 0);
	b1.confirmed = true;
	b1.expires_ms = 1201000;
	assert_int_equal(ar_journal_add(j, "fw", &b1), 0);
	ar_journal_close(j);
	load(path, &s, &nbad);
	assert_int_equal(nbad, 0);
	assert_int_equal(s.n, 3);
	assert_non_null(strstr(s.text, "fw 192.0.2.6 1000 1201000 1 ok;"));
	assert_non_null(strstr(s.text, "fw 198.51.100.7 2000 602000 1;"));
	assert_non_null(strstr(s.text, "fw 203.0.113.8 3000 900000 1;"));
	/* A rewrite keeps the state. */
	assert_int_equal(ar_table_restore(t, &b1), 0);
	assert_int_equal(ar_table_restore(t, &b2), 0);
	assert_int_equal(ar_journal_open(path, &j), 0);
	assert_int_equal(ar_journal_rewrite(j, t, NULL, names, 1), 0);
	ar_journal_close(j);
	load(path, &s, &nbad);
	assert_int_equal(s.n, 2);
	assert_non_null(strstr(s.text, "fw 192.0.2.6 1000 1201000 1 ok;"));
	assert_non_null(strstr(s.text, "fw 198.51.100.7 2000 602000 1;"));
	/* Blocks whose delete has not ended are kept by a rewrite (the
	 * next start lifts them); one blocked again is written once. */
	{
		struct ar_table *lifting = ar_table_new(8, 1);
		struct ar_block b4 = blk("192.0.2.40", 4000, 5000, 1);

		assert_int_equal(ar_table_restore(lifting, &b4), 0);
		assert_int_equal(ar_table_restore(lifting, &b1), 0);
		assert_int_equal(ar_journal_open(path, &j), 0);
		assert_int_equal(
		    ar_journal_rewrite(j, t, lifting, names, 1), 0);
		ar_journal_close(j);
		load(path, &s, &nbad);
		assert_int_equal(s.n, 3);
		assert_non_null(strstr(s.text, "fw 192.0.2.40 4000 5000 1;"));
		assert_non_null(
		    strstr(s.text, "fw 192.0.2.6 1000 1201000 1 ok;"));
		ar_table_free(lifting);
	}
	assert_int_equal(ar_table_confirm(t, 0, &b2.addr), 1);
	assert_int_equal(ar_table_confirm(t, 0, &b2.addr), 0);
	assert_int_equal(ar_table_confirm(t, 0, &b3.addr), ARX_ERR_NOTFOUND);
	ar_table_free(t);
	unlink(path);
	rmdir(dir);
}

static int
collect_off(const char *command, const struct arx_addr *a,
    const struct ar_offence *o, void *ctx)
{
	struct seen *s = ctx;
	char addr[64], line[160];

	addr_format(a, addr, sizeof(addr));
	snprintf(line, sizeof(line), "off %s %s %u %lld;", command, addr,
	    o->count, (long long)o->last_ms);
	strcat(s->text, line);
	return 0;
}

/* Offence records outlive their blocks, the latest of a key wins, bad
 * ones are skipped and counted, and they come before the blocks, in the
 * order they were last touched (a live block's own record included). */
static void
test_offences(void **state)
{
	char dir[] = "/tmp/arx-journal-XXXXXX", path[64], cmd[96];
	struct ar_offence o1 = {2, 5000}, o2 = {3, 9000}, o3 = {1, 7000};
	struct ar_block b = blk("192.0.2.7", 8000, 608000, 1);
	struct ar_journal *j;
	struct arx_addr a6, a8;
	struct seen s = {0};
	unsigned nbad;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blocks", dir);
	assert_int_equal(addr_parse_str("192.0.2.6", &a6), 0);
	assert_int_equal(addr_parse_str("198.51.100.8", &a8), 0);
	assert_int_equal(ar_journal_open(path, &j), 0);
	assert_int_equal(ar_journal_offence(j, "fw", &a6, &o1), 0);
	assert_int_equal(ar_journal_offence(j, "fw", &a6, &o2), 0);
	assert_int_equal(ar_journal_offence(j, "fw", &a8, &o3), 0);
	assert_int_equal(ar_journal_add(j, "fw", &b), 0);
	ar_journal_close(j);
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("off fw 192.0.2.9 0 1000\noff fw 192.0.2.9 x 1000\n", f);
	fclose(f);
	capture_start(&(struct log_capture){0});
	assert_int_equal(
	    ar_journal_load(path, collect, collect_off, &s, &nbad), 0);
	capture_stop();
	assert_int_equal(nbad, 2);
	assert_string_equal(s.text,
	    "off fw 192.0.2.6 3 9000;off fw 198.51.100.8 1 7000;"
	    "off fw 192.0.2.7 1 8000;fw 192.0.2.7 8000 608000 1;");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Writes past 1,000 bytes fail (EFBIG), as on a full disk. */
static void
test_failing(void **state)
{
	char dir[] = "/tmp/arx-journal-XXXXXX", path[64];
	const char *names[1] = {"firewall-drop"};
	struct ar_table *t = ar_table_new(64, 64);
	struct rlimit old, lim;
	struct ar_journal *j;
	struct seen s;
	unsigned nbad, n = 0, i;
	char ip[32];

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blocks", dir);
	assert_int_equal(ar_journal_open(path, &j), 0);
	lim = old;
	lim.rlim_cur = 1000;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (i = 0; i < 40; i++) {
		struct ar_block b = {0};

		snprintf(ip, sizeof(ip), "192.0.2.%u", i + 1);
		b = blk(ip, 1000, 601000, 1);
		assert_int_equal(ar_table_restore(t, &b), 0);
		if (ar_journal_add(j, names[0], &b) == 0)
			n++;
		else
			assert_true(ar_journal_failing(j));
	}
	assert_true(n > 5 && n < 20);
	assert_int_equal(ar_journal_skipped(j), 40 - n);
	assert_non_null(strstr(ar_journal_why(j),
	    "/blocks: cannot write: "
	    "File too large"));
	/* What is on disk is whole: the torn record was cut off. */
	load(path, &s, &nbad);
	assert_int_equal(nbad, 0);
	assert_int_equal(s.n, n);
	/* Still no room: the rewrite fails, the old file stays. */
	assert_int_equal(ar_journal_rewrite(j, t, NULL, names, 1), ARX_ERR_SYS);
	assert_true(ar_journal_failing(j));
	assert_non_null(strstr(ar_journal_why(j), "cannot rewrite: File"));
	load(path, &s, &nbad);
	assert_int_equal(s.n, n);
	/* Room again: the rewrite holds every block. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(ar_journal_rewrite(j, t, NULL, names, 1), 0);
	assert_false(ar_journal_failing(j));
	assert_null(ar_journal_why(j));
	assert_int_equal(ar_journal_skipped(j), 0);
	ar_journal_close(j);
	load(path, &s, &nbad);
	assert_int_equal(nbad, 0);
	assert_int_equal(s.n, 40);
	ar_table_free(t);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replay),
	    cmocka_unit_test(test_rewrite),
	    cmocka_unit_test(test_pending),
	    cmocka_unit_test(test_checksum),
	    cmocka_unit_test(test_offences),
	    cmocka_unit_test(test_failing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
