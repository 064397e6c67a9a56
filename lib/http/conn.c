/*
 * Connections: the fixed pool, the receive loop (heads, bodies,
 * pipelining), back-pressure, timeouts and eviction. See http_int.h for
 * the states and the output path.
 *
 * A head that arrives whole in one receive is parsed where it lies, in
 * the stack's buffer; only a head split across receives is copied, into
 * a head buffer from a pool, and scanned incrementally (each byte once),
 * so a client sending one byte at a time costs linear work.
 *
 * Timeouts use one loop timer per connection with a lazy deadline: the
 * deadline moves on every request without touching the timer heap, and
 * an early expiry re-arms the timer for the real deadline.
 */
#include <errno.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>

#include "http_int.h"

static struct http_conn conns[HTTP_MAX_CONNS];
static struct http_conn *conn_free[HTTP_MAX_CONNS];
static unsigned conn_nfree;

static uint8_t hbuf_mem[HTTP_HBUF_N][HTTP_HBUF_SZ];
static uint8_t *hbuf_free[HTTP_HBUF_N];
static unsigned hbuf_nfree;

/* Waiting for a head, oldest first. */
static struct http_conn *wait_head, *wait_tail;

static void timer_fire(struct loop_timer *t, void *arg);

void http_conn_pool_init(void)
{
	for (unsigned i = 0; i < HTTP_MAX_CONNS; i++) {
		conn_free[i] = &conns[HTTP_MAX_CONNS - 1 - i];
		loop_timer_init(&conns[i].timer, timer_fire, &conns[i]);
	}
	conn_nfree = HTTP_MAX_CONNS;
	for (unsigned i = 0; i < HTTP_HBUF_N; i++)
		hbuf_free[i] = hbuf_mem[i];
	hbuf_nfree = HTTP_HBUF_N;
}

static void wait_add(struct http_conn *c)
{
	if (c->waiting)
		return;
	c->waiting = true;
	c->wnext = NULL;
	c->wprev = wait_tail;
	if (wait_tail)
		wait_tail->wnext = c;
	else
		wait_head = c;
	wait_tail = c;
}

static void wait_del(struct http_conn *c)
{
	if (!c->waiting)
		return;
	c->waiting = false;
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		wait_head = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	else
		wait_tail = c->wprev;
	c->wprev = c->wnext = NULL;
}

void http_conn_deadline(struct http_conn *c, enum http_stat kind, unsigned secs)
{
	c->deadline = loop_now() + (uint64_t)secs * 1000000000u;
	c->tkind = kind;
	if (!loop_timer_armed(&c->timer) || c->timer.deadline > c->deadline)
		loop_timer_arm_at(&c->timer, c->deadline);
}

void http_hbuf_release(struct http_conn *c)
{
	if (c->hbuf)
		hbuf_free[hbuf_nfree++] = c->hbuf;
	c->hbuf = NULL;
	c->hlen = 0;
}

/* Release every resource and the slot; the tcp_conn is left alone. */
static void conn_release(struct http_conn *c)
{
	wait_del(c);
	http_hbuf_release(c);
	http_out_drop(c);
	loop_timer_cancel(&c->timer);
	c->state = C_FREE;
	c->tcp = NULL;
	conn_free[conn_nfree++] = c;
	http_stats[HTTP_ST_CONN_ACTIVE]--;
}

/* Callbacks for a tcp_conn whose http_conn was taken away (evicted). */
static size_t orphan_recv(struct tcp_conn *t, struct view d, void *arg)
{
	return d.len;
}
static void orphan_closed(struct tcp_conn *t, enum tcp_close_reason w,
			  void *arg)
{
}
static const struct tcp_callbacks orphan_cbs = {
	.recv = orphan_recv,
	.closed = orphan_closed,
};

/* Cut a connection now and free its slot for someone else. */
static void conn_evict(struct http_conn *c, enum http_stat why)
{
	struct tcp_conn *t = c->tcp;

	http_count(why);
	tcp_set_callbacks(t, &orphan_cbs, NULL);
	conn_release(c);
	tcp_abort(t);
}

/* Start the graceful end once everything queued is out. */
void http_conn_finish(struct http_conn *c)
{
	c->state = C_CLOSING;
	wait_del(c);
	if (!http_blocked(c) && !c->dead) {
		http_flush_close(c); /* the last bytes and the FIN together */
		if (!http_blocked(c) && !c->dead)
			tcp_close(c->tcp); /* nothing was batched */
	}
}

