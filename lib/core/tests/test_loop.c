/* Unit tests for the event loop (loop.h) on the fake platform. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/loop.h>

#include "fakeplat.h"

#define NT 10000

static struct loop_timer timers[NT];
static int fired[NT], nfired;
static bool order_ok;
static uint64_t last_deadline;
static uint64_t last_seq;

static void record(struct loop_timer *t, void *arg)
{
	int i = (int)(intptr_t)arg;

	if (nfired > 0 && (t->deadline < last_deadline ||
			   (t->deadline == last_deadline && t->seq < last_seq)))
		order_ok = false;
	/* A timer never fires before its deadline. */
	if (loop_now() < t->deadline)
		order_ok = false;
	last_deadline = t->deadline;
	last_seq = t->seq;
	fired[nfired++] = i;
}

static void reset(void)
{
	nfired = 0;
	order_ok = true;
	last_deadline = 0;
	last_seq = 0;
	memset(fired, 0, sizeof(fired));
}

static void test_random_order(void)
{
	uint64_t base = fake_mono;
	int i, st;

	reset();
	srand(1234);
	for (i = 0; i < NT; i++) {
		loop_timer_init(&timers[i], record, (void *)(intptr_t)i);
		/* Few distinct deadlines so that ties are common. */
		loop_timer_arm_at(&timers[i],
				  base + 1 + (uint64_t)(rand() % 500));
	}
	/* Cancel and re-arm some: the heap must cope with interior removal. */
	for (i = 0; i < NT; i += 7)
		loop_timer_cancel(&timers[i]);
	for (i = 0; i < NT; i += 14)
		loop_timer_arm_at(&timers[i],
				  base + 1 + (uint64_t)(rand() % 500));
	CHECK("loop: timer count after arm/cancel",
	      loop_timer_count() ==
		      (unsigned long)(NT - (NT + 6) / 7 + (NT + 13) / 14));
	st = loop_run(5);
	CHECK("loop: random timers all fire",
	      nfired == NT - (NT + 6) / 7 + (NT + 13) / 14);
	CHECK("loop: random timers in (deadline, seq) order", order_ok);
	CHECK("loop: runs dry with the given status", st == 5);
	CHECK("loop: no timers left", loop_timer_count() == 0);
	CHECK("loop: never waited forever", fake_wait_forever == 0);
}

static void test_fifo_ties(void)
{
	int i;
	bool fifo = true;

	reset();
	for (i = 0; i < 100; i++) {
		loop_timer_init(&timers[i], record, (void *)(intptr_t)i);
		loop_timer_arm_at(&timers[i], fake_mono + 10);
	}
	/* Re-arming moves a timer to the back of its tie. */
	loop_timer_arm_at(&timers[0], fake_mono + 10);
	loop_run(0);
	for (i = 0; i < 99; i++)
		if (fired[i] != i + 1)
			fifo = false;
	CHECK("loop: equal deadlines fire in arming order",
	      fifo && nfired == 100 && fired[99] == 0);
}

/* ---- cancel and re-arm from callbacks ------------------------------ */

static struct loop_timer *victim;
static struct loop_timer *heap_victim;
static int self_rearms;

static void cancel_other(struct loop_timer *t, void *arg)
{
	record(t, arg);
	loop_timer_cancel(victim);
	/* Free a timer after cancelling it: the loop must not touch it. */
	loop_timer_cancel(heap_victim);
	free(heap_victim);
	heap_victim = NULL;
}

static void rearm_self(struct loop_timer *t, void *arg)
{
	record(t, arg);
	if (++self_rearms < 3)
		loop_timer_arm_in(t, 0); /* due at once: must wait a pass */
}

static void cancel_self(struct loop_timer *t, void *arg)
{
	record(t, arg);
	loop_timer_cancel(t); /* already disarmed: harmless */
	CHECK("loop: running timer is not armed", !loop_timer_armed(t));
}

static void test_cancel_in_callback(void)
{
	uint64_t b = fake_mono;
	unsigned long waits;

	reset();
	loop_timer_init(&timers[0], cancel_other, (void *)0);
	loop_timer_init(&timers[1], record, (void *)1);
	loop_timer_init(&timers[2], rearm_self, (void *)2);
	loop_timer_init(&timers[3], cancel_self, (void *)3);
	heap_victim = malloc(sizeof(*heap_victim));
	loop_timer_init(heap_victim, record, (void *)99);
	victim = &timers[1];
	loop_timer_arm_at(&timers[0], b + 5);
	loop_timer_arm_at(&timers[1], b + 5); /* same deadline, later */
	loop_timer_arm_at(heap_victim, b + 6);
	loop_timer_arm_at(&timers[2], b + 7);
	loop_timer_arm_at(&timers[3], b + 8);
	waits = fake_wait_calls;
	loop_run(0);
	CHECK("loop: cancelled-in-callback timers do not fire",
	      nfired == 5 && fired[0] == 0 && fired[1] == 2 && fired[2] == 2 &&
		      fired[3] == 2 && fired[4] == 3);
	CHECK("loop: self re-arm at now fires on later passes",
	      self_rearms == 3 && fake_wait_calls - waits >= 3);
	CHECK("loop: nothing armed after", loop_timer_count() == 0);
}

