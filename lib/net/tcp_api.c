/*
 * include/kiln/tcp.h on Kiln's own stack: connecting, the send queue
 * (copies and static references), delivery of received bytes with
 * back-pressure, closing. Listening is in tcp_conn.c.
 */
#include <errno.h>
#include <string.h>

#include <kiln/log.h>
#include <kiln/tcp.h>

#include "tcp_int.h"

static void resume_run(struct loop_defer *d, void *arg);

/* ---- opening ---------------------------------------------------------- */

int tcp_connect(struct tcp_conn **out, const struct net_addr *remote,
		const struct tcp_callbacks *cbs, void *arg)
{
	*out = NULL;
	if (!remote || remote->ip == 0 || remote->port == 0 || !cbs ||
	    !cbs->recv || !cbs->closed)
		return -EINVAL;
	uint32_t lip = ipv4_src_for(remote->ip);
	if (lip == 0)
		return -ENETUNREACH;
	uint16_t lport = tcp_ephemeral_port(lip, remote->ip, remote->port);
	if (lport == 0)
		return -ENOSPC;
	struct tcp_conn *c = tcp_conn_new();
	if (!c)
		return -ENOSPC;
	c->lip = lip;
	c->lport = lport;
	c->rip = remote->ip;
	c->rport = remote->port;
	c->cbs = cbs;
	c->arg = arg;
	c->accepted = true;
	loop_ref();
	loop_defer_init(&c->resume_d, resume_run, c);
	c->rcv_mss = tcp_our_mss();
	c->mss = TCP_DEFAULT_MSS;
	c->state = TCP_SYN_SENT;
	c->iss = tcp_isn(lip, lport, c->rip, c->rport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->rtt_timing = true;
	c->rtt_seq = c->iss;
	c->rtt_start = loop_now();
	tcp_conn_hash(c);
	tcp_send_syn(c);
	*out = c;
	return 0;
}

void tcp_accept_conn(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;

	tcp_backlog_remove(c);
	c->accepted = true;
	loop_ref();
	loop_defer_init(&c->resume_d, resume_run, c);
	tcp_stats.conns_accepted++;
	l->accept(l, c, l->arg);
	if (c->finished)
		return;
	if (!c->cbs || !c->cbs->recv || !c->cbs->closed) {
		log_warn("tcp: accept callback set no callbacks; aborting");
		c->cbs = NULL;
		tcp_abort(c);
	}
}

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cbs,
		       void *arg)
{
	c->cbs = cbs;
	c->arg = arg;
}

/* ---- sending ------------------------------------------------------------ */

static bool can_queue(const struct tcp_conn *c)
{
	return !c->finished && !c->shut_req && c->state != TCP_CLOSED &&
	       c->state != TCP_TIME_WAIT;
}

static ssize_t send_refused(const struct tcp_conn *c)
{
	return c->finished || c->state == TCP_CLOSED ? -ENOTCONN : -EPIPE;
}

/* A piece at the tail of the queue to put n more bytes in (p NULL: the
 * copy ring); NULL when the piece table is full. */
static struct tcp_sseg *tail_piece(struct tcp_conn *c, const uint8_t *p)
{
	if (c->nsegs > 0) {
		struct tcp_sseg *t =
			&c->segs[(c->seg_head + c->nsegs - 1) % TCP_SND_SEGS];
		if (!p && !t->p)
			return t;
		if (p && t->p && t->p + t->len == p)
			return t;
	}
	if (c->nsegs >= TCP_SND_SEGS)
		return NULL;
	struct tcp_sseg *s = &c->segs[(c->seg_head + c->nsegs) % TCP_SND_SEGS];
	s->p = p;
	s->len = 0;
	c->nsegs++;
	return s;
}

static void after_queue(struct tcp_conn *c, size_t took, size_t asked)
{
	if (took < asked)
		c->want_writable = true;
	if (took > 0 && tcp_input_conn != c)
		tcp_output(c);
}

/* Room in the chunks the connection holds past its last copied byte. */
static uint32_t ring_tailroom(const struct tcp_conn *c)
{
	return (uint32_t)c->nchunks * TCP_CHUNK - c->ring_head - c->ring_len;
}

