/*
 * Following a file: appends in pieces, a line without its newline that
 * waits, a cut long line that stays one line, copytruncate, rotation by
 * rename (the old file read to its end first), a file that appears
 * later, only-future-events, and positions that continue exactly where
 * they stopped and are refused for a replaced file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "core/err.h"
#include "logsrc/file.h"

static char got[8192];

static void
on_line(const char *line, size_t len, void *ctx)
{
	(void)ctx;
	strncat(got, line, len);
	strcat(got, "|");
}

static char dir[] = "/tmp/arx-logsrc-XXXXXX";
static char path[128];

static void
append(const char *name, const char *text, const char *mode)
{
	char p[160];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, mode));
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/arx-logsrc-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/auth.log", dir);
	got[0] = '\0';
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct logsrc_file *
follow(size_t max, const struct logsrc_pos *saved, bool from_end)
{
	struct logsrc_file *f;

	assert_int_equal(
	    logsrc_file_open(path, max, saved, from_end, on_line, NULL, &f), 0);
	return f;
}

static void
test_lines(void **state)
{
	struct logsrc_file *f;
	struct logsrc_file_stats st;

	(void)state;
	append("auth.log", "one\ntw", "w");
	f = follow(16, NULL, false);
	assert_int_equal(logsrc_file_poll(f), 1);
	assert_string_equal(got, "one|");
	append("auth.log", "o\nthis line is far too long\nthree\n", "a");
	assert_int_equal(logsrc_file_poll(f), 3);
	assert_string_equal(got, "one|two|this line is far|three|");
	logsrc_file_stats(f, &st);
	assert_int_equal(st.cut, 1);
	assert_int_equal(st.lines, 4);
	assert_int_equal(logsrc_file_poll(f), 0);
	logsrc_file_close(f);
}

static void
test_rotation(void **state)
{
	struct logsrc_file *f;
	struct logsrc_file_stats st;
	char old[160];

	(void)state;
	append("auth.log", "a\n", "w");
	f = follow(64, NULL, false);
	assert_int_equal(logsrc_file_poll(f), 1);
	/* logrotate: rename, the writer adds a last line to the old file,
	 * then a new file appears. */
	snprintf(old, sizeof(old), "%s/auth.log.1", dir);
	assert_int_equal(rename(path, old), 0);
	append("auth.log.1", "b\nc", "a");
	append("auth.log", "d\n", "w");
	assert_int_equal(logsrc_file_poll(f), 3);
	assert_string_equal(got, "a|b|c|d|");
	/* copytruncate, written again before the next look */
	append("auth.log", "e\n", "w");
	assert_int_equal(logsrc_file_poll(f), 1);
	assert_string_equal(got, "a|b|c|d|e|");
	logsrc_file_stats(f, &st);
	assert_int_equal(st.rotations, 1);
	assert_int_equal(st.truncations, 1);
	logsrc_file_close(f);
}

static void
test_positions(void **state)
{
	struct logsrc_file *f;
	struct logsrc_pos pos, back;
	struct buf b;

	(void)state;
	/* A file that appears later is read from its start. */
	f = follow(64, NULL, true);
	assert_int_equal(logsrc_file_poll(f), 0);
	append("auth.log", "one\ntwo\nthr", "w");
	assert_int_equal(logsrc_file_poll(f), 2);
	logsrc_file_pos(f, &pos);
	assert_int_equal(pos.offset, 8); /* before the partial line */
	logsrc_file_close(f);
	buf_init(&b, 256);
	assert_int_equal(logsrc_pos_format(&pos, &b), 0);
	assert_int_equal(logsrc_pos_parse(buf_cstr(&b), &back), 0);
	assert_memory_equal(&pos, &back, sizeof(pos));
	assert_int_equal(logsrc_pos_parse("1 2 x", &back), ARX_ERR_INVAL);
	buf_release(&b);
	/* Restart: exactly where it stopped, nothing twice. */
	append("auth.log", "ee\n", "a");
	got[0] = '\0';
	f = follow(64, &pos, true);
	assert_int_equal(logsrc_file_poll(f), 1);
	assert_string_equal(got, "three|");
	logsrc_file_close(f);
	/* A replaced file (other first line) is read from its start. */
	unlink(path);
	append("auth.log", "new file\n", "w");
	got[0] = '\0';
	f = follow(64, &pos, true);
	assert_int_equal(logsrc_file_poll(f), 1);
	assert_string_equal(got, "new file|");
	logsrc_file_close(f);
	/* only-future-events on first sight starts at the end. */
	got[0] = '\0';
	f = follow(64, NULL, true);
	append("auth.log", "later\n", "a");
	assert_int_equal(logsrc_file_poll(f), 1);
	assert_string_equal(got, "later|");
	logsrc_file_close(f);
}

/* Rotated by rename while not followed: the rest of the old file (now
 * auth.log.1, still being written) is read before the new one. */
static void
test_rotated_while_stopped(void **state)
{
	struct logsrc_file *f;
	struct logsrc_pos pos;
	char old[160];

	(void)state;
	append("auth.log", "a1\na2\n", "w");
	f = follow(64, NULL, false);
	assert_int_equal(logsrc_file_poll(f), 2);
	logsrc_file_pos(f, &pos);
	logsrc_file_close(f);
	snprintf(old, sizeof(old), "%s.1", path);
	assert_int_equal(rename(path, old), 0);
	append("auth.log.1", "a3\n", "a"); /* after the stop, before new */
	got[0] = '\0';
	f = follow(64, &pos, false);
	assert_int_equal(logsrc_file_poll(f), 1);
	assert_string_equal(got, "a3|");
	append("auth.log.1", "a4\n", "a"); /* the writer is still on it */
	append("auth.log", "b1\n", "w");   /* until it opens the new one */
	assert_int_equal(logsrc_file_poll(f), 2);
	assert_string_equal(got, "a3|a4|b1|");
	logsrc_file_close(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_rotated_while_stopped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
