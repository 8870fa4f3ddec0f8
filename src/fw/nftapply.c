/*
 * libnftables, in a helper process driven by a worker thread (see
 * nftapply.h). The loop hands the worker a copy of the script under the
 * mutex and a condition; the worker sends it to the helper, a child
 * forked once (again after it dies) that applies each script with a
 * fresh libnftables context and answers with its result. libnftables
 * ends its process on some failures (no netlink socket, no memory):
 * then only the helper ends, the batch fails and the next one starts a
 * new helper. The worker waits at most NFT_APPLY_MS for an answer; a
 * helper that takes longer is killed. The worker wakes the loop through
 * the eventfd.
 */
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "fw/nftapply.h"

#define WHY_MAX      512
#define SCRIPT_MAX   (64u << 20)
#define NFT_APPLY_MS 60000
#define HELPER_FD    3

struct nft_applier {
	struct evloop *loop;
	nft_applied_fn *fn;
	void *ctx;
	struct evio io; /* the eventfd: a script ended */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	char *script; /* the script to apply, NUL-terminated; NULL: none */
	size_t len;
	bool busy; /* from start until its end is reported (loop only) */
	bool ended, failed, quit;
	char why[WHY_MAX];
	/* the worker's own */
	int helper_fd; /* -1: no helper */
	pid_t helper_pid;
};

/* ---- the helper process ---- */

static int
io_all(int fd, void *p, size_t n, bool out)
{
	char *c = p;

	while (n > 0) {
		ssize_t k = out ? send(fd, c, n, MSG_NOSIGNAL) : read(fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			errno = EPIPE; /* the other end is gone */
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* nft's first line that says something ("Error: ..."), into why. */
static void
keep_why(const char *err, char *why)
{
	size_t n;

	while (err != NULL && (*err == '\n' || *err == ' '))
		err++;
	if (err == NULL || *err == '\0') {
		snprintf(why, WHY_MAX, "nft: the transaction failed");
		return;
	}
	n = strcspn(err, "\n");
	snprintf(why, WHY_MAX, "nft: %.*s", (int)(n < 400 ? n : 400), err);
}

/* Apply one script with a fresh context (no cache outlives a change
 * made by someone else): 0, or 1 with why. */
static uint32_t
helper_apply(const char *script, char *why)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc;

	if (nft == NULL) {
		snprintf(why, WHY_MAX, "nft: no libnftables context");
		return 1;
	}
	(void)nft_ctx_buffer_output(nft);
	(void)nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, script);
	if (rc != 0)
		keep_why(nft_ctx_get_error_buffer(nft), why);
	nft_ctx_free(nft);
	return rc == 0 ? 0 : 1;
}

/* The helper: requests (length, script) in, answers (status, length,
 * why) out, until the worker closes its end. */
static void
helper_main(int fd)
{
	char why[WHY_MAX];
	uint32_t hdr[2];
	char *script;

	for (;;) {
		if (io_all(fd, hdr, sizeof(uint32_t), false) != 0 ||
		    hdr[0] > SCRIPT_MAX ||
		    (script = malloc(hdr[0] + 1)) == NULL)
			_exit(0);
		if (io_all(fd, script, hdr[0], false) != 0)
			_exit(0);
		script[hdr[0]] = '\0';
		why[0] = '\0';
		hdr[0] = helper_apply(script, why);
		hdr[1] = (uint32_t)strlen(why);
		free(script);
		if (io_all(fd, hdr, sizeof(hdr), true) != 0 ||
		    io_all(fd, why, hdr[1], true) != 0)
			_exit(0);
	}
}

/* Fork the helper (from the worker, every signal blocked: the child
 * keeps that mask, and dies with its parent). */
static int
helper_spawn(struct nft_applier *ap, char *why)
{
	struct timeval tv = {NFT_APPLY_MS / 1000, 0};
	pid_t parent = getpid(), pid;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(why, WHY_MAX, "nft helper: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(why, WHY_MAX, "nft helper: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent || dup2(sv[1], HELPER_FD) < 0)
			_exit(0);
		(void)syscall(SYS_close_range, HELPER_FD + 1, ~0U, 0);
		(void)prctl(PR_SET_NAME, "arx-nft");
		helper_main(HELPER_FD);
	}
	close(sv[1]);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	ap->helper_fd = sv[0];
	ap->helper_pid = pid;
	return 0;
}

/* The helper gone or to go: closed, killed if it lingers, reaped. */
static void
helper_end(struct nft_applier *ap, bool kill_it)
{
	if (ap->helper_fd < 0)
		return;
	close(ap->helper_fd);
	if (kill_it)
		(void)kill(ap->helper_pid, SIGKILL);
	(void)waitpid(ap->helper_pid, NULL, 0);
	ap->helper_fd = -1;
}