/* Copied bytes the connection may still queue: its own bound, and what
 * its chunks and the send pool's free ones hold. */
static uint32_t ring_room(const struct tcp_conn *c)
{
	uint32_t own = tcp_pools.snd_max - c->ring_len;
	uint64_t can =
		ring_tailroom(c) + (uint64_t)tcp_chunks_free() * TCP_CHUNK;

	return can < own ? (uint32_t)can : own;
}

/* Append n bytes (ring_room said they fit) to the chunk ring. */
static void ring_append(struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	while (n > 0) {
		uint32_t b = c->ring_head + c->ring_len;
		if (b / TCP_CHUNK == c->nchunks) {
			unsigned k = tcp_chunk_get();
			if (k == TCP_CHUNK_NONE)
				kiln_panic("tcp: send pool emptied under a "
					   "send");
			c->chunk[(c->chunk_first + c->nchunks) %
				 TCP_SND_CHUNKS_MAX] = (uint16_t)k;
			c->nchunks++;
		}
		unsigned slot =
			(c->chunk_first + b / TCP_CHUNK) % TCP_SND_CHUNKS_MAX;
		uint32_t run = TCP_CHUNK - b % TCP_CHUNK;
		if (run > n)
			run = n;
		memcpy(tcp_chunk_mem(c->chunk[slot]) + b % TCP_CHUNK, p, run);
		c->ring_len += run;
		p += run;
		n -= run;
	}
}

ssize_t tcp_send(struct tcp_conn *c, const void *data, size_t len)
{
	if (!can_queue(c))
		return send_refused(c);
	size_t n = ring_room(c);
	if (n < len && n < tcp_pools.snd_max - c->ring_len) {
		/* Short because the shared pool is dry, not because of this
		 * connection's own bound: wait for chunks to come back. */
		tcp_stats.snd_pool_empty++;
		tcp_chunk_wait(c);
	}
	if (n > len)
		n = len;
	if (n == 0) {
		after_queue(c, 0, len);
		return 0;
	}
	struct tcp_sseg *s = tail_piece(c, NULL);
	if (!s) {
		after_queue(c, 0, len);
		return 0;
	}
	ring_append(c, data, (uint32_t)n);
	s->len += (uint32_t)n;
	c->queued += (uint32_t)n;
	after_queue(c, n, len);
	return (ssize_t)n;
}

ssize_t tcp_send_static(struct tcp_conn *c, const void *data, size_t len)
{
	if (!can_queue(c))
		return send_refused(c);
	if (len == 0)
		return 0;
	/* Keep the sequence arithmetic far from wrapping. */
	size_t n = len;
	if (n > (1u << 30) - c->queued)
		n = (1u << 30) - c->queued;
	struct tcp_sseg *s = n ? tail_piece(c, data) : NULL;
	if (!s) {
		after_queue(c, 0, len);
		return 0;
	}
	if (s->len == 0)
		s->p = data;
	s->len += (uint32_t)n;
	c->queued += (uint32_t)n;
	after_queue(c, n, len);
	return (ssize_t)n;
}

size_t tcp_send_room(const struct tcp_conn *c)
{
	if (!can_queue(c))
		return 0;
	if (c->nsegs >= TCP_SND_SEGS) {
		const struct tcp_sseg *t =
			&c->segs[(c->seg_head + c->nsegs - 1) % TCP_SND_SEGS];
		if (t->p)
			return 0;
	}
	return ring_room(c);
}

void tcp_notify_writable(struct tcp_conn *c)
{
	/* Wait for a useful amount of room, not one segment's worth. */
	if (!c->want_writable || c->finished || c->shut_req)
		return;
	size_t room = tcp_send_room(c);
	if (room < tcp_pools.snd_max / 4 && c->queued > 0)
		return;
	c->want_writable = false;
	if (c->cbs && c->cbs->writable)
		c->cbs->writable(c, c->arg);
}

/* ---- receiving ------------------------------------------------------------
 */

