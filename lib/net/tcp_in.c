/*
 * TCP input: RFC 9293 3.10.7 ("SEGMENT ARRIVES") for the synchronized
 * states, with the RFC 5961 hardening (challenge ACKs for in-window RSTs,
 * for SYNs on synchronized connections, and the wider ACK acceptability
 * check); the dispatch of every segment (tcp_input); tcp_icmp_error.
 * The handshake states are tcp_hs.c's; the payload goes to tcp_reasm.c.
 */
#include <kiln/kiln.h>

#include "icmp_wire.h"
#include "tcp_int.h"

struct tcp_conn *tcp_input_conn;

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

/* ---- synchronized states ---------------------------------------------------
 */

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
static bool seq_acceptable(const struct tcp_conn *c, uint32_t seq, uint32_t len,
			   uint32_t wnd)
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

/*
 * A RST at RCV.NXT - 1 after the peer's FIN: Linux answers a segment
 * that reaches a socket it has closed with RST, SEQ = that segment's ACK,
 * which is our RCV.NXT less the FIN we consumed. Linux accepts these too
 * (tcp_reset_check: CLOSE-WAIT, LAST-ACK, CLOSING). Ignoring them kept a
 * stream going to a closed client until an RTO. The exact value is as
 * hard to guess blindly as RCV.NXT itself (RFC 5961 3.2). TIME-WAIT keeps
 * RFC 1337 (timewait_input); nothing is sent from it anyway.
 */
static bool rst_after_fin(const struct tcp_conn *c, uint32_t seq)
{
	return c->fin_rcvd && seq == c->rcv_nxt - 1 &&
	       (c->state == TCP_CLOSE_WAIT || c->state == TCP_LAST_ACK ||
		c->state == TCP_CLOSING);
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
			tcp_reset_for(h, c->lip, c->rip);
			return false;
		}
		tcp_established_from_synrcvd(c, h);
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
	bool dsack = false;
	if (seq_gt(ack, c->snd_una)) {
		uint32_t acked = ack - c->snd_una;
		uint32_t data = acked < c->queued ? acked : c->queued;
		uint32_t sacked = 0;
		if (c->rtt_timing && seq_gt(ack, c->rtt_seq) && !c->sack_ok) {
			tcp_rtt_sample(c, loop_now() - c->rtt_start);
			c->rtt_timing = false;
		}
		c->snd_una = ack;
		tcp_sndq_pop(c, data);
		if (c->sack_ok)
			sacked = tcp_sack_update(c, &h->opts, &dsack);
		if (seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		c->retries = 0;
		c->progress_ns = loop_now();
		if (c->close_deadline)
			c->close_deadline = loop_now() + TCP_CLOSE_TIMEOUT_NS;
		tcp_cc_ack(c, acked);
		tcp_rtx_restart(c);
		if (c->sack_ok) {
			tcp_cc_sack(c, acked + sacked, tcp_rack_detect(c));
			tcp_tlp_ack(c, dsack);
			tcp_tlp_arm(c, true);
		}
		if (data > 0)
			tcp_notify_writable(c);
		if (c->finished)
			return false;
	} else if (ack == c->snd_una && c->snd_max != c->snd_una) {
		/* RFC 5681 2: a duplicate ACK (no data, no SYN or FIN, the
		 * same window), or with SACK one reporting new SACKed bytes
		 * (RFC 6675 2), data or not. Not with a zero window: those
		 * are the answers to our window probes. */
		uint32_t sacked =
			c->sack_ok ? tcp_sack_update(c, &h->opts, &dsack) : 0;
		if (wnd != 0 && (sacked > 0 ||
				 (h->payload.len == 0 && wnd == c->snd_wnd &&
				  !(h->flags & (TCP_FLAG_SYN | TCP_FLAG_FIN)))))
			tcp_cc_dupack(c);
		if (c->sack_ok)
			tcp_cc_sack(c, sacked,
				    tcp_rack_detect(c) || tcp_sb_lost_bytes(c));
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
	uint32_t len = tcp_seg_len(h);
	uint32_t wnd =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
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
		if (seq == c->rcv_nxt || rst_after_fin(c, seq)) {
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
	/* RFC 9293 3.10.7.4: with RCV.WND zero no segment with text is
	 * acceptable, "but special allowance should be made to accept valid
	 * ACKs". One at RCV.NXT goes on for its ACK (and, as on Linux, a bare
	 * FIN); the text is trimmed off below and the segment ACKed. Dropping
	 * it whole hid from us that the peer had acknowledged our data while
	 * our receiver was paused: RTOs backed off to 49 s. */
	bool zwin = wnd == 0 && seq == c->rcv_nxt && len > 0;
	if (!zwin && !seq_acceptable(c, seq, len, wnd)) {
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
		if (wnd == 0)
			tcp_stats.drop_out_of_window++;
		netbuf_trim(nb, c->rcv_nxt + wnd - seq);
		fin = false;
		c->ack_now = true;
	}
	if (tcp_rcv_data(c, nb, seq, fin))
		rcv_fin(c);
}

/* ---- entry points ---------------------------------------------------------
 */

static bool bad_addr(uint32_t a)
{
	return a == 0 || a >= NET_IP4(224, 0, 0, 0) ||
	       (net.ip.mask && net.ip.mask != 0xffffffffu &&
		(a | net.ip.mask) == 0xffffffffu);
}

void tcp_input(struct netbuf *nb, const struct ipv4_hdr *ip)
{
	struct tcp_hdr h;
	enum net_drop why = tcp_parse_rx(netbuf_view(nb), ip->src, ip->dst,
					 nb->csum_ok, &h);

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

	struct tcp_conn *c =
		tcp_conn_lookup(ip->dst, h.dport, ip->src, h.sport);
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
			tcp_listen_input(l, &h, ip->dst, ip->src);
		} else {
			tcp_stats.drop_no_conn++;
			tcp_reset_for(&h, ip->dst, ip->src);
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
		tcp_syn_sent_input(c, &h);
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
void tcp_icmp_error(const struct ipv4_hdr *quoted, struct view l4, uint8_t type,
		    uint8_t code, uint16_t mtu)
{
	uint16_t sport, dport;
	uint32_t seq;

	tcp_stats.icmp_in++;
	if (!view_be16(l4, 0, &sport) || !view_be16(l4, 2, &dport) ||
	    !view_be32(l4, 4, &seq)) {
		tcp_stats.icmp_ignored++;
		return;
	}
	struct tcp_conn *c =
		tcp_conn_lookup(quoted->src, sport, quoted->dst, dport);
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
