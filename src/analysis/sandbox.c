/*
 * The analysis child's sandbox (sandbox.h): the capability bounding
 * set emptied, then a seccomp allow-list built with libseccomp. The
 * list is by name (libseccomp maps it to the running architecture; a
 * name this architecture lacks, e.g. open on arm64, is skipped). A
 * forbidden call traps: the handler writes which one and ends the
 * process, so a call the list misses is a clear line in the log, not
 * a silent death.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/sandbox.h"
#include "core/err.h"
#include "core/log.h"

/* What the child does after its start: read and follow files and the
 * journal, receive and accept on its sockets, connect as an agent
 * (with the resolver), write alerts and positions, talk to the root
 * process, run its event loop, and manage memory. */
static const char *const allowed[] = {
    /* files */
    "read", "readv", "pread64", "preadv", "write", "writev", "pwrite64",
    "pwritev", "open", "openat", "close", "close_range", "lseek", "fstat",
    "newfstatat", "stat", "lstat", "statx", "fstatfs", "statfs", "getdents64",
    "readlink", "readlinkat", "access", "faccessat", "faccessat2", "rename",
    "renameat", "renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "fsync",
    "fdatasync", "ftruncate", "fchmod", "fadvise64", "fcntl", "flock", "dup",
    "dup2", "dup3", "pipe2", "inotify_init1", "inotify_add_watch",
    "inotify_rm_watch", "name_to_handle_at", "umask", "getcwd",
    /* sockets (socket() itself is filtered by family below) */
    "connect", "accept", "accept4", "bind", "listen", "sendto", "recvfrom",
    "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "getsockname",
    "getpeername", "getsockopt", "setsockopt",
    /* the event loop and time */
    "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "poll", "ppoll",
    "select", "pselect6", "timerfd_create", "timerfd_settime",
    "timerfd_gettime", "signalfd4", "eventfd2", "clock_gettime", "clock_getres",
    "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    /* memory */
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mincore",
    /* process, signals, threads of libraries */
    "getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid",
    "getgroups", "getresuid", "getresgid", "getrandom", "futex",
    "set_robust_list", "get_robust_list", "rseq", "set_tid_address",
    "sched_yield", "sched_getaffinity", "uname", "sysinfo", "getrlimit",
    "prlimit64", "getrusage", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
    "rt_sigpending", "sigaltstack", "restart_syscall", "tgkill", "exit",
    "exit_group",
    "prctl", /* PR_GET_*: libraries ask; the dangerous sets need caps */
};

/* Socket families the child may open. */
static const int families[] = {AF_UNIX, AF_INET, AF_INET6, AF_NETLINK};

/* ioctl requests it may make: what is queued on a socket (both ways),
 * and isatty()'s TCGETS; never TIOCSTI on a terminal it was given. */
static const unsigned long ioctls[] = {TIOCOUTQ, FIONREAD, TCGETS};

/* A decimal number into buf (no stdio in a signal handler). */
static size_t
put_num(char *buf, long v)
{
	char tmp[24];
	size_t n = 0, i;

	if (v < 0)
		v = -v;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < sizeof(tmp));
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char head[] = "arxd[analysis]: error: system call ";
	static const char tail[] =
	    " is not allowed in the analysis child's sandbox; it stops "
	    "(<daemon><sandbox>no</sandbox> turns the sandbox off)\n";
	char buf[sizeof(head) + sizeof(tail) + 24];
	size_t n = sizeof(head) - 1;

	(void)sig;
	(void)uc;
	memcpy(buf, head, n);
	n += put_num(buf + n, si->si_syscall);
	memcpy(buf + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	(void)!write(STDERR_FILENO, buf, n);
	_exit(SANDBOX_EXIT);
}

int
sandbox_drop_caps(void)
{
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
		    errno != EINVAL) {
			log_error("cannot empty the capability bounding set "
				  "(capability %d): %s",
			    cap, strerror(errno));
			return ARX_ERR_SYS;
		}
	return 0;
}

static int
rules_add(scmp_filter_ctx f)
{
	size_t i;
	int nr, r;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		if ((nr = seccomp_syscall_resolve_name(allowed[i])) ==
		    __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		if ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0)) != 0)
			return r;
	}
	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket),
			 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]))) !=
		    0)
			return r;
	for (i = 0; i < sizeof(ioctls) / sizeof(ioctls[0]); i++)
		if ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
			 SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ioctls[i]))) != 0)
			return r;
	return 0;
}

/* libcurl's needs for <blocklist> reads (sandbox.h). */
static int
rules_fetch(scmp_filter_ctx f)
{
	int r;

	if ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socketpair), 1,
		 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)AF_UNIX))) != 0 ||
	    (r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		 SCMP_A0(SCMP_CMP_MASKED_EQ, (scmp_datum_t)CLONE_THREAD,
		     (scmp_datum_t)CLONE_THREAD))) != 0)
		return r;
	return seccomp_rule_add(f, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

int
sandbox_enter(bool fetches)
{
	struct sigaction sa;
	scmp_filter_ctx f;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    sigaction(SIGSYS, &sa, NULL) != 0) {
		log_error("sandbox: %s", strerror(errno));
		return ARX_ERR_SYS;
	}
	if ((f = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		log_error("sandbox: cannot make a seccomp filter");
		return ARX_ERR_NOMEM;
	}
	if ((r = rules_add(f)) == 0 && (!fetches || (r = rules_fetch(f)) == 0))
		r = seccomp_load(f);
	seccomp_release(f);
	if (r != 0) {
		log_error("sandbox: cannot load the seccomp filter: %s "
			  "(<daemon><sandbox>no</sandbox> runs without it)",
		    strerror(-r));
		return ARX_ERR_SYS;
	}
	return 0;
}