static void rq_discard(struct tcp_conn *c)
{
	netbuf_free_chain(c->rq_head);
	c->rq_head = c->rq_tail = NULL;
	c->rq_bytes = 0;
	c->nbufs = 0;
	for (struct netbuf *nb = c->ooo; nb; nb = nb->next)
		c->nbufs++;
}

void tcp_deliver(struct tcp_conn *c)
{
	if (c->in_recv || c->finished)
		return;
	while (c->rq_head && !c->paused && !c->closing && !c->finished) {
		struct netbuf *nb = c->rq_head;
		c->in_recv = true;
		size_t used = c->cbs->recv(c, netbuf_view(nb), c->arg);
		c->in_recv = false;
		if (c->finished || c->closing)
			break;
		if (used > nb->len) {
			log_warn("tcp: recv consumed %zu of %u bytes", used,
				 (unsigned)nb->len);
			used = nb->len;
		}
		c->rq_bytes -= (uint32_t)used;
		if (used < nb->len) {
			tcp_nb_skip(nb, used);
			c->paused = true;
			break;
		}
		c->rq_head = nb->next;
		if (!c->rq_head)
			c->rq_tail = NULL;
		c->nbufs--;
		netbuf_free(nb);
	}
	if (c->finished)
		return;
	if (c->closing && c->rq_head)
		rq_discard(c);
	if (c->fin_rcvd && !c->rq_head && !c->eof_told && !c->closing) {
		c->eof_told = true;
		if (c->cbs->eof)
			c->cbs->eof(c, c->arg);
		else
			tcp_close(c);
	}
	if (!c->finished)
		tcp_maybe_done(c);
}

static void resume_run(struct loop_defer *d, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->finished || c->closing)
		return;
	c->paused = false;
	tcp_deliver(c);
	if (!c->finished)
		tcp_window_update(c);
}

void tcp_recv_resume(struct tcp_conn *c)
{
	/* Through the loop: the caller may be inside recv itself. */
	if (!c->finished && !c->closing)
		loop_defer(&c->resume_d);
}

/* ---- closing ----------------------------------------------------------------
 */

void tcp_shutdown(struct tcp_conn *c)
{
	if (c->finished || c->shut_req)
		return;
	if (c->state == TCP_SYN_SENT) {
		/* RFC 9293 3.10.4: CLOSE in SYN-SENT deletes the TCB. */
		c->shut_req = true;
		tcp_conn_finish(c, TCP_CLOSED_NORMAL);
		return;
	}
	c->shut_req = true;
	if (tcp_input_conn != c)
		tcp_output(c);
}

void tcp_close(struct tcp_conn *c)
{
	if (c->finished || c->closing)
		return;
	c->closing = true;
	c->paused = false;
	loop_defer_cancel(&c->resume_d);
	if (!c->in_recv)
		rq_discard(c);
	c->close_deadline = loop_now() + TCP_CLOSE_TIMEOUT_NS;
	tcp_life_arm(c);
	tcp_shutdown(c);
	if (!c->finished)
		tcp_maybe_done(c);
}

void tcp_abort(struct tcp_conn *c)
{
	if (c->finished)
		return;
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		/* RFC 9293 3.10.5: <SEQ=SND.NXT><CTL=RST> */
		tcp_send_rst(c->lip, c->lport, c->rip, c->rport, c->snd_nxt, 0,
			     false);
		break;
	default:
		break;
	}
	tcp_conn_finish(c, TCP_CLOSED_ABORTED);
}

/* ---- options and addresses ------------------------------------------------
 */

void tcp_set_nodelay(struct tcp_conn *c, bool on)
{
	c->nodelay = on;
	if (on && !c->finished && tcp_input_conn != c)
		tcp_output(c);
}

void tcp_set_keepalive(struct tcp_conn *c, unsigned idle_s)
{
	c->ka_idle_ns = (uint64_t)idle_s * TCP_S;
	c->ka_probes = 0;
	tcp_life_arm(c);
}

void tcp_local_addr(const struct tcp_conn *c, struct net_addr *out)
{
	out->ip = c->lip;
	out->port = c->lport;
}

void tcp_remote_addr(const struct tcp_conn *c, struct net_addr *out)
{
	out->ip = c->rip;
	out->port = c->rport;
}
