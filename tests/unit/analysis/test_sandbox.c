/*
 * Unit tests for the analysis child's sandbox (sandbox.c), each in a
 * process of its own that enters it: what the child does still works
 * (files, sockets, SIOCOUTQ, memory, time); a forbidden call
 * (execve, fork, a packet socket, TIOCSTI, ptrace, setuid) is not run:
 * the process ends with SANDBOX_EXIT and says which call it was. As
 * root, the capability bounding set is emptied. With fetches
 * (<blocklist>), a socketpair and a thread work, a new process does not.
 */
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "analysis/sandbox.h"

static bool fetches; /* sandbox_enter()'s argument in sandboxed() */

/* Run fn in a child inside the sandbox; its exit status (-signal when
 * killed) and what it wrote to stderr. */
static int
sandboxed(void (*fn)(void), char *err, size_t size)
{
	int p[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		if (sandbox_enter(fetches) != 0)
			_exit(99);
		fn();
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], err, size - 1);
	err[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

static void
allowed_work(void)
{
	char path[] = "/tmp/arx-sandbox-XXXXXX", buf[8];
	int sv, q = -1, fd = mkstemp(path);
	struct timespec ts;
	void *big = malloc(8 << 20);

	if (fd < 0 || write(fd, "line\n", 5) != 5 ||
	    pread(fd, buf, 5, 0) != 5 || unlink(path) != 0 || big == NULL)
		_exit(2);
	if ((sv = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 ||
	    ioctl(sv, TIOCOUTQ, &q) != 0 || ioctl(sv, FIONREAD, &q) != 0)
		_exit(3);
	if (socket(AF_INET6, SOCK_STREAM, 0) < 0 ||
	    clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		_exit(4);
	memset(big, 1, 8 << 20);
	free(big);
}

static void
do_exec(void)
{
	char *argv[] = {"/bin/true", NULL};

	execv(argv[0], argv);
	_exit(5); /* refused without being ended would come here */
}

static void
do_fork(void)
{
	(void)syscall(SYS_fork);
	_exit(5);
}

static void
do_packet(void)
{
	(void)socket(AF_PACKET, SOCK_RAW, 0);
	_exit(5);
}

static void
do_tiocsti(void)
{
	char c = 'x';

	(void)ioctl(STDIN_FILENO, TIOCSTI, &c);
	_exit(5);
}

static void
do_ptrace(void)
{
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	_exit(5);
}

static void
do_setuid(void)
{
	(void)syscall(SYS_setuid, 0);
	_exit(5);
}

static void
test_allowed(void **state)
{
	char err[1024];

	(void)state;
	int rc = sandboxed(allowed_work, err, sizeof(err));

	assert_string_equal(err, "");
	assert_int_equal(rc, 0);
}

static void
test_forbidden(void **state)
{
	static const struct {
		void (*fn)(void);
		long nr;
	} cases[] = {
	    {do_exec, SYS_execve},
	    {do_fork, SYS_fork},
	    {do_packet, SYS_socket},
	    {do_tiocsti, SYS_ioctl},
	    {do_ptrace, SYS_ptrace},
	    {do_setuid, SYS_setuid},
	};
	char err[1024], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    sandboxed(cases[i].fn, err, sizeof(err)), SANDBOX_EXIT);
		snprintf(want, sizeof(want), "system call %ld is not allowed",
		    cases[i].nr);
		assert_non_null(strstr(err, want));
	}
}

static void *
thread_main(void *arg)
{
	return arg;
}

/* What libcurl needs for <blocklist> reads: a Unix socketpair, a
 * thread (its resolver). */
static void
fetch_work(void)
{
	int sv[2];
	pthread_t t;
	void *ret = NULL;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		_exit(2);
	if (pthread_create(&t, NULL, thread_main, sv) != 0 ||
	    pthread_join(t, &ret) != 0 || ret != sv)
		_exit(3);
}

/* A clone that is not a thread (a new process) stays forbidden. */
static void
do_clone_process(void)
{
	(void)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
	_exit(5);
}

static void
test_fetches(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(sandboxed(fetch_work, err, sizeof(err)), SANDBOX_EXIT);
	fetches = true;
	assert_int_equal(sandboxed(fetch_work, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(
	    sandboxed(do_clone_process, err, sizeof(err)), SANDBOX_EXIT);
	assert_int_equal(sandboxed(do_fork, err, sizeof(err)), SANDBOX_EXIT);
	fetches = false;
}

static void
drop_and_report(void)
{
	char line[256];
	FILE *f;

	if (sandbox_drop_caps() != 0 ||
	    (f = fopen("/proc/self/status", "r")) == NULL)
		_exit(2);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapBnd:", 7) == 0)
			fputs(line, stderr);
	fclose(f);
}

/* The bounding set, emptied before entering (needs root). */
static void
test_caps(void **state)
{
	char err[1024];
	int p[2], status;
	pid_t pid;
	ssize_t n;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		dup2(p[1], STDERR_FILENO);
		drop_and_report();
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], err, sizeof(err) - 1);
	err[n > 0 ? n : 0] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_string_equal(err, "CapBnd:\t0000000000000000\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_allowed),
	    cmocka_unit_test(test_forbidden),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_fetches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
