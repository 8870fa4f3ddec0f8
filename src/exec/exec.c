/*
 * Response program runner (see exec.h). A job owns its pipes, its pidfd,
 * its watchers and its deadline timer; it frees itself after on_done.
 */
#define _GNU_SOURCE /* pipe2 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "exec/exec.h"

struct exec_job {
	struct evloop *loop;
	struct exec_spec spec;
	pid_t pid;
	int in_fd;
	struct evio in, out, err, exit; /* in: while exec_feed() writes */
	const char *feed;               /* what is left of exec_feed()'s data */
	size_t feed_len;
	struct evtimer deadline;
	char line[EXEC_LINE_MAX];
	size_t line_len;
	struct exec_result res;
	/* abandoned: on the list exec_release_abandoned() frees */
	struct exec_job *prev, *next;
	bool abandoned;
};

/* Jobs whose owner let them go; they free themselves when they end,
 * or at exec_release_abandoned() when the loop goes first. */
static struct exec_job *abandoned;

static void
abandoned_unlink(struct exec_job *job)
{
	if (!job->abandoned)
		return;
	if (job->prev != NULL)
		job->prev->next = job->next;
	else
		abandoned = job->next;
	if (job->next != NULL)
		job->next->prev = job->prev;
	job->abandoned = false;
}

static char *const exec_env[] = {
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", "LC_ALL=C", NULL};

bool
exec_path_ok(const char *path)
{
	const char *p = path;

	if (path == NULL || path[0] != '/')
		return false;
	while ((p = strchr(p, '/')) != NULL) {
		p++;
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return false;
		if (p[0] == '.' && (p[1] == '/' || p[1] == '\0'))
			return false;
	}
	return true;
}

/* In the child: only async-signal-safe calls. */
static void
child_run(const struct exec_spec *spec, int in, int out, int err)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)setpgid(0, 0);
	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(err, 2) == -1)
		_exit(127);
	(void)syscall(SYS_close_range, 3, ~0U, 0);
	execve(spec->path, spec->argv, exec_env);
	_exit(127);
}

static void job_finish(struct exec_job *job);

static void
keep_err(struct exec_job *job, const char *p, size_t n)
{
	size_t room = EXEC_ERR_MAX - job->res.err_len;

	if (n > room) {
		job->res.dropped += n - room;
		n = room;
	}
	memcpy(job->res.err + job->res.err_len, p, n);
	job->res.err_len += n;
	job->res.err[job->res.err_len] = '\0';
}

static void
keep_out(struct exec_job *job, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			if (job->spec.on_line != NULL)
				job->spec.on_line(job, job->line, job->line_len,
				    job->spec.ctx);
			job->line_len = 0;
		} else if (job->line_len < EXEC_LINE_MAX - 1) {
			job->line[job->line_len++] = p[i];
			job->line[job->line_len] = '\0';
		} else {
			job->res.dropped++;
		}
	}
}

/* Read what is there now; stop the watcher at end of file. */
static void
drain(struct exec_job *job, struct evio *io)
{
	char b[4096];
	ssize_t n;

	while (io->fd != -1) {
		n = read(io->fd, b, sizeof(b));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			evloop_io_stop(job->loop, io);
			close(io->fd);
			io->fd = -1;
			return;
		}
		if (io == &job->err)
			keep_err(job, b, (size_t)n);
		else
			keep_out(job, b, (size_t)n);
	}
}

static void
on_pipe(struct evloop *loop, struct evio *io, unsigned events)
{
	(void)loop;
	(void)events;
	drain(io->ctx, io);
}

