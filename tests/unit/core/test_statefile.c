/*
 * Unit tests for core/statefile: a replacement is whole, with the mode
 * asked, and leaves no temporary file, also when it fails; lines come
 * back without their ends, numbered, a line over the bound skipped and
 * counted (never split into pieces), the last one without an end read.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/statefile.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/arx-statefile-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/f", dir);
	(void)unlink(cmd);
	return rmdir(dir);
}

static void
test_replace(void **state)
{
	struct statefile_opts o = {.mode = 0640, .sync = STATEFILE_DIR};
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	char buf[64] = {0};
	struct stat st;
	int fd;

	(void)state;
	assert_true(dfd >= 0);
	assert_int_equal(statefile_replace(dfd, "f", "one\n", 4, &o), 0);
	assert_int_equal(statefile_replace(dfd, "f", "two\ntwo\n", 8, &o), 0);
	assert_int_equal(fstatat(dfd, "f", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_true((fd = openat(dfd, "f", O_RDONLY)) >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "two\ntwo\n");
	close(fd);
	assert_int_not_equal(faccessat(dfd, "f.new", F_OK, 0), 0);
	/* a directory that is not there: an error, nothing left */
	assert_int_equal(
	    statefile_replace(dfd, "no/such/f", "x", 1, &o), ARX_ERR_SYS);
	assert_int_not_equal(faccessat(dfd, "no/such/f.new", F_OK, 0), 0);
	close(dfd);
}

struct seen {
	char lines[8][32];
	unsigned no[8], n;
};

static int
collect(void *ctx, char *line, unsigned no)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		snprintf(s->lines[s->n], sizeof(s->lines[0]), "%s", line);
		s->no[s->n++] = no;
	}
	return 0;
}

static void
test_lines(void **state)
{
	struct statefile_opts o = {.mode = 0600};
	char text[512];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct seen s = {0};
	unsigned too_long;
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "a b\r\n\n%0200d\nlast", 7);
	assert_int_equal(statefile_replace(dfd, "f", text, (size_t)n, &o), 0);
	assert_int_equal(
	    statefile_lines(dfd, "f", 64, collect, &s, &too_long), 0);
	assert_int_equal(too_long, 1);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0], "a b");
	assert_string_equal(s.lines[1], "");
	assert_string_equal(s.lines[2], "last");
	assert_int_equal(s.no[2], 4);
	assert_int_equal(
	    statefile_lines(dfd, "none", 64, collect, &s, &too_long),
	    ARX_ERR_NOTFOUND);
	/* a NUL inside a line cuts only that line; a link is followed */
	assert_int_equal(
	    statefile_replace(dfd, "f", "abc\0def\nsecond\n", 15, &o), 0);
	assert_int_equal(symlinkat("f", dfd, "link"), 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    statefile_lines(dfd, "link", 64, collect, &s, &too_long), 0);
	assert_int_equal(unlinkat(dfd, "link", 0), 0);
	assert_int_equal(too_long, 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.lines[0], "abc");
	assert_string_equal(s.lines[1], "second");
	close(dfd);
}

/* A leftover f.new from a crash does not lend f its mode. */
static void
test_leftover(void **state)
{
	struct statefile_opts o = {.mode = 0600, .sync = STATEFILE_FILE};
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), fd;
	struct stat st;

	(void)state;
	fd = openat(dfd, "f.new", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, 0644), 0);
	close(fd);
	assert_int_equal(statefile_replace(dfd, "f", "k\n", 2, &o), 0);
	assert_int_equal(fstatat(dfd, "f", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	close(dfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_leftover),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
