/*
 * The event loop (loop.h): deferred calls, timers and the platform wait.
 *
 * Timers are kept in a pairing heap threaded through struct loop_timer:
 * `child` is the first child, `sibling` the next sibling, and `prev` is the
 * parent for a first child and the previous sibling otherwise, so that any
 * node can be unlinked in O(1) before its subtree is melded back. Order is
 * (deadline, seq): seq is a global arming counter, which makes timers with
 * equal deadlines fire in arming order.
 *
 * The loop is single-threaded and re-entered only through callbacks, so the
 * state is a handful of statics. Everything a callback may do to the loop
 * (arm, cancel, defer, stop, free a cancelled timer) is safe at any point
 * because the loop never holds a pointer to a timer or deferred call across
 * a callback other than the one it is about to run, which it has already
 * unlinked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/loop.h>
#include <kiln/platform.h>

static struct loop_timer *heap_root;
static unsigned long timer_count;
static uint64_t next_seq;

/* Deferred calls queued for the next pass. */
static struct loop_defer *defer_head, *defer_tail;
/* The batch the current pass is running (so cancel can find its members). */
static struct loop_defer *defer_running;

static unsigned long refs;
static bool running;
static bool stop_requested;
static int stop_status;

/*
 * loop_now() caches the clock for one step. Outside loop_run, and during
 * the platform wait (where readiness handlers run), the cache is invalid
 * and the next loop_now() reads the clock again.
 */
static uint64_t now_ns;
static bool now_valid;

/* ---- pairing heap --------------------------------------------------- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

/* Meld two heap roots (either may be NULL); both have no prev/sibling. */
static struct loop_timer *heap_meld(struct loop_timer *a, struct loop_timer *b)
{
	struct loop_timer *tmp;

	if (!a)
		return b;
	if (!b)
		return a;
	if (timer_before(b, a)) {
		tmp = a;
		a = b;
		b = tmp;
	}
	b->prev = a;
	b->sibling = a->child;
	if (a->child)
		a->child->prev = b;
	a->child = b;
	return a;
}

/*
 * The standard two-pass merge of a sibling list, iteratively: pair up left
 * to right (stacking the pairs through `sibling`), then meld the pairs
 * right to left. A loop and no recursion, since a root can have thousands
 * of children after many O(1) arms.
 */
static struct loop_timer *heap_merge_pairs(struct loop_timer *first)
{
	struct loop_timer *stack = NULL, *a, *b, *next, *root;

	while (first) {
		a = first;
		b = a->sibling;
		next = b ? b->sibling : NULL;
		a->sibling = a->prev = NULL;
		if (b)
			b->sibling = b->prev = NULL;
		a = heap_meld(a, b);
		a->sibling = stack;
		stack = a;
		first = next;
	}
	if (!stack)
		return NULL;
	root = stack;
	stack = stack->sibling;
	root->sibling = NULL;
	while (stack) {
		next = stack->sibling;
		stack->sibling = NULL;
		root = heap_meld(root, stack);
		stack = next;
	}
	return root;
}

static void heap_remove(struct loop_timer *t)
{
	struct loop_timer *sub;

	if (t == heap_root) {
		heap_root = heap_merge_pairs(t->child);
	} else {
		/* Unlink t from its parent's child list, then meld its children
		 * back in at the root. */
		if (t->prev->child == t)
			t->prev->child = t->sibling;
		else
			t->prev->sibling = t->sibling;
		if (t->sibling)
			t->sibling->prev = t->prev;
		sub = heap_merge_pairs(t->child);
		heap_root = heap_meld(heap_root, sub);
	}
	t->child = t->sibling = t->prev = NULL;
	t->armed = false;
	timer_count--;
}

/* ---- timers --------------------------------------------------------- */

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *arg)
{
	t->deadline = 0;
	t->seq = 0;
	t->fn = fn;
	t->arg = arg;
	t->child = t->sibling = t->prev = NULL;
	t->armed = false;
}

void loop_timer_arm_at(struct loop_timer *t, uint64_t deadline_ns)
{
	KILN_ASSERT(t->fn != NULL);
	if (t->armed)
		heap_remove(t);
	t->deadline = deadline_ns;
	t->seq = next_seq++;
	t->child = t->sibling = t->prev = NULL;
	t->armed = true;
	timer_count++;
	heap_root = heap_meld(heap_root, t);
}

void loop_timer_arm_in(struct loop_timer *t, uint64_t delay_ns)
{
	uint64_t now = loop_now();

	/* Saturate: a huge delay means "never", not a deadline that wrapped. */
	if (delay_ns > UINT64_MAX - now)
		loop_timer_arm_at(t, UINT64_MAX);
	else
		loop_timer_arm_at(t, now + delay_ns);
}

