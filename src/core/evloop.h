/*
 * A single-threaded event loop: epoll for descriptors and a binary min-heap
 * of timers driven by the injected clock. Watchers and timers are structs
 * owned by the caller and embedded in the caller's own objects; the loop
 * only keeps pointers to them while they are started, so starting and
 * stopping never allocates except when the timer heap grows.
 *
 * Callbacks may start and stop any watcher or timer, including their own,
 * and may free a stopped watcher: the loop drops pending events of watchers
 * stopped during dispatch.
 */
#ifndef ARX_CORE_EVLOOP_H
#define ARX_CORE_EVLOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"

struct evloop;

#define EV_READ  0x1u
#define EV_WRITE 0x2u
#define EV_ERROR 0x4u /* reported only: hang-up or error on the descriptor */

struct evio;
typedef void evio_fn(struct evloop *loop, struct evio *io, unsigned events);

struct evio {
	int fd;
	unsigned events; /* EV_READ | EV_WRITE */
	evio_fn *fn;
	void *ctx; /* for the caller */
	bool active;
};

struct evtimer;
typedef void evtimer_fn(struct evloop *loop, struct evtimer *t);

struct evtimer {
	uint64_t deadline; /* clock_mono_ms() value at which it fires */
	size_t heap_idx;   /* position in the heap while active */
	evtimer_fn *fn;
	void *ctx;
	bool active;
};

/* A new loop reading time from clock (kept, not owned). NULL on failure. */
struct evloop *evloop_new(const struct arx_clock *clock);

/*
 * Block the n signals of sigs and have them arrive through a signalfd
 * that io watches (fn reads struct signalfd_siginfo records from
 * io->fd). 0, or ARX_ERR_SYS.
 */
int evloop_signals_start(struct evloop *loop, struct evio *io, const int *sigs,
    size_t n, evio_fn *fn, void *ctx);

/* The clock the loop reads time from. */
const struct arx_clock *evloop_clock(const struct evloop *loop);
/* Close the loop; started watchers and timers are simply forgotten. */
void evloop_free(struct evloop *loop);

/* Set up a watcher; it is not started. */
void evio_init(
    struct evio *io, int fd, unsigned events, evio_fn *fn, void *ctx);
/* Start or update (events changed) a watcher. 0 or ARX_ERR_SYS. */
int evloop_io_start(struct evloop *loop, struct evio *io);
/* Stop a watcher; no-op if it is not active. */
void evloop_io_stop(struct evloop *loop, struct evio *io);

void evtimer_init(struct evtimer *t, evtimer_fn *fn, void *ctx);
/* (Re)start t to fire once, delay_ms from now. 0 or ARX_ERR_NOMEM. */
int evloop_timer_start(
    struct evloop *loop, struct evtimer *t, uint64_t delay_ms);
/* (Re)start t to fire at an absolute monotonic deadline. */
int evloop_timer_at(struct evloop *loop, struct evtimer *t, uint64_t deadline);
void evloop_timer_stop(struct evloop *loop, struct evtimer *t);
/* Number of active timers. */
size_t evloop_ntimers(const struct evloop *loop);

/*
 * Wait for events at most max_wait_ms (-1: until the next timer or event),
 * then run the callbacks of ready descriptors and due timers. Returns the
 * number of callbacks run, 0 when interrupted by a signal, or ARX_ERR_SYS.
 */
int evloop_run_once(struct evloop *loop, int max_wait_ms);
/* Run until evloop_stop() is called. 0 or ARX_ERR_SYS. */
int evloop_run(struct evloop *loop);
void evloop_stop(struct evloop *loop);

#endif
