/*
 * Reading journal files through sd-journal: entries written with
 * systemd-journal-remote (Debian's systemd-journal-remote, which
 * make check installs) into a directory of the test's. Only new entries
 * at first start, the syslog-style line, cursor resume after a stop
 * (nothing lost, nothing twice), a cursor that cannot be used, PCRE2
 * filters on fields, a long message cut and counted, a missing
 * directory.
 */
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "core/err.h"
#include "logsrc/journal.h"

#define REMOTE "/lib/systemd/systemd-journal-remote"

static char got[1 << 16];
static char dir[] = "/tmp/arx-journal-XXXXXX";
static unsigned long long stamp = 1795349005000000ull; /* 2026-11-22 */

static void
on_line(const char *line, size_t len, void *ctx)
{
	(void)ctx;
	strncat(got, line, len);
	strcat(got, "|");
}

/* Append one entry per message (unit, message) to dir/a.journal. */
static void
journal_add(const char *unit, const char *msg)
{
	char exp[160], out[160];
	FILE *f;
	pid_t pid;
	int st;

	snprintf(exp, sizeof(exp), "%s/e.export", dir);
	snprintf(out, sizeof(out), "%s/a.journal", dir);
	assert_non_null(f = fopen(exp, "w"));
	fprintf(f,
	    "__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n"
	    "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=vm\n"
	    "SYSLOG_IDENTIFIER=sshd\n_PID=42\n_SYSTEMD_UNIT=%s\n"
	    "MESSAGE=%s\n\n",
	    stamp, stamp / 1000, unit, msg);
	fclose(f);
	stamp += 1000000;
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(126);
		execl(REMOTE, REMOTE, "-o", out, exp, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	strcpy(dir, "/tmp/arx-journal-XXXXXX");
	assert_non_null(mkdtemp(dir));
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

static bool
have_remote(void)
{
	if (access(REMOTE, X_OK) == 0)
		return true;
	print_message("skip: " REMOTE " is missing (package "
		      "systemd-journal-remote), no journal can be written\n");
	return false;
}

static void
test_resume(void **state)
{
	struct logsrc_journal *j;
	struct logsrc_journal_stats st;
	char cursor[512];

	(void)state;
	if (!have_remote())
		skip();
	journal_add("ssh.service", "old 1");
	journal_add("ssh.service", "old 2");
	assert_int_equal(
	    logsrc_journal_open(dir, NULL, NULL, 0, 4096, on_line, NULL, &j),
	    0);
	assert_int_equal(logsrc_journal_read(j, 100), 0); /* only new */
	journal_add("ssh.service", "Invalid user a1 from 192.0.2.9 port 1");
	journal_add("ssh.service", "new 2");
	assert_int_equal(logsrc_journal_read(j, 100), 2);
	assert_string_equal(got,
	    "Nov 22 12:03:27 vm sshd[42]: Invalid user a1 from 192.0.2.9 "
	    "port 1|Nov 22 12:03:28 vm sshd[42]: new 2|");
	snprintf(cursor, sizeof(cursor), "%s", logsrc_journal_cursor(j));
	assert_true(strncmp(cursor, "s=", 2) == 0);
	logsrc_journal_close(j);
	/* Written while stopped: read after the restart, once. */
	journal_add("ssh.service", "down 1");
	journal_add("ssh.service", "down 2");
	got[0] = '\0';
	assert_int_equal(
	    logsrc_journal_open(dir, cursor, NULL, 0, 4096, on_line, NULL, &j),
	    0);
	assert_int_equal(logsrc_journal_read(j, 100), 2);
	assert_string_equal(got,
	    "Nov 22 12:03:29 vm sshd[42]: down 1|Nov 22 12:03:30 vm "
	    "sshd[42]: down 2|");
	assert_int_equal(logsrc_journal_read(j, 100), 0);
	logsrc_journal_stats(j, &st);
	assert_int_equal(st.entries, 2);
	logsrc_journal_close(j);
}

static void
test_filters_and_limits(void **state)
{
	const struct logsrc_journal_filter f[] = {
	    {"_SYSTEMD_UNIT", "^ssh\\.service$"}};
	const struct logsrc_journal_filter bad[] = {{"MESSAGE", "(("}};
	struct logsrc_journal *j;
	struct logsrc_journal_stats st;
	char long_msg[300];

	(void)state;
	if (!have_remote())
		skip();
	journal_add("ssh.service", "start");
	assert_int_equal(
	    logsrc_journal_open(dir, "s=garbage", f, 1, 64, on_line, NULL, &j),
	    0);
	journal_add("cron.service", "not this");
	journal_add("ssh.service", "this");
	memset(long_msg, 'x', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	journal_add("ssh.service", long_msg);
	assert_int_equal(logsrc_journal_read(j, 100), 2);
	assert_non_null(strstr(got, "sshd[42]: this|"));
	assert_null(strstr(got, "not this"));
	/* cut at 64 bytes: "Nov 22 12:03:29 vm sshd[42]: " and 35 x */
	assert_non_null(strstr(got, ": xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx|"));
	logsrc_journal_stats(j, &st);
	assert_int_equal(st.filtered, 1);
	assert_int_equal(st.cut, 1);
	assert_int_equal(st.bad_cursor, 1);
	logsrc_journal_close(j);
	assert_int_equal(
	    logsrc_journal_open(dir, NULL, bad, 1, 64, on_line, NULL, &j),
	    ARX_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_filters_and_limits, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