/* One script through the helper: true when it applied. */
static bool
apply(struct nft_applier *ap, const char *script, size_t len, char *why)
{
	uint32_t hdr[2] = {(uint32_t)len, 0};

	if (ap->helper_fd < 0 && helper_spawn(ap, why) != 0)
		return false;
	if (io_all(ap->helper_fd, hdr, sizeof(uint32_t), true) != 0 ||
	    io_all(ap->helper_fd, (void *)script, len, true) != 0 ||
	    io_all(ap->helper_fd, hdr, sizeof(hdr), false) != 0 ||
	    hdr[1] >= WHY_MAX ||
	    io_all(ap->helper_fd, why, hdr[1], false) != 0) {
		snprintf(why, WHY_MAX, "%s",
		    errno == EAGAIN ? "nft did not finish in time"
				    : "the nft helper ended (libnftables "
				      "failed)");
		helper_end(ap, true);
		return false;
	}
	why[hdr[1]] = '\0';
	return hdr[0] == 0;
}

/* ---- the worker thread and the loop's side ---- */

static void *
worker(void *arg)
{
	struct nft_applier *ap = arg;
	char why[WHY_MAX];
	uint64_t one = 1;
	char *script;
	bool ok;

	for (;;) {
		pthread_mutex_lock(&ap->mu);
		while (ap->script == NULL && !ap->quit)
			pthread_cond_wait(&ap->cv, &ap->mu);
		script = ap->script;
		pthread_mutex_unlock(&ap->mu);
		if (script == NULL) { /* quit: the helper reads its end */
			helper_end(ap, false);
			return NULL;
		}
		why[0] = '\0';
		ok = apply(ap, script, ap->len, why);
		pthread_mutex_lock(&ap->mu);
		free(ap->script);
		ap->script = NULL;
		ap->ended = true;
		ap->failed = !ok;
		memcpy(ap->why, why, sizeof(why));
		pthread_mutex_unlock(&ap->mu);
		while (
		    write(ap->io.fd, &one, sizeof(one)) < 0 && errno == EINTR)
			;
	}
}

/* The eventfd: report the script's end, in the loop. */
static void
on_wake(struct evloop *loop, struct evio *io, unsigned events)
{
	struct nft_applier *ap = io->ctx;
	char why[WHY_MAX];
	uint64_t n;
	bool ended, failed;

	(void)loop, (void)events;
	if (read(io->fd, &n, sizeof(n)) < 0)
		return; /* EAGAIN: nothing new */
	pthread_mutex_lock(&ap->mu);
	ended = ap->ended;
	failed = ap->failed;
	memcpy(why, ap->why, sizeof(why));
	ap->ended = false;
	if (ended)
		ap->busy = false;
	pthread_mutex_unlock(&ap->mu);
	if (ended)
		ap->fn(failed ? why : NULL, ap->ctx);
}

/* The worker, created with every signal blocked (it inherits the mask):
 * a signal for the process must reach the loop's signalfd. */
static int
thread_start(struct nft_applier *ap)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&ap->thread, NULL, worker, ap);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		errno = r;
	return r == 0 ? 0 : ARX_ERR_SYS;
}

struct nft_applier *
nft_applier_new(struct evloop *loop, nft_applied_fn *fn, void *ctx)
{
	struct nft_applier *ap = calloc(1, sizeof(*ap));
	int fd, e;

	if (ap == NULL)
		return NULL;
	if ((fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(ap);
		return NULL;
	}
	ap->loop = loop;
	ap->fn = fn;
	ap->ctx = ctx;
	ap->helper_fd = -1;
	pthread_mutex_init(&ap->mu, NULL);
	pthread_cond_init(&ap->cv, NULL);
	evio_init(&ap->io, fd, EV_READ, on_wake, ap);
	if (evloop_io_start(loop, &ap->io) == 0 && thread_start(ap) == 0)
		return ap;
	e = errno;
	evloop_io_stop(loop, &ap->io);
	close(fd);
	pthread_mutex_destroy(&ap->mu);
	pthread_cond_destroy(&ap->cv);
	free(ap);
	errno = e;
	return NULL;
}

void
nft_applier_free(struct nft_applier *ap)
{
	if (ap == NULL)
		return;
	pthread_mutex_lock(&ap->mu);
	ap->quit = true;
	pthread_cond_signal(&ap->cv);
	pthread_mutex_unlock(&ap->mu);
	pthread_join(ap->thread, NULL);
	evloop_io_stop(ap->loop, &ap->io);
	close(ap->io.fd);
	free(ap->script);
	pthread_mutex_destroy(&ap->mu);
	pthread_cond_destroy(&ap->cv);
	free(ap);
}

int
nft_applier_start(struct nft_applier *ap, const char *script, size_t len)
{
	char *copy;

	if (nft_applier_busy(ap))
		return ARX_ERR_STATE;
	if (len > SCRIPT_MAX)
		return ARX_ERR_TOOBIG;
	if ((copy = malloc(len + 1)) == NULL)
		return ARX_ERR_NOMEM;
	memcpy(copy, script, len);
	copy[len] = '\0';
	pthread_mutex_lock(&ap->mu);
	ap->script = copy;
	ap->len = len;
	ap->busy = true;
	pthread_cond_signal(&ap->cv);
	pthread_mutex_unlock(&ap->mu);
	return 0;
}

bool
nft_applier_busy(const struct nft_applier *ap)
{
	return ap->busy; /* written by the loop's thread only */
}
