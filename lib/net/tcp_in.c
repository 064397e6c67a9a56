/*
 * TCP input: RFC 9293 3.10.7 ("SEGMENT ARRIVES") state by state, with the
 * RFC 5961 hardening (challenge ACKs for in-window RSTs, for SYNs on
 * synchronized connections, and the wider ACK acceptability check), and
 * tcp_icmp_error.
 *
 * Payload is not copied: nb is trimmed to the segment's data and queued
 * on the connection (in order: rq; ahead of rcv_nxt: ooo, reassembled
 * in ooo_insert/ooo_drain).
 */
#include <string.h>

#include <kiln/kiln.h>

#include "icmp_wire.h"
#include "tcp_int.h"

struct tcp_conn *tcp_input_conn;

/* Hard bound on buffers per connection; the window keeps honest peers
 * well below it (tcp_rcv_space). */
#define TCP_RCV_NBUFS_HARD (TCP_RCV_NBUFS + 32u)
#define TCP_COALESCE_MAX 512u

static uint32_t seg_len(const struct tcp_hdr *h)
{
	return (uint32_t)h->payload.len + ((h->flags & TCP_FLAG_SYN) ? 1 : 0) +
	       ((h->flags & TCP_FLAG_FIN) ? 1 : 0);
}

/* ---- no connection --------------------------------------------------------- */

/* RFC 9293 3.10.7.1: a reset for a segment nobody wants. */
static void reset_for(const struct tcp_hdr *h, uint32_t lip, uint32_t rip)
{
	if (h->flags & TCP_FLAG_RST)
		return;
	if (h->flags & TCP_FLAG_ACK)
		tcp_send_rst(lip, h->dport, rip, h->sport, h->ack, 0, false);
	else
		tcp_send_rst(lip, h->dport, rip, h->sport, 0,
			     h->seq + seg_len(h), true);
}

static void peer_options(struct tcp_conn *c, const struct tcp_hdr *h)
{
	uint32_t mss = h->opts.has_mss ? h->opts.mss : TCP_DEFAULT_MSS;

	if (mss > c->rcv_mss)
		mss = c->rcv_mss; /* our MTU bounds what we send too */
	if (mss < TCP_MIN_MSS)
		mss = TCP_MIN_MSS;
	c->mss = (uint16_t)mss;
	if (h->opts.has_ws) {
		c->ws_ok = true;
		c->snd_ws = h->opts.ws > 14 ? 14 : h->opts.ws; /* RFC 7323 2.3 */
		c->rcv_ws = TCP_WSCALE;
	} else {
		c->ws_ok = false;
		c->snd_ws = c->rcv_ws = 0;
	}
}

uint16_t tcp_our_mss(void);
uint16_t tcp_our_mss(void)
{
	uint32_t mtu = net.mtu ? net.mtu : 1500;

	return mtu > 40 + TCP_MIN_MSS ? (uint16_t)(mtu - 40) : TCP_DEFAULT_MSS;
}

