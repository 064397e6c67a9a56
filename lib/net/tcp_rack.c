/*
 * Loss detection by time (RACK, RFC 8985 6) and the tail loss probe (TLP,
 * RFC 8985 7), for connections with SACK, over the scoreboard of
 * tcp_sack.c.
 *
 * Why: with three duplicate ACKs and NewReno, and a flight bounded by
 * TCP_SND_BUF (45 segments), a 10%-loss link ended most losses in a
 * retransmission timeout: a lost retransmission, or a loss near the end
 * of the flight, draws no further duplicate ACKs. RACK deems a segment
 * lost once one sent after it has been delivered and the first has had
 * that one's RTT plus a reordering window to arrive; a retransmission is
 * just a segment sent later, so its own loss is detected the same way.
 * The probe, 2 SRTT after the last ACK (at least TCP_PTO_MIN), sends one
 * segment (new data, else the last one) so that a lost tail draws SACKs.
 *
 * Departures, each for the bounded send buffer: the probe is also sent in
 * recovery (RFC 8985 7.2 allows it only outside it), since there a lost
 * retransmission followed by nothing else could otherwise only time out;
 * min_rtt is the minimum over the connection's life, not a windowed one.
 *
 * Also the RTT samples for RFC 6298 on SACK connections: from every ACK
 * that delivers a run sent once (Karn), which also ends the RTO's backoff.
 */
#include "tcp_int.h"

/* Floor of the probe timeout: Linux's (10 ms); below it the timer would
 * race the peer's ACK on a busy machine. */
#define TCP_PTO_MIN (10 * TCP_MS)
/* The peer's worst-case delayed ACK when one segment is in flight
 * (RFC 8985 7.2 WCDelAckT). */
#define TCP_WCDELACK (200 * TCP_MS)
/* Floor of the reordering window once it is not zero, microseconds: the
 * loop's timers and a tap's scheduling are no finer. */
#define TCP_REO_MIN_US 1000u

static void rack_fire(struct loop_timer *t, void *arg);

/* The ACK being read: its oldest run sent once, for the RTT sample, and
 * whether it delivered a retransmitted one (then there is none). */
static uint32_t ack_rtt;
static bool ack_sample, ack_rtx;

void tcp_rack_init(struct tcp_conn *c)
{
	loop_timer_init(&c->rack_t, rack_fire, c);
}

void tcp_rack_cancel(struct tcp_conn *c)
{
	loop_timer_cancel(&c->rack_t);
	c->rack_t_probe = false;
}

/* t1/e1 sent after t2/e2 (RFC 8985 RACK_sent_after). */
static bool sent_after(uint32_t t1, uint32_t e1, uint32_t t2, uint32_t e2)
{
	return (int32_t)(t1 - t2) > 0 || (t1 == t2 && seq_gt(e1, e2));
}

void tcp_rack_delivered(struct tcp_conn *c, uint32_t end, uint32_t xmit,
			bool rtx)
{
	uint32_t rtt = tcp_now_us() - xmit;

	if ((int32_t)rtt < 0)
		rtt = 0; /* stamped a little ahead (tcp_sb_sent) */

	if (rtx) {
		ack_rtx = true;
		/* RFC 8985 6.2 step 2: delivered sooner than any RTT, so it
		 * is the original that arrived, not this retransmission. */
		if (c->min_rtt && rtt < c->min_rtt)
			return;
	} else {
		if (c->min_rtt == 0 || rtt < c->min_rtt)
			c->min_rtt = rtt ? rtt : 1; /* 0: none yet */
		if (!ack_sample || rtt > ack_rtt)
			ack_rtt = rtt;
		ack_sample = true;
		/* Sent once and delivered below what was delivered before:
		 * the network reordered (RFC 8985 6.2 step 3). */
		if (c->rack_valid && seq_lt(end, c->rack_fack))
			c->reordering = true;
	}
	if (!c->rack_valid || seq_gt(end, c->rack_fack))
		c->rack_fack = end;
	if (!c->rack_valid ||
	    sent_after(xmit, end, c->rack_xmit, c->rack_end)) {
		c->rack_xmit = xmit;
		c->rack_end = end;
		c->rack_rtt = rtt;
		c->rack_valid = true;
	}
}

void tcp_rack_ack_done(struct tcp_conn *c)
{
	if (ack_sample && !ack_rtx)
		tcp_rtt_sample(c, (uint64_t)ack_rtt * 1000);
	ack_sample = ack_rtx = false;
}

/* RFC 8985 6.2 step 4: none while nothing was seen reordered and either
 * recovery is on or DupThresh segments are SACKed; else min_rtt / 4, at
 * most SRTT, at least TCP_REO_MIN_US. */
static uint32_t reo_wnd(const struct tcp_conn *c)
{
	if (!c->reordering &&
	    (c->in_recovery || seq_lt(c->snd_una, c->recover) ||
	     tcp_sack_bytes(c) >= 3u * c->mss))
		return 0;
	uint32_t w = c->min_rtt / 4;
	if (c->srtt_us && w > c->srtt_us)
		w = c->srtt_us;
	return w < TCP_REO_MIN_US ? TCP_REO_MIN_US : w;
}

