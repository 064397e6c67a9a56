/*
 * TCP congestion control: slow start and congestion avoidance (RFC 5681)
 * with appropriate byte counting (RFC 3465, L = 2*SMSS), an initial window
 * of 10 segments (RFC 6928), growth only while cwnd is used (RFC 7661 in
 * spirit), and NewReno fast retransmit and fast recovery (RFC 6582). Without
 * SACK, NewReno is what recovers several losses in one window without waiting
 * for the retransmission timer.
 */
#include "tcp_int.h"

#define TCP_CWND_MAX (16u * 1024 * 1024) /* keeps the arithmetic small */

static uint32_t flight(const struct tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

static uint32_t half_flight(const struct tcp_conn *c)
{
	/* RFC 5681 eq. 4: ssthresh = max(FlightSize / 2, 2*SMSS) */
	uint32_t h = flight(c) / 2;
	return h > 2u * c->mss ? h : 2u * c->mss;
}

void tcp_cc_init(struct tcp_conn *c)
{
	/* RFC 6928 2: min(10*MSS, max(2*MSS, 14600)) */
	uint32_t w = 14600;

	if (w < 2u * c->mss)
		w = 2u * c->mss;
	if (w > TCP_INIT_CWND_SEGS * c->mss)
		w = TCP_INIT_CWND_SEGS * c->mss;
	c->cwnd = w;
	c->ssthresh = TCP_CWND_MAX; /* "arbitrarily high" (RFC 5681 3.1) */
	c->recover = c->iss;
	c->dupacks = 0;
	c->in_recovery = false;
	c->bytes_acked = 0;
}

/*
 * In recovery, resend the next hole: with SACK the first one at or past
 * rtx_next that has SACKed data above it; without, the first
 * unacknowledged segment (NewReno). True when something was sent.
 */
static bool resend_hole(struct tcp_conn *c, bool newreno)
{
	uint32_t seq = c->snd_una, len = c->mss;

	if (seq_lt(c->rtx_next, c->snd_una))
		c->rtx_next = c->snd_una;
	if (c->nsb > 0) {
		if (!tcp_sack_next_hole(c, c->rtx_next, &seq, &len))
			return false;
	} else if (!newreno) {
		return false;
	}
	tcp_stats.fast_retransmits++;
	tcp_send_data_at(c, seq, len);
	c->rtx_next = seq + len;
	return true;
}

void tcp_cc_ack(struct tcp_conn *c, uint32_t acked)
{
	if (c->in_recovery) {
		if (seq_ge(c->snd_una, c->recover)) {
			/* RFC 6582 3.2 step 3: full ACK, leave recovery with
			 * cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS).
			 */
			uint32_t f = flight(c);
			uint32_t w = (f > c->mss ? f : c->mss) + c->mss;
			c->cwnd = w < c->ssthresh ? w : c->ssthresh;
			c->in_recovery = false;
			c->dupacks = 0;
			c->bytes_acked = 0;
			return;
		}
		/* Step 4: partial ACK. Retransmit the first unacknowledged
		 * segment (with SACK: the next hole), deflate by what was
		 * acked, add one SMSS back. */
		if (c->nsb == 0)
			c->rtx_next = c->snd_una;
		(void)resend_hole(c, true);
		c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->mss;
		if (acked >= c->mss)
			c->cwnd += c->mss;
		if (c->cwnd < c->mss)
			c->cwnd = c->mss;
		return;
	}
	c->dupacks = 0;
	/* RFC 7661 in spirit: grow cwnd only while the flight uses at least
	 * half of it. A sender held back by the application (or the peer's
	 * window) otherwise grew cwnd on every ACK up to TCP_CWND_MAX, and
	 * the next large send went out as one 16 MB burst. */
	if (2 * (uint64_t)(flight(c) + acked) < c->cwnd)
		return;
	if (c->cwnd < c->ssthresh) {
		c->cwnd += acked < 2u * c->mss ? acked : 2u * c->mss;
	} else {
		/* About one SMSS per RTT (RFC 5681 3.1, eq. 3 by bytes). */
		c->bytes_acked += acked;
		if (c->bytes_acked >= c->cwnd) {
			c->bytes_acked -= c->cwnd;
			c->cwnd += c->mss;
		}
	}
	if (c->cwnd > TCP_CWND_MAX)
		c->cwnd = TCP_CWND_MAX;
}

uint32_t tcp_cc_window(const struct tcp_conn *c)
{
	uint32_t w = c->cwnd;

	/* RFC 3042 limited transmit: each of the first two duplicate ACKs
	 * lets one new segment out, so that a small window still draws
	 * the three duplicates fast retransmit needs. */
	if (!c->in_recovery && c->dupacks > 0 && c->dupacks < 3)
		w += c->dupacks * c->mss;
	return w < c->snd_wnd ? w : c->snd_wnd;
}

/*
 * Duplicate ACKs that mean a loss: 3 (RFC 5681), or with fewer than four
 * segments outstanding and nothing new to send, one less than what is
 * outstanding (RFC 5827 early retransmit), so that a short flight does
 * not wait for the RTO.
 */
static unsigned dup_thresh(const struct tcp_conn *c)
{
	uint32_t segs = (flight(c) + c->mss - 1) / c->mss;

	if (segs >= 4 || segs < 2 || tcp_unsent(c) > 0)
		return 3;
	return segs - 1;
}

void tcp_cc_dupack(struct tcp_conn *c)
{
	c->dupacks++;
	if (c->in_recovery) {
		/* Each duplicate means a segment has left the network: resend
		 * a hole the peer's SACKs show (one for one), or else inflate
		 * (RFC 6582 3.2 step 3, RFC 5681 3.2 step 4) to let new data
		 * out. */
		if (resend_hole(c, false))
			return;
		c->cwnd += c->mss;
		if (c->cwnd > TCP_CWND_MAX)
			c->cwnd = TCP_CWND_MAX;
		return;
	}
	if (c->dupacks < dup_thresh(c))
		return;
	/* RFC 6582 3.2 step 2: only when the ACK covers more than
	 * `recover`, so one window's losses start one recovery. The RFC's
	 * recover is the highest sequence number sent, SND.MAX - 1; ours is
	 * SND.MAX, so "covers more than" is SND.UNA >= recover. */
	if (seq_lt(c->snd_una, c->recover))
		return;
	c->ssthresh = half_flight(c);
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->rtt_timing = false; /* Karn */
	c->rtx_next = c->snd_una;
	(void)resend_hole(c, true);
	c->cwnd = c->ssthresh + 3u * c->mss;
	tcp_rtx_restart(c);
}

void tcp_cc_timeout(struct tcp_conn *c)
{
	c->ssthresh = half_flight(c);
	c->cwnd = c->mss;	 /* loss window, RFC 5681 3.1 */
	c->recover = c->snd_max; /* RFC 6582 4.1 */
	c->rtx_next = c->snd_una;
	c->in_recovery = false;
	c->dupacks = 0;
	c->bytes_acked = 0;
}
