/*
 * Unit tests for the program runner (exec.c), with real programs from
 * coreutils: stdin written and closed, stdout handed over line by line,
 * stderr kept, a minimal environment, no inherited descriptors, a hung
 * program killed at its deadline and reaped, a missing program reported
 * by its exit status, paths refused before anything runs, and 4 MiB fed
 * to stdin on the loop (far past what a pipe holds) arriving whole.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/err.h"
#include "exec/exec.h"

struct run {
	char out[8192];
	size_t nlines;
	struct exec_result res;
	bool done;
};

static void
on_line(struct exec_job *job, const char *line, size_t len, void *ctx)
{
	struct run *r = ctx;

	(void)job;
	assert_int_equal(strlen(line), len);
	strncat(r->out, line, sizeof(r->out) - strlen(r->out) - 2);
	strcat(r->out, "|");
	r->nlines++;
}

static void
on_done(struct exec_job *job, const struct exec_result *res, void *ctx)
{
	struct run *r = ctx;

	(void)job;
	r->res = *res;
	r->done = true;
}

/* Start argv, optionally feed stdin, and run the loop until done. */
static void
run(char *const *argv, uint64_t timeout_ms, const char *in, struct run *r)
{
	struct evloop *loop = evloop_new(clock_real());
	struct exec_spec spec = {
	    argv[0], argv, timeout_ms, on_line, on_done, r};
	struct exec_job *job;
	int i;

	memset(r, 0, sizeof(*r));
	assert_non_null(loop);
	assert_int_equal(exec_start(loop, &spec, &job), 0);
	assert_true(exec_pid(job) > 0);
	if (in != NULL)
		assert_int_equal(exec_write(job, in, strlen(in)), 0);
	exec_close_stdin(job);
	for (i = 0; i < 1000 && !r->done; i++)
		assert_true(evloop_run_once(loop, 100) >= 0);
	assert_true(r->done);
	evloop_free(loop);
}

static void
test_stdin_stdout(void **state)
{
	char *const argv[] = {"/bin/cat", NULL};
	struct run r;

	(void)state;
	run(argv, 5000, "one\ntwo\nlast without newline", &r);
	assert_false(r.res.timed_out);
	assert_true(WIFEXITED(r.res.status));
	assert_int_equal(WEXITSTATUS(r.res.status), 0);
	assert_string_equal(r.out, "one|two|last without newline|");
	assert_int_equal(r.nlines, 3);
}

/* exec_feed: 4 MiB through `wc -c`, on the loop, never blocking. */
static void
test_feed_large(void **state)
{
	char *const argv[] = {"/usr/bin/wc", "-c", NULL};
	struct evloop *loop = evloop_new(clock_real());
	struct run r = {0};
	struct exec_spec spec = {argv[0], argv, 20000, on_line, on_done, &r};
	struct exec_job *job;
	size_t len = (size_t)4 << 20;
	char *in = malloc(len);
	int i;

	(void)state;
	assert_non_null(loop);
	assert_non_null(in);
	memset(in, 'x', len);
	assert_int_equal(exec_start(loop, &spec, &job), 0);
	assert_int_equal(exec_feed(job, in, len), 0);
	assert_int_equal(exec_feed(job, in, len), ARX_ERR_INVAL);
	for (i = 0; i < 2000 && !r.done; i++)
		assert_true(evloop_run_once(loop, 100) >= 0);
	assert_true(r.done);
	assert_true(WIFEXITED(r.res.status));
	assert_int_equal(WEXITSTATUS(r.res.status), 0);
	assert_string_equal(r.out, "4194304|");
	evloop_free(loop);
	free(in);
}

static void
test_environment(void **state)
{
	char *const argv[] = {"/usr/bin/env", NULL};
	struct run r;

	(void)state;
	setenv("ARX_SECRET", "must-not-leak", 1);
	run(argv, 5000, NULL, &r);
	assert_string_equal(
	    r.out, "PATH=/usr/sbin:/usr/bin:/sbin:/bin|LANG=C|LC_ALL=C|");
}

static void
test_descriptors(void **state)
{
	char *const argv[] = {"/bin/ls", "/proc/self/fd", NULL};
	int fd = open("/dev/null", O_RDONLY);
	struct run r;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 57), 57);
	run(argv, 5000, NULL, &r);
	close(57);
	close(fd);
	/* 0, 1, 2 and the descriptor ls itself opened for the listing. */
	assert_string_equal(r.out, "0|1|2|3|");
}

static void
test_timeout(void **state)
{
	char *const argv[] = {"/bin/sleep", "30", NULL};
	struct run r;

	(void)state;
	run(argv, 200, NULL, &r);
	assert_true(r.res.timed_out);
	assert_true(WIFSIGNALED(r.res.status));
	assert_int_equal(WTERMSIG(r.res.status), SIGKILL);
	/* Reaped: no child is left. */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void
test_stderr_and_status(void **state)
{
	char *const ls[] = {"/bin/ls", "/nonexistent-arx", NULL};
	char *const missing[] = {"/nonexistent/arx-program", NULL};
	struct run r;

	(void)state;
	run(ls, 5000, NULL, &r);
	assert_true(WIFEXITED(r.res.status));
	assert_int_not_equal(WEXITSTATUS(r.res.status), 0);
	assert_non_null(strstr(r.res.err, "nonexistent-arx"));
	run(missing, 5000, NULL, &r);
	assert_int_equal(WEXITSTATUS(r.res.status), 127);
}

static void
test_refused(void **state)
{
	char *const rel[] = {"firewall-drop", NULL};
	char *const dots[] = {"/usr/bin/../bin/ls", NULL};
	struct evloop *loop = evloop_new(clock_real());
	struct exec_spec spec = {NULL, rel, 0, NULL, on_done, NULL};
	struct exec_job *job;

	(void)state;
	spec.path = rel[0];
	assert_int_equal(exec_start(loop, &spec, &job), ARX_ERR_INVAL);
	spec.path = dots[0];
	spec.argv = dots;
	assert_int_equal(exec_start(loop, &spec, &job), ARX_ERR_INVAL);
	assert_false(exec_path_ok("/usr/./bin/ls"));
	assert_false(exec_path_ok("/usr/bin/.."));
	assert_true(exec_path_ok("/var/ossec/active-response/bin/..x"));
	assert_true(exec_path_ok("/bin/ls"));
	evloop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stdin_stdout),
	    cmocka_unit_test(test_feed_large),
	    cmocka_unit_test(test_environment),
	    cmocka_unit_test(test_descriptors),
	    cmocka_unit_test(test_timeout),
	    cmocka_unit_test(test_stderr_and_status),
	    cmocka_unit_test(test_refused),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