static void timer_fire(struct loop_timer *t, void *arg)
{
	struct http_conn *c = arg;

	if (c->state == C_FREE)
		return;
	if (loop_now() < c->deadline) {
		loop_timer_arm_at(&c->timer, c->deadline);
		return;
	}
	/* A peer that does not read, or a route or body that stalls: cut
	 * it off (reset), nothing more can be said to it. */
	if (c->tkind == HTTP_ST_TIMEOUT_SEND || http_blocked(c) ||
	    c->state == C_RESP || c->state == C_BODY || c->state == C_CLOSING) {
		conn_evict(c, c->tkind);
		return;
	}
	http_count(c->tkind);
	/* A head that never finished gets a 408 (RFC 9110 15.5.9); an idle
	 * keep-alive connection, or one that never sent a byte, a FIN. */
	if (c->tkind == HTTP_ST_TIMEOUT_HEADER && c->head_started)
		http_out_error(c, 408, NULL, false, true);
	http_conn_finish(c);
	/* Bound the close itself too: a peer that never sends its FIN
	 * is reset when this fires again. */
	http_conn_deadline(c, HTTP_ST_TIMEOUT_SEND,
			   http_srv.cfg.send_timeout_s);
}

/* Idle between requests: back in the waiting list, idle timeout. */
static void conn_idle(struct http_conn *c)
{
	c->state = C_HEAD;
	c->head_started = false;
	memset(&c->scan, 0, sizeof c->scan);
	wait_add(c);
	/* While a response is still on its way, the send timeout rules. */
	if (!http_blocked(c))
		http_conn_deadline(c, HTTP_ST_TIMEOUT_IDLE,
				   http_srv.cfg.idle_timeout_s);
}

void http_conn_resp_done(struct http_conn *c)
{
	c->req.route = NULL;
	if (c->dead)
		return;
	if (!c->keep || c->peer_eof) {
		http_conn_finish(c);
		return;
	}
	if (c->body_left > 0)
		http_conn_await_body(c); /* nobody wants it: read and drop */
	else
		conn_idle(c);
	/* A route that answered later, outside our callbacks: go on with
	 * the requests that wait behind this one. */
	if (c->paused && !http_blocked(c)) {
		c->paused = false;
		tcp_recv_resume(c->tcp);
	}
}

void http_conn_await_body(struct http_conn *c)
{
	/* A body that trickles in holds a slot like a slow head does: it
	 * joins the list of connections the table may evict. */
	c->state = C_BODY;
	wait_add(c);
	http_conn_deadline(c, HTTP_ST_TIMEOUT_HEADER,
			   http_srv.cfg.header_timeout_s);
}

/* The body of the current request, as far as it is in v. */
static size_t body_feed(struct http_conn *c, struct view v)
{
	size_t n = v.len < c->body_left ? v.len : (size_t)c->body_left;
	const struct http_route_ent *r = c->req.route;

	c->body_left -= n;
	http_conn_deadline(c, HTTP_ST_TIMEOUT_HEADER,
			   http_srv.cfg.header_timeout_s);
	if (r && r->ops->body && n > 0)
		r->ops->body(&c->req, view_trunc(v, n), r->arg);
	if (c->body_left == 0) {
		wait_del(c);
		if (r)
			http_body_done(c);
		else
			conn_idle(c);
	}
	return n;
}

bool http_hbuf_take(struct http_conn *c)
{
	if (hbuf_nfree == 0) {
		/* Evict the connection whose partial head is oldest. */
		struct http_conn *o = wait_head;
		while (o && !o->hbuf)
			o = o->wnext;
		if (!o || o == c)
			return false;
		conn_evict(o, HTTP_ST_CONN_EVICTED);
	}
	c->hbuf = hbuf_free[--hbuf_nfree];
	c->hlen = 0;
	return true;
}

static void head_done(struct http_conn *c, struct view head)
{
	wait_del(c);
	http_dispatch(c, head);
}

/* Bytes of a head (or of leading blank lines); returns those consumed. */
static size_t head_feed(struct http_conn *c, struct view v)
{
	int r;

	if (!c->head_started) {
		c->head_started = true;
		http_conn_deadline(c, HTTP_ST_TIMEOUT_HEADER,
				   http_srv.cfg.header_timeout_s);
	}
	if (c->hlen == 0) {
		r = http_scan(v, &c->scan);
		if (r > 0) {
			head_done(c, view_trunc(v, (size_t)r));
			return (size_t)r;
		}
		if (r == 0) {
			if (!http_hbuf_take(c) || v.len > HTTP_HEAD_MAX) {
				http_out_error(c, 503, NULL, false, true);
				http_conn_finish(c);
				return v.len;
			}
			memcpy(c->hbuf, v.p, v.len);
			c->hlen = v.len;
			return v.len;
		}
	} else {
		size_t old = c->hlen, n = HTTP_HEAD_MAX - old;
		if (n > v.len)
			n = v.len;
		memcpy(c->hbuf + old, v.p, n);
		c->hlen += n;
		r = http_scan(view_make(c->hbuf, c->hlen), &c->scan);
		if (r > 0) {
			head_done(c, view_make(c->hbuf, (size_t)r));
			if (!c->hold)
				http_hbuf_release(c);
			return (size_t)r - old;
		}
		/* The limits stop a head before it fills the buffer. */
		if (r == 0 && c->hlen < HTTP_HEAD_MAX)
			return n;
		if (r == 0)
			r = -431;
	}
	/* The limits: answer and close (RFC 9112 requires no more reads). */
	http_count(r == -414   ? HTTP_ST_ERR_URI_TOO_LONG
		   : r == -431 ? HTTP_ST_ERR_HEADER_TOO_LARGE
			       : HTTP_ST_ERR_BAD_REQUEST);
	http_out_error(c, (unsigned)-r, NULL, false, true);
	http_conn_finish(c);
	return v.len;
}