static void
on_exit_fd(struct evloop *loop, struct evio *io, unsigned events)
{
	struct exec_job *job = io->ctx;
	pid_t r;

	(void)loop;
	(void)events;
	/* Still a zombie, so its group id cannot have been reused: end
	 * whatever it left running, then reap it. */
	(void)kill(-job->pid, SIGKILL);
	do
		r = waitpid(job->pid, &job->res.status, WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		return;
	job_finish(job);
}

static void
on_deadline(struct evloop *loop, struct evtimer *t)
{
	struct exec_job *job = t->ctx;

	(void)loop;
	job->res.timed_out = true;
	(void)kill(-job->pid, SIGKILL);
	(void)kill(job->pid, SIGKILL);
}

static void
close_fd(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* Stop watching job and close what it holds. */
static void
job_close(struct exec_job *job)
{
	evloop_timer_stop(job->loop, &job->deadline);
	evloop_io_stop(job->loop, &job->in);
	evloop_io_stop(job->loop, &job->out);
	evloop_io_stop(job->loop, &job->err);
	evloop_io_stop(job->loop, &job->exit);
	close_fd(&job->out.fd);
	close_fd(&job->err.fd);
	close_fd(&job->exit.fd);
	close_fd(&job->in_fd);
}

/* The program is gone: take what it left in the pipes, report, free. */
static void
job_finish(struct exec_job *job)
{
	drain(job, &job->out);
	drain(job, &job->err);
	if (job->line_len > 0)
		keep_out(job, "\n", 1);
	job_close(job);
	abandoned_unlink(job);
	if (job->spec.on_done != NULL)
		job->spec.on_done(job, &job->res, job->spec.ctx);
	free(job);
}

static int
pipe_pair(int fds[2], bool parent_reads)
{
	if (pipe2(fds, O_CLOEXEC) != 0)
		return ARX_ERR_SYS;
	(void)fcntl(fds[parent_reads ? 0 : 1], F_SETFL, O_NONBLOCK);
	return 0;
}

static int
job_spawn(struct exec_job *job, int p_in[2], int p_out[2], int p_err[2])
{
	int pidfd;

	job->pid = fork();
	if (job->pid == -1)
		return ARX_ERR_SYS;
	if (job->pid == 0)
		child_run(&job->spec, p_in[0], p_out[1], p_err[1]);
	(void)setpgid(job->pid, job->pid);
	pidfd = (int)syscall(SYS_pidfd_open, job->pid, 0);
	if (pidfd == -1) {
		int e = errno; /* the cause, not what the cleanup leaves */

		(void)kill(job->pid, SIGKILL);
		(void)waitpid(job->pid, NULL, 0);
		errno = e;
		return ARX_ERR_SYS;
	}
	job->in_fd = p_in[1];
	evio_init(&job->out, p_out[0], EV_READ, on_pipe, job);
	evio_init(&job->err, p_err[0], EV_READ, on_pipe, job);
	evio_init(&job->exit, pidfd, EV_READ, on_exit_fd, job);
	p_in[1] = p_out[0] = p_err[0] = -1;
	return 0;
}

static int
job_watch(struct exec_job *job)
{
	if (evloop_io_start(job->loop, &job->out) != 0 ||
	    evloop_io_start(job->loop, &job->err) != 0 ||
	    evloop_io_start(job->loop, &job->exit) != 0)
		return ARX_ERR_SYS;
	evtimer_init(&job->deadline, on_deadline, job);
	if (job->spec.timeout_ms > 0 &&
	    evloop_timer_start(
		job->loop, &job->deadline, job->spec.timeout_ms) != 0)
		return ARX_ERR_NOMEM;
	return 0;
}

static void
close_pipes(int a[2], int b[2], int c[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		close_fd(&a[i]);
		close_fd(&b[i]);
		close_fd(&c[i]);
	}
}

int
exec_start(
    struct evloop *loop, const struct exec_spec *spec, struct exec_job **out)
{
	int p_in[2] = {-1, -1}, p_out[2] = {-1, -1}, p_err[2] = {-1, -1};
	struct exec_job *job;
	int r = ARX_ERR_INVAL, e;

	*out = NULL;
	if (!exec_path_ok(spec->path) || spec->argv == NULL ||
	    spec->argv[0] == NULL || spec->on_done == NULL)
		return ARX_ERR_INVAL;
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return ARX_ERR_NOMEM;
	job->loop = loop;
	job->spec = *spec;
	job->in_fd = job->out.fd = job->err.fd = job->exit.fd = -1;
	if ((r = pipe_pair(p_in, false)) != 0 ||
	    (r = pipe_pair(p_out, true)) != 0 ||
	    (r = pipe_pair(p_err, true)) != 0 ||
	    (r = job_spawn(job, p_in, p_out, p_err)) != 0)
		goto fail;
	if ((r = job_watch(job)) != 0) {
		e = errno;
		(void)kill(-job->pid, SIGKILL);
		(void)waitpid(job->pid, NULL, 0);
		errno = e;
		goto fail;
	}
	close_pipes(p_in, p_out, p_err);
	*out = job;
	return 0;
fail:
	e = errno; /* read once, before the cleanup can change it */
	log_error("%s: cannot start: %s", spec->path,
	    r == ARX_ERR_SYS ? strerror(e) : arx_strerror(r));
	evloop_io_stop(loop, &job->out);
	evloop_io_stop(loop, &job->err);
	evloop_io_stop(loop, &job->exit);
	close_pipes(p_in, p_out, p_err);
	close_fd(&job->in_fd);
	close_fd(&job->out.fd);
	close_fd(&job->err.fd);
	close_fd(&job->exit.fd);
	free(job);
	errno = e; /* for a caller that names the cause */
	return r;
}

int
exec_write(struct exec_job *job, const char *data, size_t len)
{
	ssize_t n;

	if (job->in_fd == -1)
		return ARX_ERR_INVAL;
	do
		n = write(job->in_fd, data, len);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	return n == -1 && errno == EAGAIN ? ARX_ERR_AGAIN : ARX_ERR_SYS;
}

void
exec_close_stdin(struct exec_job *job)
{
	evloop_io_stop(job->loop, &job->in);
	close_fd(&job->in_fd);
}

/* Write what the pipe takes now; at the end (or when the program does
 * not read any more: EPIPE) close stdin. */
static void
feed_some(struct exec_job *job)
{
	ssize_t n;

	while (job->feed_len > 0) {
		n = write(job->in_fd, job->feed, job->feed_len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		job->feed += n;
		job->feed_len -= (size_t)n;
	}
	exec_close_stdin(job);
}

static void
on_stdin(struct evloop *loop, struct evio *io, unsigned events)
{
	(void)loop;
	(void)events;
	feed_some(io->ctx);
}

int
exec_feed(struct exec_job *job, const char *data, size_t len)
{
	if (job->in_fd == -1 || job->in.active)
		return ARX_ERR_INVAL;
	job->feed = data;
	job->feed_len = len;
	feed_some(job);
	if (job->in_fd == -1)
		return 0;
	evio_init(&job->in, job->in_fd, EV_WRITE, on_stdin, job);
	if (evloop_io_start(job->loop, &job->in) != 0) {
		exec_close_stdin(job);
		return ARX_ERR_SYS;
	}
	return 0;
}

void
exec_abandon(struct exec_job *job)
{
	/* what is left to feed belongs to the owner, who is going */
	job->feed = NULL;
	job->feed_len = 0;
	exec_close_stdin(job);
	job->spec.on_line = NULL;
	job->spec.on_done = NULL;
	job->spec.ctx = NULL;
	if (job->abandoned)
		return;
	job->abandoned = true;
	job->prev = NULL;
	job->next = abandoned;
	if (abandoned != NULL)
		abandoned->prev = job;
	abandoned = job;
}

void
exec_release_abandoned(void)
{
	struct exec_job *job;

	while ((job = abandoned) != NULL) {
		abandoned_unlink(job);
		job_close(job);
		free(job);
	}
}

int
exec_pid(const struct exec_job *job)
{
	return (int)job->pid;
}

struct sync_run {
	struct exec_result *res;
	bool done;
};

static void
sync_done(struct exec_job *job, const struct exec_result *r, void *ctx)
{
	struct sync_run *s = ctx;

	(void)job;
	*s->res = *r;
	s->done = true;
}

int
exec_run(const char *path, char *const *argv, const char *in, size_t len,
    uint64_t timeout_ms, struct exec_result *res)
{
	struct evloop *loop = evloop_new(clock_real());
	struct sync_run s = {res, false};
	struct exec_spec spec = {path, argv, timeout_ms, NULL, sync_done, &s};
	struct exec_job *job;
	int r = ARX_ERR_SYS;

	memset(res, 0, sizeof(*res));
	if (loop == NULL || exec_start(loop, &spec, &job) != 0)
		goto out;
	if (exec_feed(job, in, len) != 0)
		exec_close_stdin(job);
	while (!s.done && evloop_run_once(loop, 1000) >= 0)
		;
	if (s.done && !res->timed_out && res->status == 0)
		r = 0;
out:
	evloop_free(loop);
	return r;
}