void loop_timer_cancel(struct loop_timer *t)
{
	if (t->armed)
		heap_remove(t);
}

unsigned long loop_timer_count(void)
{
	return timer_count;
}

/* ---- deferred calls ------------------------------------------------- */

void loop_defer_init(struct loop_defer *d, loop_defer_fn fn, void *arg)
{
	d->next = NULL;
	d->fn = fn;
	d->arg = arg;
	d->queued = false;
}

void loop_defer(struct loop_defer *d)
{
	KILN_ASSERT(d->fn != NULL);
	if (d->queued)
		return;
	d->next = NULL;
	d->queued = true;
	if (defer_tail)
		defer_tail->next = d;
	else
		defer_head = d;
	defer_tail = d;
}

/* Unlink d from a singly linked list; true when it was there. */
static bool defer_unlink(struct loop_defer **head, struct loop_defer **tail,
			 struct loop_defer *d)
{
	struct loop_defer *prev = NULL, *p;

	for (p = *head; p; prev = p, p = p->next) {
		if (p != d)
			continue;
		if (prev)
			prev->next = p->next;
		else
			*head = p->next;
		if (tail && *tail == p)
			*tail = prev;
		p->next = NULL;
		return true;
	}
	return false;
}

/*
 * O(n) in the queue length; the queue is short (deferred calls are a way
 * to leave a callback, not a work list), and the struct has one link only.
 */
void loop_defer_cancel(struct loop_defer *d)
{
	if (!d->queued)
		return;
	if (!defer_unlink(&defer_head, &defer_tail, d))
		defer_unlink(&defer_running, NULL, d);
	d->queued = false;
}

/* ---- the loop ------------------------------------------------------- */

uint64_t loop_now(void)
{
	if (!now_valid) {
		uint64_t t = kiln_mono_ns();
		/* Never let the loop's time go back, whatever the clock does.
		 */
		if (t > now_ns)
			now_ns = t;
		now_valid = running;
	}
	return now_ns;
}

void loop_ref(void)
{
	refs++;
}

void loop_unref(void)
{
	KILN_ASSERT(refs > 0);
	refs--;
}

void loop_stop(int status)
{
	if (stop_requested)
		return; /* the first stop wins */
	stop_requested = true;
	stop_status = status;
}

/* Run the deferred calls queued before this pass, in FIFO order. */
static void run_deferred(void)
{
	struct loop_defer *d;

	defer_running = defer_head;
	defer_head = defer_tail = NULL;
	while (!stop_requested && (d = defer_running) != NULL) {
		defer_running = d->next;
		d->next = NULL;
		d->queued = false;
		d->fn(d, d->arg);
	}
}

/*
 * Run the timers that are due. Timers armed during this pass (seq at or
 * past `limit`) wait for the next pass even when their deadline has passed,
 * so that a callback re-arming itself at "now" cannot starve the loop.
 */
static void run_timers(void)
{
	uint64_t limit = next_seq;
	uint64_t now = loop_now();
	struct loop_timer *t;

	while (!stop_requested && (t = heap_root) != NULL) {
		if (t->deadline > now || t->seq >= limit)
			break;
		heap_remove(t);
		t->fn(t, t->arg);
	}
}

/* Drop every pending event: stop means stop (loop.h). */
static void drop_pending(void)
{
	struct loop_defer *d;

	while (heap_root)
		heap_remove(heap_root);
	while ((d = defer_head) != NULL) {
		defer_head = d->next;
		d->next = NULL;
		d->queued = false;
	}
	while ((d = defer_running) != NULL) {
		defer_running = d->next;
		d->next = NULL;
		d->queued = false;
	}
	defer_tail = NULL;
}

int loop_run(int status)
{
	uint64_t deadline;

	KILN_ASSERT(!running);
	running = true;
	for (;;) {
		if (stop_requested)
			break;
		now_valid = false;
		(void)loop_now();
		run_deferred();
		if (stop_requested)
			break;
		run_timers();
		if (stop_requested)
			break;
		if (!heap_root && !defer_head && refs == 0)
			goto dry;
		if (defer_head)
			deadline = 0;
		else if (heap_root)
			deadline = heap_root->deadline <= now_ns
					   ? 0
					   : heap_root->deadline;
		else
			deadline = UINT64_MAX;
		now_valid = false;
		plat_wait(deadline);
	}
	status = stop_status;
	drop_pending();
dry:
	stop_requested = false;
	running = false;
	now_valid = false;
	return status;
}
