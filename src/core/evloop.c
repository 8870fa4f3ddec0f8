/*
 * Implementation of evloop.h. Descriptors use epoll with the watcher pointer
 * as user data. Timers live in a binary min-heap ordered by deadline; each
 * timer remembers its heap index so stopping one is O(log n). The pending
 * events of one epoll_wait() are kept in the loop so that a watcher stopped
 * from a callback has its remaining events dropped before dispatch.
 */
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"
#include "core/evloop.h"

#define EVLOOP_MAX_EVENTS 64

struct evloop {
	const struct arx_clock *clock;
	int epfd;
	bool stop;
	struct evtimer **heap;
	size_t nheap, heap_cap;
	struct epoll_event events[EVLOOP_MAX_EVENTS];
	int nevents; /* pending events of the current dispatch */
};

struct evloop *
evloop_new(const struct arx_clock *clock)
{
	struct evloop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->clock = clock;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd == -1) {
		free(loop);
		return NULL;
	}
	return loop;
}

int
evloop_signals_start(struct evloop *loop, struct evio *io, const int *sigs,
    size_t n, evio_fn *fn, void *ctx)
{
	sigset_t set;
	size_t i;
	int fd;

	sigemptyset(&set);
	for (i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		return ARX_ERR_SYS;
	evio_init(io, fd, EV_READ, fn, ctx);
	if (evloop_io_start(loop, io) != 0) {
		close(fd);
		io->fd = -1;
		return ARX_ERR_SYS;
	}
	return 0;
}

const struct arx_clock *
evloop_clock(const struct evloop *loop)
{
	return loop->clock;
}

void
evloop_free(struct evloop *loop)
{
	if (loop == NULL)
		return;
	close(loop->epfd);
	free(loop->heap);
	free(loop);
}

void
evio_init(struct evio *io, int fd, unsigned events, evio_fn *fn, void *ctx)
{
	io->fd = fd;
	io->events = events;
	io->fn = fn;
	io->ctx = ctx;
	io->active = false;
}

int
evloop_io_start(struct evloop *loop, struct evio *io)
{
	struct epoll_event ev = {0};
	int op = io->active ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	ev.events = ((io->events & EV_READ) ? EPOLLIN : 0u) |
	    ((io->events & EV_WRITE) ? EPOLLOUT : 0u);
	ev.data.ptr = io;
	if (epoll_ctl(loop->epfd, op, io->fd, &ev) == -1)
		return ARX_ERR_SYS;
	io->active = true;
	return 0;
}

void
evloop_io_stop(struct evloop *loop, struct evio *io)
{
	int i;

	if (!io->active)
		return;
	(void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->active = false;
	for (i = 0; i < loop->nevents; i++)
		if (loop->events[i].data.ptr == io)
			loop->events[i].data.ptr = NULL;
}

void
evtimer_init(struct evtimer *t, evtimer_fn *fn, void *ctx)
{
	t->deadline = 0;
	t->heap_idx = 0;
	t->fn = fn;
	t->ctx = ctx;
	t->active = false;
}

static void
heap_set(struct evloop *loop, size_t i, struct evtimer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void
heap_up(struct evloop *loop, size_t i)
{
	struct evtimer *t = loop->heap[i];

	while (i > 0 && loop->heap[(i - 1) / 2]->deadline > t->deadline) {
		heap_set(loop, i, loop->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(loop, i, t);
}

static void
heap_down(struct evloop *loop, size_t i)
{
	struct evtimer *t = loop->heap[i];
	size_t c;

	while ((c = 2 * i + 1) < loop->nheap) {
		if (c + 1 < loop->nheap &&
		    loop->heap[c + 1]->deadline < loop->heap[c]->deadline)
			c++;
		if (loop->heap[c]->deadline >= t->deadline)
			break;
		heap_set(loop, i, loop->heap[c]);
		i = c;
	}
	heap_set(loop, i, t);
}

void
evloop_timer_stop(struct evloop *loop, struct evtimer *t)
{
	size_t i = t->heap_idx;
	struct evtimer *last;

	if (!t->active)
		return;
	t->active = false;
	last = loop->heap[--loop->nheap];
	if (i == loop->nheap)
		return;
	heap_set(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_idx);
}

int
evloop_timer_at(struct evloop *loop, struct evtimer *t, uint64_t deadline)
{
	evloop_timer_stop(loop, t);
	if (loop->nheap == loop->heap_cap) {
		size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
		struct evtimer **h = reallocarray(loop->heap, cap, sizeof(*h));
		if (h == NULL)
			return ARX_ERR_NOMEM;
		loop->heap = h;
		loop->heap_cap = cap;
	}
	t->deadline = deadline;
	t->active = true;
	heap_set(loop, loop->nheap++, t);
	heap_up(loop, t->heap_idx);
	return 0;
}

int
evloop_timer_start(struct evloop *loop, struct evtimer *t, uint64_t delay_ms)
{
	return evloop_timer_at(loop, t, clock_mono_ms(loop->clock) + delay_ms);
}

size_t
evloop_ntimers(const struct evloop *loop)
{
	return loop->nheap;
}

/* Milliseconds epoll may sleep: bounded by max_wait and the next timer. */
static int
evloop_wait_ms(struct evloop *loop, int max_wait_ms)
{
	uint64_t now, next;

	if (loop->nheap == 0)
		return max_wait_ms;
	now = clock_mono_ms(loop->clock);
	next = loop->heap[0]->deadline;
	if (next <= now)
		return 0;
	if (next - now > INT32_MAX)
		return max_wait_ms;
	if (max_wait_ms >= 0 && (uint64_t)max_wait_ms < next - now)
		return max_wait_ms;
	return (int)(next - now);
}

static int
evloop_run_timers(struct evloop *loop)
{
	uint64_t now = clock_mono_ms(loop->clock);
	struct evtimer *t;
	int n = 0;

	while (loop->nheap > 0 && loop->heap[0]->deadline <= now) {
		t = loop->heap[0];
		evloop_timer_stop(loop, t);
		t->fn(loop, t);
		n++;
	}
	return n;
}

int
evloop_run_once(struct evloop *loop, int max_wait_ms)
{
	int i, n, ran = 0;
	struct evio *io;
	unsigned ev;

	n = epoll_wait(loop->epfd, loop->events, EVLOOP_MAX_EVENTS,
	    evloop_wait_ms(loop, max_wait_ms));
	if (n == -1)
		return errno == EINTR ? 0 : ARX_ERR_SYS;
	loop->nevents = n;
	for (i = 0; i < n; i++) {
		if ((io = loop->events[i].data.ptr) == NULL)
			continue;
		ev = loop->events[i].events;
		io->fn(loop, io,
		    ((ev & EPOLLIN) ? EV_READ : 0u) |
			((ev & EPOLLOUT) ? EV_WRITE : 0u) |
			((ev & (EPOLLERR | EPOLLHUP)) ? EV_ERROR : 0u));
		ran++;
	}
	loop->nevents = 0;
	return ran + evloop_run_timers(loop);
}

int
evloop_run(struct evloop *loop)
{
	int r;

	loop->stop = false;
	while (!loop->stop)
		if ((r = evloop_run_once(loop, -1)) < 0)
			return r;
	return 0;
}

void
evloop_stop(struct evloop *loop)
{
	loop->stop = true;
}
