/*
 * The event loop: one per image, cooperative, single-threaded, no locks.
 *
 * Everything an appliance does runs as a callback from this loop: deferred
 * calls, timer expiries, and readiness of devices (sockets, taps, hypercall
 * devices) that the target's binding reports. Callbacks must return quickly;
 * nothing in Kiln blocks. The only place that waits is the platform's poll
 * with a deadline (see platform.h), called by loop_run().
 *
 * One pass of the loop:
 *   1. run the deferred calls queued before the pass began, in FIFO order
 *      (a call deferred during the pass runs in the next pass);
 *   2. run every timer whose deadline is at or before "now", earliest
 *      first, equal deadlines in the order they were armed;
 *   3. if nothing keeps the loop alive (no armed timer, no deferred call, no
 *      reference held by a device, see loop_ref), return;
 *   4. wait in the platform until the earliest deadline (zero when deferred
 *      calls are queued) or until a device is ready, dispatching readiness.
 *
 * Timers live in a pairing heap threaded through the timer structs, so
 * arming is O(1), the next deadline is O(1), and expiry or cancel is
 * O(log n) amortised; there is no table to fill. Timer and deferred-call
 * structs are owned by the caller, who must keep them alive while armed or
 * queued (cancel them before freeing).
 */
#ifndef KILN_LOOP_H
#define KILN_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop_timer;
typedef void (*loop_timer_fn)(struct loop_timer *t, void *arg);

/* Caller-owned; initialise with loop_timer_init before first use. */
struct loop_timer {
	uint64_t deadline; /* monotonic ns; valid while armed */
	uint64_t seq;	   /* arming order, breaks deadline ties */
	loop_timer_fn fn;
	void *arg;
	/* pairing-heap links, private to the loop */
	struct loop_timer *child, *sibling, *prev;
	bool armed;
};

struct loop_defer;
typedef void (*loop_defer_fn)(struct loop_defer *d, void *arg);

/* Caller-owned; initialise with loop_defer_init before first use. */
struct loop_defer {
	struct loop_defer *next;
	loop_defer_fn fn;
	void *arg;
	bool queued;
};

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *arg);

/*
 * Arm t to fire at monotonic time deadline_ns (see kiln_mono_ns). Re-arming
 * an armed timer moves it. A deadline in the past fires on the next pass.
 */
void loop_timer_arm_at(struct loop_timer *t, uint64_t deadline_ns);

/* Arm t to fire delay_ns after the loop's current time (loop_now). */
void loop_timer_arm_in(struct loop_timer *t, uint64_t delay_ns);

/* Disarm t; harmless when it is not armed. */
void loop_timer_cancel(struct loop_timer *t);

static inline bool loop_timer_armed(const struct loop_timer *t)
{
	return t->armed;
}

void loop_defer_init(struct loop_defer *d, loop_defer_fn fn, void *arg);

/* Queue d to run on the next pass; harmless when already queued. */
void loop_defer(struct loop_defer *d);

/* Remove d from the queue; harmless when not queued. */
void loop_defer_cancel(struct loop_defer *d);

/*
 * The loop's idea of now: the monotonic time read at the start of the
 * current step, so that all callbacks of one step agree. Cheap.
 */
uint64_t loop_now(void);

/*
 * Keep-alive references. A binding takes a reference for each object that
 * can still produce events (a listening socket, an open connection, a bound
 * UDP socket, a pending block request) and drops it when the object is
 * gone. The loop returns when there are no references, timers or deferred
 * calls left.
 */
void loop_ref(void);
void loop_unref(void);

/*
 * Run until nothing keeps the loop alive or loop_stop() is called. Returns
 * the status given to loop_stop, or `status` when the loop ran dry.
 */
int loop_run(int status);

/*
 * Ask loop_run to return `status` once the current callback returns.
 * Pending events are dropped. Appliances call kiln_exit() instead.
 */
void loop_stop(int status);

/* Number of armed timers (for tests and statistics). */
unsigned long loop_timer_count(void);

#endif /* KILN_LOOP_H */