static size_t conn_recv(struct tcp_conn *t, struct view data, void *arg)
{
	struct http_conn *c = arg;
	size_t off = 0;

	c->in_cb = true;
	while (off < data.len && !c->dead && !http_blocked(c)) {
		struct view rest = view_make(data.p + off, data.len - off);
		if (c->state == C_HEAD)
			off += head_feed(c, rest);
		else if (c->state == C_BODY)
			off += body_feed(c, rest);
		else
			break;
	}
	http_stats[HTTP_ST_BYTES_IN] += off;
	http_flush(c);
	c->in_cb = false;
	if (c->state == C_CLOSING || c->dead) {
		if (c->state == C_CLOSING && !http_blocked(c) && !c->dead)
			tcp_close(t);
		return data.len;
	}
	c->paused = off < data.len;
	return off;
}

void http_conn_unblocked(struct http_conn *c)
{
	if (c->state == C_CLOSING) {
		http_flush(c);
		if (!http_blocked(c) && !c->dead)
			tcp_close(c->tcp);
		return;
	}
	if (c->state == C_RESP && c->req.stream_wait && c->req.route &&
	    c->req.route->ops->writable) {
		c->req.stream_wait = false;
		c->req.route->ops->writable(&c->req, c->req.route->arg);
	}
	if (c->paused && (c->state == C_HEAD || c->state == C_BODY) &&
	    !http_blocked(c)) {
		c->paused = false;
		tcp_recv_resume(c->tcp);
	}
	if (c->state == C_HEAD && c->peer_eof)
		http_conn_finish(c);
}

static void conn_writable(struct tcp_conn *t, void *arg)
{
	struct http_conn *c = arg;

	c->in_cb = true;
	if (http_out_drain(c) && !c->dead) {
		if (c->state == C_HEAD)
			http_conn_deadline(c, HTTP_ST_TIMEOUT_IDLE,
					   http_srv.cfg.idle_timeout_s);
		http_conn_unblocked(c);
	}
	http_flush(c);
	c->in_cb = false;
}

static void conn_eof(struct tcp_conn *t, void *arg)
{
	struct http_conn *c = arg;

	c->peer_eof = true;
	/* Answer what was asked; then close. A half head is dropped. */
	if ((c->state == C_HEAD && !http_blocked(c)) || c->state == C_BODY)
		http_conn_finish(c);
}

static void conn_closed(struct tcp_conn *t, enum tcp_close_reason why,
			void *arg)
{
	struct http_conn *c = arg;

	if (why == TCP_CLOSED_RESET)
		http_count(HTTP_ST_CONN_RESET);
	conn_release(c);
}

static const struct tcp_callbacks conn_cbs = {
	.recv = conn_recv,
	.eof = conn_eof,
	.writable = conn_writable,
	.closed = conn_closed,
};

void http_conn_accept(struct tcp_listener *l, struct tcp_conn *t, void *arg)
{
	struct http_conn *c;

	if (conn_nfree == 0) {
		/* Full: the connection that has waited longest for a head
		 * makes room (an idle keep-alive or a slow head). */
		if (!wait_head) {
			http_count(HTTP_ST_CONN_EVICTED);
			tcp_abort(t);
			return;
		}
		conn_evict(wait_head, HTTP_ST_CONN_EVICTED);
	}
	c = conn_free[--conn_nfree];
	struct loop_timer tm = c->timer;
	memset(c, 0, sizeof *c);
	c->timer = tm;
	c->tcp = t;
	c->keep = true;
	http_count(HTTP_ST_CONN_ACCEPTED);
	http_stats[HTTP_ST_CONN_ACTIVE]++;
	tcp_set_callbacks(t, &conn_cbs, c);
	c->state = C_HEAD;
	wait_add(c);
	/* The first head is due within the header timeout. */
	http_conn_deadline(c, HTTP_ST_TIMEOUT_HEADER,
			   http_srv.cfg.header_timeout_s);
}