/* RFC 9293 3.10.7.2: a SYN to a listener. */
static void listen_input(struct tcp_listener *l, const struct tcp_hdr *h,
			 uint32_t lip, uint32_t rip)
{
	if (h->flags & TCP_FLAG_RST)
		return;
	if (h->flags & TCP_FLAG_ACK) {
		reset_for(h, lip, rip);
		return;
	}
	if (!(h->flags & TCP_FLAG_SYN) || (h->flags & TCP_FLAG_FIN)) {
		tcp_stats.drop_syn_bad++;
		return;
	}
	struct tcp_conn *c = tcp_conn_new();
	if (!c)
		return;
	c->lip = lip;
	c->rip = rip;
	c->lport = h->dport;
	c->rport = h->sport;
	c->state = TCP_SYN_RECEIVED;
	c->rcv_mss = tcp_our_mss();
	peer_options(c, h);
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = tcp_isn(lip, c->lport, rip, c->rport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wnd = h->window; /* never scaled in a SYN (RFC 7323 2.2) */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = c->iss;
	/* Time the SYN-ACK: the handshake's ACK is the first RTT sample
	 * (RFC 6298 2.2), instead of running on the 1 s initial RTO until
	 * the first data is acknowledged. */
	c->rtt_timing = true;
	c->rtt_seq = c->iss;
	c->rtt_start = loop_now();
	tcp_cc_init(c);
	tcp_conn_hash(c);
	tcp_backlog_add(l, c);
	/* Data on the SYN is not kept; the peer sends it again. */
	tcp_send_syn(c);
}

/* ---- receiving data ------------------------------------------------------ */

static void rq_append(struct tcp_conn *c, struct netbuf *nb)
{
	struct netbuf *t = c->rq_tail;
	struct mview m;

	c->rq_bytes += nb->len;
	/* Small payloads go into the tail buffer's spare room, so that a
	 * peer sending tiny segments cannot use up our buffer count. */
	if (t && nb->len <= TCP_COALESCE_MAX && t != c->rq_head &&
	    netbuf_put(t, nb->len, &m)) {
		memcpy(m.p, nb->data, nb->len);
		netbuf_free(nb);
		return;
	}
	nb->next = NULL;
	if (t)
		t->next = nb;
	else
		c->rq_head = nb;
	c->rq_tail = nb;
	c->nbufs++;
}

/* In-order bytes: to the appliance's queue, or discarded after close. */
static void accept_in_order(struct tcp_conn *c, struct netbuf *nb)
{
	c->rcv_nxt += nb->len;
	tcp_stats.bytes_in += nb->len;
	if (c->closing || c->finished) {
		netbuf_free(nb);
		return;
	}
	rq_append(c, nb);
}

static void ooo_drain(struct tcp_conn *c)
{
	while (c->ooo && seq_le(c->ooo->user, c->rcv_nxt)) {
		struct netbuf *nb = c->ooo;
		c->ooo = nb->next;
		nb->next = NULL;
		c->ooo_bytes -= nb->len;
		c->nbufs--;
		uint32_t end = nb->user + nb->len;
		if (seq_le(end, c->rcv_nxt)) {
			netbuf_free(nb);
			continue;
		}
		tcp_nb_skip(nb, c->rcv_nxt - nb->user);
		accept_in_order(c, nb);
	}
	if (c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt)
		c->ooo_fin = false; /* the caller sees it through fin_now */
}

/* Insert a segment ahead of rcv_nxt, sorted, overlaps trimmed. */
static void ooo_insert(struct tcp_conn *c, struct netbuf *nb, uint32_t seq)
{
	struct netbuf **pp = &c->ooo, *prev = NULL;

	while (*pp && seq_lt((*pp)->user, seq)) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (prev) {
		uint32_t pend = prev->user + prev->len;
		if (seq_ge(pend, seq + nb->len)) {
			tcp_stats.dup_segs++;
			netbuf_free(nb);
			return;
		}
		if (seq_gt(pend, seq)) {
			tcp_nb_skip(nb, pend - seq);
			seq = pend;
		}
	}
	/* Later segments the new one covers entirely go. */
	while (*pp && seq_le((*pp)->user + (*pp)->len, seq + nb->len)) {
		struct netbuf *dead = *pp;
		*pp = dead->next;
		c->ooo_bytes -= dead->len;
		c->nbufs--;
		netbuf_free(dead);
	}
	if (*pp && seq_gt(seq + nb->len, (*pp)->user))
		netbuf_trim(nb, (*pp)->user - seq);
	if (nb->len == 0) {
		netbuf_free(nb);
		return;
	}
	nb->user = seq;
	nb->next = *pp;
	*pp = nb;
	c->ooo_bytes += nb->len;
	c->nbufs++;
	tcp_stats.ooo_queued++;
}

/*
 * The segment's text (RFC 9293 3.10.7.4 seventh), nb trimmed to the part
 * inside the window. Returns true when the FIN is now in sequence.
 */
static bool rcv_data(struct tcp_conn *c, struct netbuf *nb, uint32_t seq,
		     bool fin)
{
	uint32_t len = nb->len;

	if (fin && !c->ooo_fin && seq_ge(seq + len, c->rcv_nxt)) {
		c->ooo_fin = true;
		c->ooo_fin_seq = seq + len;
	}
	if (len == 0) {
		netbuf_free(nb);
	} else if (c->nbufs >= TCP_RCV_NBUFS_HARD) {
		tcp_stats.drop_rcv_full++;
		netbuf_free(nb);
		c->ack_now = true;
	} else if (seq == c->rcv_nxt) {
		bool hole = c->ooo != NULL;
		accept_in_order(c, nb);
		if (hole) {
			ooo_drain(c);
			c->ack_now = true; /* RFC 5681 4.2: filled a gap */
		} else if (++c->ack_pending >= 2) {
			c->ack_now = true; /* every second segment */
		} else {
			tcp_dack_arm(c); /* RFC 1122 4.2.3.2, RFC 5681 4.2 */
		}
	} else {
		/* Ahead of a hole: keep it and ACK at once, the duplicate
		 * ACKs drive the peer's fast retransmit (RFC 5681 4.2). */
		if (c->closing) {
			netbuf_free(nb);
		} else {
			ooo_insert(c, nb, seq);
		}
		c->ack_now = true;
	}
	if (c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt) {
		c->ooo_fin = false;
		return true;
	}
	return false;
}

/* The peer's FIN is in sequence (RFC 9293 3.10.7.4 eighth). */
static void rcv_fin(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->fin_rcvd = true;
	c->ack_now = true;
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		if (c->fin_sent && c->snd_una == c->fin_seq + 1)
			tcp_enter_timewait(c);
		else
			c->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_timewait(c);
		break;
	default:
		break;
	}
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ---------------------------------------- */

static void syn_sent_input(struct tcp_conn *c, const struct tcp_hdr *h)
{
	bool ack = h->flags & TCP_FLAG_ACK;

	if (ack && (seq_le(h->ack, c->iss) || seq_gt(h->ack, c->snd_max))) {
		reset_for(h, c->lip, c->rip);
		tcp_stats.drop_bad_ack++;
		return;
	}
	if (h->flags & TCP_FLAG_RST) {
		/* Acceptable only when it acknowledges our SYN (RFC 5961 3.2
		 * keeps that rule for SYN-SENT). */
		if (ack) {
			tcp_stats.rst_rcvd++;
			tcp_conn_finish(c, TCP_CLOSED_REFUSED);
		}
		return;
	}
	if (!(h->flags & TCP_FLAG_SYN))
		return;
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	peer_options(c, h);
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	c->snd_wnd = h->window;
	c->max_snd_wnd = c->snd_wnd;
	tcp_cc_init(c);
	if (!ack) {
		/* Simultaneous open (RFC 9293 3.5 figure 8): SYN-ACK back. */
		c->state = TCP_SYN_RECEIVED;
		c->retries = 0;
		tcp_send_syn(c);
		return;
	}
	if (c->retries == 0 && c->rtt_timing)
		tcp_rtt_sample(c, loop_now() - c->rtt_start);
	c->rtt_timing = false;
	c->retries = 0;
	c->snd_una = h->ack;
	c->state = TCP_ESTABLISHED;
	c->progress_ns = loop_now();
	tcp_rtx_stop(c);
	c->ack_now = true;
	tcp_stats.conns_opened++;
	if (c->cbs && c->cbs->connected)
		c->cbs->connected(c, c->arg);
	tcp_life_arm(c);
}

/* ---- synchronized states --------------------------------------------------- */

static void timewait_input(struct tcp_conn *c, const struct tcp_hdr *h)
{
	if (h->flags & TCP_FLAG_RST)
		return; /* RFC 1337: do not let a RST cut TIME-WAIT short */
	if (h->flags & TCP_FLAG_SYN) {
		tcp_send_challenge_ack(c);
		return;
	}
	if ((h->flags & TCP_FLAG_FIN) || h->payload.len > 0) {
		/* A retransmitted FIN: our last ACK was lost. */
		c->close_deadline = loop_now() + TCP_TIMEWAIT_NS;
		tcp_send_ack(c);
	}
}

/* RFC 9293 3.10.7.4 first: is any of the segment inside our window? */
static bool seq_acceptable(const struct tcp_conn *c, uint32_t seq,
			   uint32_t len, uint32_t wnd)
{
	if (len == 0) {
		if (wnd == 0)
			return seq == c->rcv_nxt;
		return seq_ge(seq, c->rcv_nxt) && seq_lt(seq, c->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return (seq_ge(seq, c->rcv_nxt) && seq_lt(seq, c->rcv_nxt + wnd)) ||
	       (seq_ge(seq + len - 1, c->rcv_nxt) &&
		seq_lt(seq + len - 1, c->rcv_nxt + wnd));
}

/* Our SYN is acknowledged on a SYN-RECEIVED connection. */
static void established_from_synrcvd(struct tcp_conn *c,
				     const struct tcp_hdr *h)
{
	if (c->retries == 0 && c->rtt_timing)
		tcp_rtt_sample(c, loop_now() - c->rtt_start);
	c->rtt_timing = false;
	c->retries = 0;
	c->snd_una = c->iss + 1;
	c->state = TCP_ESTABLISHED;
	c->snd_wnd = (uint32_t)h->window << c->snd_ws;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	c->progress_ns = loop_now();
	tcp_rtx_stop(c);
	tcp_stats.conns_opened++;
	if (c->listener) {
		tcp_accept_conn(c);
	} else if (c->cbs && c->cbs->connected) {
		c->cbs->connected(c, c->arg); /* simultaneous open */
	}
	if (!c->finished)
		tcp_life_arm(c);
}

/*
 * The peer's window opens after zero-window probing: the probe byte past
 * the old window was most likely dropped, so send again from SND.UNA now
 * rather than after a backed-off RTO, and forget the probes' backoff (the
 * peer answered them all).
 */
static void window_reopened(struct tcp_conn *c)
{
	if (!seq_gt(c->snd_nxt, c->snd_una))
		return;
	c->snd_nxt = c->snd_una;
	c->rtt_timing = false;
	c->retries = 0;
	tcp_rtx_stop(c);
	tcp_rto_reset(c);
}

/* RFC 9293 3.10.7.4 fifth, with RFC 5961 5.2. False: stop here. */
static bool ack_input(struct tcp_conn *c, const struct tcp_hdr *h)
{
	uint32_t ack = h->ack;

	if (c->state == TCP_SYN_RECEIVED) {
		if (seq_le(ack, c->snd_una) || seq_gt(ack, c->snd_max)) {
			reset_for(h, c->lip, c->rip);
			return false;
		}
		established_from_synrcvd(c, h);
		if (c->finished)
			return false;
	}
	if (seq_gt(ack, c->snd_max)) {
		/* Acknowledges something not yet sent. */
		tcp_stats.drop_bad_ack++;
		c->ack_now = true;
		return false;
	}
	if (seq_lt(ack, c->snd_una - c->max_snd_wnd)) {
		/* RFC 5961 5.2: too old to be a real duplicate. */
		tcp_stats.drop_bad_ack++;
		tcp_send_challenge_ack(c);
		return false;
	}
	uint32_t wnd = (uint32_t)h->window << c->snd_ws;
	if (seq_gt(ack, c->snd_una)) {
		uint32_t acked = ack - c->snd_una;
		uint32_t data = acked < c->queued ? acked : c->queued;
		if (c->rtt_timing && seq_gt(ack, c->rtt_seq)) {
			tcp_rtt_sample(c, loop_now() - c->rtt_start);
			c->rtt_timing = false;
		}
		c->snd_una = ack;
		tcp_sndq_pop(c, data);
		if (seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->retries = 0;
		c->progress_ns = loop_now();
		if (c->close_deadline)
			c->close_deadline = loop_now() + TCP_CLOSE_TIMEOUT_NS;
		tcp_cc_ack(c, acked);
		tcp_rtx_restart(c);
		if (data > 0)
			tcp_notify_writable(c);
		if (c->finished)
			return false;
	} else if (ack == c->snd_una && h->payload.len == 0 &&
		   !(h->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)) &&
		   wnd == c->snd_wnd && wnd != 0 && c->snd_max != c->snd_una) {
		/* RFC 5681 2: a duplicate ACK. Not with a zero window: those
		 * are the answers to our window probes. */
		tcp_cc_dupack(c);
	}
	/* Window update (RFC 9293 3.10.7.4: SND.WL1/WL2 order them). */
	if (seq_ge(ack, c->snd_una) &&
	    (seq_lt(c->snd_wl1, h->seq) ||
	     (c->snd_wl1 == h->seq && seq_le(c->snd_wl2, ack)))) {
		if (c->snd_wnd == 0 && wnd != 0)
			window_reopened(c);
		c->snd_wnd = wnd;
		c->snd_wl1 = h->seq;
		c->snd_wl2 = ack;
		if (wnd > c->max_snd_wnd)
			c->max_snd_wnd = wnd;
		if (wnd == 0) {
			/* The peer answers our probes: keep probing. */
			c->retries = 0;
			c->progress_ns = loop_now();
		}
	}
	bool fin_acked = c->fin_sent && seq_gt(ack, c->fin_seq);
	switch (c->state) {
	case TCP_FIN_WAIT_1:
		if (fin_acked) {
			c->state = TCP_FIN_WAIT_2;
			tcp_rtx_stop(c);
		}
		break;
	case TCP_CLOSING:
		if (fin_acked) {
			tcp_enter_timewait(c);
			return false;
		}
		break;
	case TCP_LAST_ACK:
		if (fin_acked) {
			c->state = TCP_CLOSED;
			tcp_timers_cancel(c);
			tcp_maybe_done(c);
			return false;
		}
		break;
	default:
		break;
	}
	return true;
}

/*
 * Simultaneous open (RFC 9293 3.5 figure 8): in SYN-RECEIVED after our
 * SYN crossed the peer's, the peer's SYN-ACK (its SYN, already taken, at
 * IRS; acknowledging ours) completes the handshake. The strict sequence
 * check would drop it as old and cost the peer a round trip; Linux takes
 * it too.
 */
static void simultaneous_synack(struct tcp_conn *c, const struct tcp_hdr *h)
{
	struct tcp_hdr a = *h;

	a.flags &= (uint16_t)~TCP_FLAG_SYN;
	a.seq = c->irs + 1;
	a.payload.len = 0;
	if (!ack_input(c, &a) || c->state != TCP_ESTABLISHED)
		return;
	c->snd_wnd = h->window; /* a SYN's window is never scaled */
	c->max_snd_wnd = c->snd_wnd;
}

static void conn_input(struct tcp_conn *c, const struct tcp_hdr *h,
		       struct netbuf *nb)
{
	uint32_t seq = h->seq;
	uint32_t len = seg_len(h);
	uint32_t wnd = seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt
						      : 0;
	bool fin = h->flags & TCP_FLAG_FIN;

	c->last_rcv_ns = loop_now();
	c->ka_probes = 0;
	if (c->state == TCP_TIME_WAIT) {
		timewait_input(c, h);
		netbuf_free(nb);
		return;
	}
	/* A retransmitted SYN for a SYN-RECEIVED connection: answer again. */
	if (c->state == TCP_SYN_RECEIVED && (h->flags & TCP_FLAG_SYN) &&
	    !(h->flags & (TCP_FLAG_ACK | TCP_FLAG_RST)) && seq == c->irs) {
		tcp_send_syn(c);
		netbuf_free(nb);
		return;
	}
	if (c->state == TCP_SYN_RECEIVED && !c->listener &&
	    (h->flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
		    (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
	    seq == c->irs && h->ack == c->iss + 1) {
		simultaneous_synack(c, h);
		netbuf_free(nb);
		return;
	}
	/* RST (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	if (h->flags & TCP_FLAG_RST) {
		netbuf_free(nb);
		if (seq == c->rcv_nxt) {
			tcp_stats.rst_rcvd++;
			tcp_conn_finish(c, c->state == TCP_LAST_ACK
						   ? TCP_CLOSED_NORMAL
						   : TCP_CLOSED_RESET);
		} else if (seq_acceptable(c, seq, 0, wnd ? wnd : 1)) {
			tcp_send_challenge_ack(c);
		} else {
			tcp_stats.rst_ignored++;
		}
		return;
	}
	if (!seq_acceptable(c, seq, len, wnd)) {
		/* Old duplicates and out-of-window data: ACK, drop. */
		tcp_stats.drop_out_of_window++;
		netbuf_free(nb);
		c->ack_now = true;
		return;
	}
	/* RFC 5961 4.2: a SYN in a synchronized state, in window or not. */
	if (h->flags & TCP_FLAG_SYN) {
		netbuf_free(nb);
		tcp_send_challenge_ack(c);
		return;
	}
	if (!(h->flags & TCP_FLAG_ACK)) {
		tcp_stats.drop_bad_ack++;
		netbuf_free(nb);
		return;
	}
	if (!ack_input(c, h)) {
		netbuf_free(nb);
		return;
	}
	/* Text and FIN are taken in ESTABLISHED and FIN-WAIT only. */
	if (c->state != TCP_ESTABLISHED && c->state != TCP_FIN_WAIT_1 &&
	    c->state != TCP_FIN_WAIT_2) {
		netbuf_free(nb);
		return;
	}
	/* Trim to the window: the front already received, the tail past
	 * the right edge (the FIN goes with the tail). */
	if (seq_lt(seq, c->rcv_nxt)) {
		uint32_t d = c->rcv_nxt - seq;
		if (d > nb->len)
			d = nb->len;
		tcp_nb_skip(nb, d);
		seq += d;
		tcp_stats.dup_segs++;
		c->ack_now = true;
	}
	if (seq_gt(seq + nb->len, c->rcv_nxt + wnd)) {
		netbuf_trim(nb, c->rcv_nxt + wnd - seq);
		fin = false;
		c->ack_now = true;
	}
	if (rcv_data(c, nb, seq, fin))
		rcv_fin(c);
}

/* ---- entry points --------------------------------------------------------- */

static bool bad_addr(uint32_t a)
{
	return a == 0 || a >= NET_IP4(224, 0, 0, 0) ||
	       (net.ip.mask && net.ip.mask != 0xffffffffu &&
		(a | net.ip.mask) == 0xffffffffu);
}

void tcp_input(struct netbuf *nb, const struct ipv4_hdr *ip)
{
	struct tcp_hdr h;
	enum net_drop why = tcp_parse(netbuf_view(nb), ip->src, ip->dst, &h);

	if (why != NET_DROP_NONE) {
		net_drop(why, nb);
		return;
	}
	net.tcp_in++;
	tcp_stats.segs_in++;
	if (bad_addr(ip->src) || bad_addr(ip->dst)) {
		/* RFC 9293 3.10.7.2: no connections with broadcast or
		 * multicast addresses. */
		tcp_stats.drop_bad_addr++;
		netbuf_free(nb);
		return;
	}
	/* nb becomes the payload alone. */
	tcp_nb_skip(nb, (size_t)(h.payload.p - nb->data));
	netbuf_trim(nb, h.payload.len);

	struct tcp_conn *c = tcp_conn_lookup(ip->dst, h.dport, ip->src, h.sport);
	if (c && c->state == TCP_TIME_WAIT && (h.flags & TCP_FLAG_SYN) &&
	    !(h.flags & (TCP_FLAG_ACK | TCP_FLAG_RST)) &&
	    seq_gt(h.seq, c->rcv_nxt) && c->app_gone &&
	    tcp_listener_find(ip->dst, h.dport)) {
		/* RFC 9293 3.10.7.4 note / RFC 6191: a new incarnation may
		 * reuse a TIME-WAIT tuple when its SYN is above it. */
		c->close_deadline = 0;
		c = tcp_conn_lookup(ip->dst, h.dport, ip->src, h.sport);
	}
	if (!c) {
		struct tcp_listener *l = tcp_listener_find(ip->dst, h.dport);
		if (l) {
			listen_input(l, &h, ip->dst, ip->src);
		} else {
			tcp_stats.drop_no_conn++;
			reset_for(&h, ip->dst, ip->src);
		}
		netbuf_free(nb);
		return;
	}
	if (c->finished && c->state != TCP_TIME_WAIT) {
		netbuf_free(nb);
		return;
	}
	tcp_input_conn = c;
	if (c->state == TCP_SYN_SENT) {
		syn_sent_input(c, &h);
		netbuf_free(nb);
	} else {
		conn_input(c, &h, nb);
	}
	tcp_input_conn = NULL;
	if (c->finished) {
		/* The ACK of the FIN that completed the close. */
		if (c->ack_now && c->state == TCP_TIME_WAIT)
			tcp_send_ack(c);
		return;
	}
	tcp_deliver(c);
	if (!c->finished)
		tcp_output(c);
}

/*
 * ICMP errors about our segments (RFC 1122 4.2.3.9, RFC 5927): only when
 * the quoted sequence number is one in flight, so that forged errors
 * cannot reset or slow a connection blindly.
 */
void tcp_icmp_error(const struct ipv4_hdr *quoted, struct view l4,
		    uint8_t type, uint8_t code, uint16_t mtu)
{
	uint16_t sport, dport;
	uint32_t seq;

	tcp_stats.icmp_in++;
	if (!view_be16(l4, 0, &sport) || !view_be16(l4, 2, &dport) ||
	    !view_be32(l4, 4, &seq)) {
		tcp_stats.icmp_ignored++;
		return;
	}
	struct tcp_conn *c = tcp_conn_lookup(quoted->src, sport, quoted->dst,
					     dport);
	if (!c || c->finished || c->state == TCP_TIME_WAIT ||
	    seq_lt(seq, c->snd_una) || seq_ge(seq, c->snd_max)) {
		tcp_stats.icmp_ignored++;
		return;
	}
	if (type != ICMP_DEST_UNREACH) {
		tcp_stats.icmp_ignored++; /* soft errors */
		return;
	}
	if (code == ICMP_UNREACH_FRAG_NEEDED) {
		/* RFC 1191: lower the MSS to the next hop's MTU and resend
		 * what was in flight in smaller pieces. */
		if (mtu < 68 || mtu - 40u >= c->mss) {
			tcp_stats.icmp_ignored++;
			return;
		}
		uint32_t mss = mtu - 40u;
		c->mss = (uint16_t)(mss < TCP_MIN_MSS ? TCP_MIN_MSS : mss);
		tcp_stats.pmtu_lowered++;
		if (c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED) {
			c->snd_nxt = c->snd_una;
			c->rtt_timing = false;
			tcp_output(c);
		}
		return;
	}
	if (c->state == TCP_SYN_SENT) {
		tcp_conn_finish(c, TCP_CLOSED_UNREACH);
		return;
	}
	tcp_stats.icmp_ignored++; /* soft in synchronized states (RFC 5461) */
}
