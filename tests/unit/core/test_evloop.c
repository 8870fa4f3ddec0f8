/*
 * Unit tests for core/evloop: timers in deadline order under a fake clock,
 * cancel and restart, descriptors through a pipe, stopping a watcher from
 * another callback of the same batch, and a real-clock timeout.
 */
#include <unistd.h>

#include "testutil.h"

#include "core/evloop.h"

struct record {
	char order[64];
	size_t n;
};

struct named_timer {
	struct evtimer t;
	char name;
	struct record *rec;
	const struct arx_clock *clock;
	uint64_t fired_at; /* 0 until it fires */
};

static void
on_named(struct evloop *loop, struct evtimer *t)
{
	struct named_timer *nt = t->ctx;

	(void)loop;
	if (nt->rec->n < sizeof(nt->rec->order) - 1)
		nt->rec->order[nt->rec->n++] = nt->name;
	nt->fired_at = nt->clock ? clock_mono_ms(nt->clock) : 1;
}

static void
test_timer_order(void **state)
{
	struct fake_clock fc;
	struct evloop *loop;
	struct named_timer nt[6];
	struct record rec = {0};
	static const uint64_t delays[] = {500, 100, 300, 100, 900, 200};
	size_t i;

	(void)state;
	fake_clock_init(&fc, 0);
	loop = evloop_new(&fc.base);
	assert_non_null(loop);
	memset(nt, 0, sizeof(nt));
	for (i = 0; i < 6; i++) {
		nt[i].name = (char)('A' + i);
		nt[i].rec = &rec;
		evtimer_init(&nt[i].t, on_named, &nt[i]);
		assert_int_equal(
		    evloop_timer_start(loop, &nt[i].t, delays[i]), 0);
	}
	evloop_timer_stop(loop, &nt[2].t);      /* C never fires */
	evloop_timer_start(loop, &nt[4].t, 50); /* E moves first */
	assert_int_equal(evloop_ntimers(loop), 5);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	fake_clock_advance(&fc, 150);
	assert_int_equal(evloop_run_once(loop, 0), 3);
	fake_clock_advance(&fc, 1000);
	evloop_run_once(loop, 0);
	rec.order[rec.n] = '\0';
	/* B and D share a deadline: either order is right. */
	assert_true(
	    strcmp(rec.order, "EBDFA") == 0 || strcmp(rec.order, "EDBFA") == 0);
	assert_int_equal(evloop_ntimers(loop), 0);
	evloop_free(loop);
}

/* 200 timers, a third cancelled: the rest fire exactly at their deadline. */
static void
test_many_timers_heap(void **state)
{
	struct fake_clock fc;
	struct evloop *loop;
	struct named_timer nt[200];
	struct record rec = {0};
	uint64_t start, due;
	size_t i;

	(void)state;
	fake_clock_init(&fc, 0);
	start = clock_mono_ms(&fc.base);
	loop = evloop_new(&fc.base);
	memset(nt, 0, sizeof(nt));
	for (i = 0; i < 200; i++) {
		nt[i].rec = &rec;
		nt[i].clock = &fc.base;
		evtimer_init(&nt[i].t, on_named, &nt[i]);
		evloop_timer_start(loop, &nt[i].t, (i * 7919) % 1000);
	}
	for (i = 0; i < 200; i += 3)
		evloop_timer_stop(loop, &nt[i].t);
	for (i = 0; i < 1001; i++) {
		evloop_run_once(loop, 0);
		fake_clock_advance(&fc, 1);
	}
	assert_int_equal(evloop_ntimers(loop), 0);
	for (i = 0; i < 200; i++) {
		due = start + (i * 7919) % 1000;
		if (i % 3 == 0)
			assert_int_equal(nt[i].fired_at, 0);
		else
			assert_int_equal(nt[i].fired_at, due);
	}
	evloop_free(loop);
}

struct pipe_ctx {
	int reads;
	struct evio *other;
	struct evloop *loop;
};

static void
on_read(struct evloop *loop, struct evio *io, unsigned events)
{
	struct pipe_ctx *pc = io->ctx;
	char buf[16];

	(void)loop;
	assert_true(events & EV_READ);
	assert_true(read(io->fd, buf, sizeof(buf)) > 0);
	pc->reads++;
	/* Stop the other watcher: its pending event must not be delivered. */
	if (pc->other != NULL)
		evloop_io_stop(pc->loop, pc->other);
}

static void
test_io_and_stop_in_batch(void **state)
{
	struct fake_clock fc;
	struct evloop *loop;
	int p1[2], p2[2];
	struct evio io1, io2;
	struct pipe_ctx c = {0};

	(void)state;
	fake_clock_init(&fc, 0);
	loop = evloop_new(&fc.base);
	assert_int_equal(pipe(p1), 0);
	assert_int_equal(pipe(p2), 0);
	c.loop = loop;
	evio_init(&io1, p1[0], EV_READ, on_read, &c);
	evio_init(&io2, p2[0], EV_READ, on_read, &c);
	assert_int_equal(evloop_io_start(loop, &io1), 0);
	assert_int_equal(evloop_io_start(loop, &io2), 0);
	assert_int_equal(evloop_run_once(loop, 0), 0);
	assert_int_equal(write(p1[1], "x", 1), 1);
	assert_int_equal(write(p2[1], "y", 1), 1);
	c.other = NULL;
	/* Whichever runs first stops the other one. */
	io1.ctx = &c;
	c.other = &io2;
	{
		struct pipe_ctx c2 = {.other = &io1, .loop = loop};
		io2.ctx = &c2;
		assert_int_equal(evloop_run_once(loop, 100), 1);
		assert_int_equal(c.reads + c2.reads, 1);
	}
	assert_false(io1.active && io2.active);
	evloop_io_stop(loop, &io1);
	evloop_io_stop(loop, &io2);
	close(p1[0]), close(p1[1]), close(p2[0]), close(p2[1]);
	evloop_free(loop);
}

static void
on_stop(struct evloop *loop, struct evtimer *t)
{
	(void)t;
	evloop_stop(loop);
}

static void
test_run_real_clock(void **state)
{
	const struct arx_clock *c = clock_real();
	struct evloop *loop = evloop_new(c);
	struct evtimer t;
	uint64_t start = clock_mono_ms(c);

	(void)state;
	evtimer_init(&t, on_stop, NULL);
	evloop_timer_start(loop, &t, 20);
	assert_int_equal(evloop_run(loop), 0);
	assert_true(clock_mono_ms(c) - start >= 20);
	evloop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timer_order),
	    cmocka_unit_test(test_many_timers_heap),
	    cmocka_unit_test(test_io_and_stop_in_batch),
	    cmocka_unit_test(test_run_real_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
