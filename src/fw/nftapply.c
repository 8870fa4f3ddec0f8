/*
 * libnftables in a worker thread (see nftapply.h). The loop hands the
 * worker a copy of the script under the mutex and a condition; the
 * worker applies it with a context of its own, keeps nft's first line
 * of complaint, and wakes the loop through the eventfd.
 */
#include <sys/eventfd.h>

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

#define WHY_MAX 512

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
	bool busy;    /* from start until its end is reported */
	bool ended, failed, quit;
	char why[WHY_MAX];
};

/* nft's complaint, its first line that says something ("Error: ..."),
 * into why; a failure with nothing said gets a word of its own. */
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

/* Apply one script with a fresh context: true when it applied. */
static bool
apply(const char *script, char *why)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	int rc;

	if (nft == NULL) {
		snprintf(why, WHY_MAX, "nft: no libnftables context");
		return false;
	}
	(void)nft_ctx_buffer_output(nft);
	(void)nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, script);
	if (rc != 0)
		keep_why(nft_ctx_get_error_buffer(nft), why);
	nft_ctx_free(nft);
	return rc == 0;
}

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
		if (script == NULL)
			return NULL; /* quit */
		why[0] = '\0';
		ok = apply(script, why);
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
	int fd;

	if (ap == NULL)
		return NULL;
	if ((fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(ap);
		return NULL;
	}
	ap->loop = loop;
	ap->fn = fn;
	ap->ctx = ctx;
	pthread_mutex_init(&ap->mu, NULL);
	pthread_cond_init(&ap->cv, NULL);
	evio_init(&ap->io, fd, EV_READ, on_wake, ap);
	if (evloop_io_start(loop, &ap->io) != 0 || thread_start(ap) != 0) {
		int e = errno;

		evloop_io_stop(loop, &ap->io);
		close(fd);
		pthread_mutex_destroy(&ap->mu);
		pthread_cond_destroy(&ap->cv);
		free(ap);
		errno = e;
		return NULL;
	}
	return ap;
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
	if ((copy = malloc(len + 1)) == NULL)
		return ARX_ERR_NOMEM;
	memcpy(copy, script, len);
	copy[len] = '\0';
	pthread_mutex_lock(&ap->mu);
	ap->script = copy;
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