bool tcp_rack_detect(struct tcp_conn *c)
{
	if (!c->sack_ok || !c->rack_valid)
		return false;
	uint32_t now = tcp_now_us(), reo = reo_wnd(c), wait = 0;
	bool lost = false;

	for (unsigned i = 0; i < c->nsb; i++) {
		const struct tcp_sbe *e = &c->sb[i];
		if (e->flags & (TCP_SBE_SACKED | TCP_SBE_LOST))
			continue;
		if (!sent_after(c->rack_xmit, c->rack_end, e->xmit, e->right))
			continue;
		int32_t left = (int32_t)(e->xmit + c->rack_rtt + reo - now);
		if (left <= 0) {
			/* Runs may merge: start over (lost ones are skipped,
			 * so this ends). */
			tcp_sb_mark_lost(c, e->left, e->right, false);
			lost = true;
			i = (unsigned)-1;
			continue;
		}
		if ((uint32_t)left > wait)
			wait = (uint32_t)left;
	}
	if (wait > 0) {
		/* RFC 8985 6.3: look again when the oldest could be lost. */
		c->rack_t_probe = false;
		loop_timer_arm_in(&c->rack_t, (uint64_t)wait * 1000);
	} else if (!c->rack_t_probe) {
		loop_timer_cancel(&c->rack_t);
	}
	return lost;
}

/* ---- the tail loss probe ------------------------------------------------ */

void tcp_tlp_arm(struct tcp_conn *c, bool restart)
{
	uint32_t flight = c->snd_max - c->snd_una;

	if (!c->sack_ok || c->finished || c->tlp_out || flight == 0 ||
	    c->snd_wnd == 0 || c->rtx_mode != TCP_RTX_RETRANSMIT ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT &&
	     c->state != TCP_FIN_WAIT_1 && c->state != TCP_CLOSING &&
	     c->state != TCP_LAST_ACK)) {
		if (c->rack_t_probe)
			tcp_rack_cancel(c);
		return;
	}
	if (loop_timer_armed(&c->rack_t) && !c->rack_t_probe)
		return; /* the reordering timer comes first */
	uint64_t pto = c->srtt_us ? 2ull * c->srtt_us * 1000 : TCP_RTO_INIT;
	if (flight <= c->mss)
		pto += TCP_WCDELACK;
	if (pto < TCP_PTO_MIN)
		pto = TCP_PTO_MIN;
	uint64_t d = loop_now() + pto;
	if (c->rack_t_probe && !restart)
		return; /* running: only an ACK or new data restarts it */
	if (d >= c->rtx_deadline) {
		/* The RTO comes first anyway. */
		if (c->rack_t_probe)
			tcp_rack_cancel(c);
		return;
	}
	c->probe_deadline = d;
	if (c->rack_t_probe && loop_timer_armed(&c->rack_t) &&
	    c->rack_t.deadline <= d)
		return; /* fires early, finds the deadline moved, re-arms */
	c->rack_t_probe = true;
	loop_timer_arm_at(&c->rack_t, d);
}

/* RFC 8985 7.3: one segment, new data if the peer's window takes it, else
 * the last one not known to be delivered (in recovery: a lost one first);
 * then the RTO. */
static void tlp_fire(struct tcp_conn *c)
{
	uint32_t off = c->snd_nxt - c->snd_una;
	uint32_t unsent = off < c->queued ? c->queued - off : 0;
	uint32_t room = c->snd_wnd > off ? c->snd_wnd - off : 0;
	uint32_t seq, len;

	c->rack_t_probe = false;
	if (c->snd_una == c->snd_max || c->finished)
		return;
	tcp_stats.loss_probes++;
	c->tlp_rtx = false;
	if (tcp_sb_next_lost(c, &seq, &len)) {
		/* In recovery, a lost run waits for PRR's credit and the ACKs
		 * that would bring it have stopped: it is the probe. */
		c->tlp_rtx = true;
		(void)tcp_send_data_at(c, seq, len);
	} else if (unsent > 0 && room >= (unsent < c->mss ? unsent : c->mss)) {
		len = unsent < c->mss ? unsent : c->mss;
		c->snd_nxt += tcp_send_data_at(c, c->snd_nxt, len);
	} else if (tcp_sb_last_unsacked(c, &seq, &len, false)) {
		c->tlp_rtx = true;
		(void)tcp_send_data_at(c, seq, len);
	} else {
		return;
	}
	c->tlp_out = true;
	c->tlp_high = c->snd_max;
	tcp_rtx_arm(c);
}

void tcp_tlp_ack(struct tcp_conn *c, bool dsack)
{
	if (!c->tlp_out || seq_lt(c->snd_una, c->tlp_high))
		return;
	c->tlp_out = false;
	/* RFC 8985 7.4: a resent probe acknowledged without a D-SACK
	 * repaired a loss the sender never saw: respond as to one. */
	if (c->tlp_rtx && !dsack && !c->in_recovery &&
	    seq_ge(c->snd_una, c->recover)) {
		uint32_t h = c->cwnd / 2;
		c->ssthresh = h > 2u * c->mss ? h : 2u * c->mss;
		c->cwnd = c->ssthresh;
	}
}

static void rack_fire(struct loop_timer *t, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->finished)
		return;
	if (c->rack_t_probe) {
		if (loop_now() < c->probe_deadline) {
			loop_timer_arm_at(&c->rack_t, c->probe_deadline);
			return;
		}
		tlp_fire(c);
		return;
	}
	/* The reordering window of a run has passed. */
	bool lost = tcp_rack_detect(c);
	tcp_cc_sack(c, 0, lost);
	tcp_output(c); /* and the probe, if none is armed */
}
