/*
 * TCP congestion control: slow start and congestion avoidance (RFC 5681)
 * with appropriate byte counting (RFC 3465, L = 2*SMSS), an initial window
 * of 10 segments (RFC 6928), growth only while cwnd is used (RFC 7661 in
 * spirit).
 *
 * Recovery without SACK: NewReno fast retransmit and fast recovery (RFC
 * 6582), what recovers several losses in one window without waiting for
 * the retransmission timer. With SACK: recovery starts when RACK
 * (tcp_rack.c) deems a segment lost, the lost runs are resent ahead of new
 * data (tcp_output) while pipe (tcp_sack.c) is below cwnd, and cwnd is set
 * on every ACK by Proportional Rate Reduction (RFC 6937, with the
 * slow-start reduction bound): the flight shrinks to ssthresh over one
 * round trip rather than stopping dead, as RFC 6675's pipe < cwnd alone
 * would, or not shrinking at all.
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

/*
 * The initial window: RFC 6928's min(10*MSS, max(2*MSS, 14600)), with N
 * segments for 10 and N * 1460 for 14600 when the key tcp_initcwnd says
 * N. Why a key: a server that sends whole files in one response on a
 * 1500-byte MTU spends most of a short connection in slow start (100 KiB
 * is four round trips from 10 segments, one from 72), and operators raise
 * the window for such servers as Linux's `ip route ... initcwnd N` does.
 * Ten stays the default, as the RFC says for the open Internet.
 */
uint32_t tcp_init_cwnd;

void tcp_cc_init(struct tcp_conn *c)
{
	uint32_t n = tcp_init_cwnd ? tcp_init_cwnd : TCP_INIT_CWND_SEGS;
	uint32_t w = n * 1460u;

	if (w < 2u * c->mss)
		w = 2u * c->mss;
	if (w > n * c->mss)
		w = n * c->mss;
	c->cwnd = w;
	c->ssthresh = TCP_CWND_MAX; /* "arbitrarily high" (RFC 5681 3.1) */
	c->recover = c->iss;
	c->dupacks = 0;
	c->in_recovery = false;
	c->bytes_acked = 0;
}

/*
 * NewReno (no SACK): resend the first unacknowledged segment (fast
 * retransmit, and once per partial ACK).
 */
static void resend_first(struct tcp_conn *c)
{
	tcp_stats.fast_retransmits++;
	(void)tcp_send_data_at(c, c->snd_una, c->mss);
}

void tcp_cc_ack(struct tcp_conn *c, uint32_t acked)
{
	if (c->in_recovery && c->sack_ok)
		return; /* tcp_cc_sack */
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
		 * segment, deflate by what was acked, add one SMSS back. */
		resend_first(c);
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
		/* RFC 3465's L = 2*SMSS bounds the burst a stretch ACK
		 * releases. On a device with segmentation offload a burst is
		 * one frame anyway, and the peer's receive offload (GRO)
		 * acknowledges each of our offload frames with one stretch
		 * ACK: with L, slow start grew by 2 segments per 40 sent.
		 * There, count every byte acked, as Linux does. */
		uint32_t l = net.tso_max ? acked : 2u * c->mss;
		c->cwnd += acked < l ? acked : l;
		if (net.tso_max && c->cwnd > c->ssthresh)
			c->cwnd = c->ssthresh;
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
	if (c->sack_ok) {
		/* RACK decides from the SACK blocks; a peer that negotiated
		 * SACK but sends none gets RFC 6675's DupThresh rule: the
		 * first segment is lost (tcp_cc_sack starts recovery). */
		if (c->dupacks >= dup_thresh(c) && tcp_sack_bytes(c) == 0 &&
		    !c->in_recovery && seq_ge(c->snd_una, c->recover))
			tcp_sb_mark_lost(c, c->snd_una, c->snd_una + c->mss,
					 false);
		return;
	}
	if (c->in_recovery) {
		/* Each duplicate means a segment has left the network:
		 * inflate (RFC 6582 3.2 step 3, RFC 5681 3.2 step 4) to let
		 * new data out. */
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
	resend_first(c);
	c->cwnd = c->ssthresh + 3u * c->mss;
	tcp_rtx_restart(c);
}

void tcp_cc_enter_recovery(struct tcp_conn *c)
{
	c->ssthresh = half_flight(c);
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->rescue = c->snd_una; /* RFC 6675 RescueRxt: none yet */
	c->prr_delivered = 0;
	c->prr_out = 0;
	c->recover_fs = c->snd_max - c->snd_una;
	c->bytes_acked = 0;
	tcp_stats.recoveries++;
}

void tcp_cc_sack(struct tcp_conn *c, uint32_t delivered, bool lost)
{
	bool first = false;

	if (c->in_recovery && seq_ge(c->snd_una, c->recover)) {
		/* RFC 6937: at the end of recovery, cwnd = ssthresh. */
		c->in_recovery = false;
		c->dupacks = 0;
		c->cwnd = c->ssthresh;
	}
	/* A loss starts recovery once per window (RFC 6675 5: not before
	 * the cumulative ACK passes the previous recovery point, which after
	 * a timeout is what was sent before it). */
	if (!c->in_recovery && lost && seq_ge(c->snd_una, c->recover)) {
		tcp_cc_enter_recovery(c);
		first = true;
	}
	if (!c->in_recovery)
		return;
	/* RFC 6937 3: PRR with the slow-start reduction bound. */
	c->prr_delivered += delivered;
	uint32_t pipe = tcp_sb_pipe(c);
	int64_t sndcnt;
	if (pipe > c->ssthresh) {
		uint64_t fs = c->recover_fs ? c->recover_fs : 1;
		sndcnt = (int64_t)(((uint64_t)c->prr_delivered * c->ssthresh +
				    fs - 1) /
				   fs) -
			 c->prr_out;
	} else {
		int64_t lim = (int64_t)c->prr_delivered - c->prr_out;
		if (lim < (int64_t)delivered)
			lim = delivered;
		lim += c->mss;
		sndcnt = (int64_t)(c->ssthresh - pipe);
		if (sndcnt > lim)
			sndcnt = lim;
	}
	/* The fast retransmit itself always goes (RFC 6675 (4.3)). */
	if (first && sndcnt < (int64_t)c->mss)
		sndcnt = c->mss;
	if (sndcnt < 0)
		sndcnt = 0;
	c->cwnd = pipe + (uint32_t)sndcnt;
}

void tcp_cc_timeout(struct tcp_conn *c)
{
	c->ssthresh = half_flight(c);
	c->cwnd = c->mss;	 /* loss window, RFC 5681 3.1 */
	c->recover = c->snd_max; /* RFC 6582 4.1 */
	c->in_recovery = false;
	c->dupacks = 0;
	c->bytes_acked = 0;
}