/* ---- deferred calls ------------------------------------------------ */

static struct loop_defer defs[8];
static int dlog[32], ndlog;
static int pass_of[32];
static unsigned long pass_marker;

static void dcall(struct loop_defer *d, void *arg)
{
	int i = (int)(intptr_t)arg;

	pass_of[ndlog] = (int)fake_wait_calls;
	dlog[ndlog++] = i;
	if (i == 0)
		loop_defer(&defs[3]); /* queued during a pass: next pass */
	if (i == 1)
		loop_defer_cancel(&defs[2]); /* cancel one of this batch */
	if (i == 3)
		loop_defer(d == &defs[3] ? &defs[4] : d);
}

static void test_defer(void)
{
	int i;

	ndlog = 0;
	for (i = 0; i < 8; i++)
		loop_defer_init(&defs[i], dcall, (void *)(intptr_t)i);
	loop_defer(&defs[0]);
	loop_defer(&defs[1]);
	loop_defer(&defs[0]); /* already queued: harmless */
	loop_defer(&defs[2]);
	loop_defer(&defs[5]);
	loop_defer_cancel(&defs[5]);
	loop_defer_cancel(&defs[6]); /* never queued: harmless */
	pass_marker = fake_wait_calls;
	CHECK("loop: defer runs dry", loop_run(7) == 7);
	CHECK("loop: deferred FIFO, cancel works",
	      ndlog == 4 && dlog[0] == 0 && dlog[1] == 1 && dlog[2] == 3 &&
		      dlog[3] == 4);
	CHECK("loop: deferred during a pass runs in the next pass",
	      ndlog == 4 && pass_of[0] == pass_of[1] &&
		      pass_of[2] == pass_of[1] + 1 &&
		      pass_of[3] == pass_of[2] + 1);
	CHECK("loop: deferred work waits with deadline 0", fake_wait_last == 0);
	CHECK("loop: deferred flags clear", !defs[0].queued && !defs[5].queued);
}

/* ---- refs, stop, block forever ------------------------------------- */

static struct loop_timer stop_timer;
static int hook_calls;

static void stopper(struct loop_timer *t, void *arg)
{
	loop_stop((int)(intptr_t)arg);
	loop_stop(1000); /* the first stop wins */
}

static void unref_hook(uint64_t deadline)
{
	hook_calls++;
	CHECK("loop: only refs: waits with no deadline",
	      deadline == UINT64_MAX);
	loop_unref();
}

static void test_refs_and_stop(void)
{
	struct loop_timer pending;
	struct loop_defer dd;
	int st;

	/* A reference alone keeps the loop alive until it is dropped. */
	loop_ref();
	fake_wait_hook = unref_hook;
	st = loop_run(3);
	fake_wait_hook = NULL;
	CHECK("loop: ref keeps the loop alive until unref",
	      hook_calls == 1 && st == 3);

	/* With a ref held and nothing else, the fake reports blocking. */
	loop_ref();
	st = loop_run(0);
	CHECK("loop: blocked-forever reported by the fake",
	      st == FAKE_BLOCKED && fake_wait_forever == 1);
	loop_unref();

	/* loop_stop from a timer: status returned, pending events dropped. */
	loop_timer_init(&stop_timer, stopper, (void *)42);
	loop_timer_init(&pending, record, (void *)0);
	loop_defer_init(&dd, dcall, (void *)7);
	loop_timer_arm_in(&stop_timer, 10);
	loop_timer_arm_in(&pending, 20);
	reset();
	st = loop_run(0);
	CHECK("loop: loop_stop status returned", st == 42);
	CHECK("loop: stop drops pending timers",
	      nfired == 0 && !loop_timer_armed(&pending) &&
		      loop_timer_count() == 0);

	/* Stop before the loop runs (kiln_exit from kiln_main). */
	loop_defer(&dd);
	ndlog = 0;
	loop_stop(9);
	st = loop_run(0);
	CHECK("loop: stop before run returns at once",
	      st == 9 && ndlog == 0 && !dd.queued);

	/* Empty loop runs dry at once. */
	CHECK("loop: empty loop returns its status", loop_run(-3) == -3);
}

static void test_now(void)
{
	struct loop_timer t;

	fake_mono += 1000;
	CHECK("loop: loop_now outside the loop reads the clock",
	      loop_now() == fake_mono);
	loop_timer_init(&t, record, NULL);
	loop_timer_arm_in(&t, UINT64_MAX);
	CHECK("loop: arm_in saturates", t.deadline == UINT64_MAX);
	loop_timer_cancel(&t);
	loop_timer_cancel(&t);
	CHECK("loop: double cancel harmless",
	      !loop_timer_armed(&t) && loop_timer_count() == 0);
}

int main(void)
{
	test_random_order();
	test_fifo_ties();
	test_cancel_in_callback();
	test_defer();
	test_refs_and_stop();
	test_now();
	return fake_done();
}
