/*
 * TCP loss recovery against a crafted peer (test_tcp_peer.h): the
 * retransmission timer (RFC 6298: timeout, exponential backoff, Karn's
 * rule, giving up), fast retransmit and NewReno recovery (RFC 5681, RFC
 * 6582) with the congestion window checked at each step, and zero-window
 * probing (RFC 9293 3.8.6.1) with backoff and the window reopening.
 */
#include "test_tcp_peer.h"

#define MSS 1460u

static uint8_t data[64 * 1024];

/* Sequence number of our i-th full segment on this connection. */
#define S(i) (tp_isn + 1 + (uint32_t)(i)*MSS)

static void newreno_script(struct loop_timer *t, void *arg);

static void rto_script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c;
	static uint32_t srtt0;
	static unsigned i, syns;
	static uint64_t t0;

	SCRIPT_BEGIN
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + 3);

	/* ---- RTO, backoff, Karn ---------------------------------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	CHECK("RTO starts at the 200 ms floor after a fast handshake",
	      c->rto_ns == TCP_RTO_MIN);
	srtt0 = c->srtt_us;
	CHECK("send 100 bytes", tcp_send(c, data, 100) == 100);
	net_tx_flush_now();
	CHECK("sent at once", tp_nsegs() == 1 && tp_last(&h) &&
				      h.seq == tp_isn + 1 &&
				      h.payload.len == 100);
	CHECK("RTT timing runs on the new segment",
	      c->rtt_timing && c->rtt_seq == tp_isn + 1);
	fakenet_clear();
	WAIT(199);
	CHECK("no retransmission before the RTO", tp_nsegs() == 0);
	WAIT(2);
	CHECK("retransmitted after 200 ms",
	      tp_nsegs() == 1 && tp_last(&h) && h.seq == tp_isn + 1 &&
		      h.payload.len == 100 && tcp_stats.rto_expiries == 1);
	CHECK("RTO doubled (RFC 6298 5.5)", c->rto_ns == 2 * TCP_RTO_MIN);
	CHECK("Karn: timing stopped by the retransmission", !c->rtt_timing);
	fakenet_clear();
	WAIT(398);
	CHECK("no second retransmission before 400 ms", tp_nsegs() == 0);
	WAIT(2);
	CHECK("second retransmission after 400 ms more",
	      tp_nsegs() == 1 && tcp_stats.rto_expiries == 2);
	CHECK("RTO doubled again", c->rto_ns == 4 * TCP_RTO_MIN);
	WAIT(10);
	tp_data(tp_isn + 101, NULL, 0);
	CHECK("Karn: the ACK of a retransmitted segment gives no RTT sample",
	      c->srtt_us == srtt0);
	CHECK("ACK of everything stops the timer",
	      !loop_timer_armed(&c->rtx_t) && c->snd_una == tp_isn + 101);
	CHECK("the backed-off RTO stays until a fresh sample",
	      c->rto_ns == 4 * TCP_RTO_MIN);
	fakenet_clear();
	CHECK("send 100 more", tcp_send(c, data, 100) == 100);
	net_tx_flush_now();
	WAIT(10);
	tp_data(tp_isn + 201, NULL, 0);
	CHECK("a fresh segment's ACK is sampled (10 ms)",
	      c->srtt_us != srtt0 && c->srtt_us > 1000);
	CHECK("the sample brings the RTO back to the floor",
	      c->rto_ns == TCP_RTO_MIN);

	/* ---- giving up: closed(TIMEOUT) --------------------------------- */
	fakenet_clear();
	CHECK("send, never acknowledged", tcp_send(c, data, 100) == 100);
	t0 = loop_now();
	for (i = 0; i < 40 && nclosed == 0; i++) {
		tp_arp();
		WAIT(5000);
	}
	CHECK("gives up: closed(TIMEOUT) once",
	      nclosed == 1 && why == TCP_CLOSED_TIMEOUT);
	CHECKF(loop_now() - t0 > 120 * TCP_S && loop_now() - t0 < 175 * TCP_S,
	       "after about 120 s without progress (took %llu s)",
	       (unsigned long long)((loop_now() - t0) / TCP_S));
	CHECKF(tcp_stats.rto_expiries >= 2 + 9,
	       "with backoff: %llu expiries in all",
	       (unsigned long long)tcp_stats.rto_expiries);
	CHECK("a RST tells the peer",
	      tp_last(&h) && (h.flags & TCP_FLAG_RST) && h.seq == tp_isn + 301);
	WAIT(1);
	CHECK("connection gone", tcp_conn_count() == 0);
	tcp_listener_close(l);

	/* ---- SYN-SENT gives up after 6 retransmissions ------------------ */
	tp_setup();
	{
		struct net_addr ra = {FAKENET_PEER, 5555};
		CHECK("connect", tcp_connect(&conn, &ra, &cbs, NULL) == 0);
	}
	net_tx_flush_now();
	t0 = loop_now();
	syns = 0;
	for (i = 0; i < 40 && nclosed == 0; i++) {
		for (unsigned k = 0; tp_seg(k, &h); k++)
			if (h.flags == TCP_FLAG_SYN)
				syns++;
		fakenet_clear();
		tp_arp();
		fakenet_clear();
		WAIT(5000);
	}
	for (unsigned k = 0; tp_seg(k, &h); k++)
		if (h.flags == TCP_FLAG_SYN)
			syns++;
	CHECKF(syns == 1 + TCP_SYN_RETRIES, "SYN sent %u times (want %u)", syns,
	       1 + TCP_SYN_RETRIES);
	CHECK("connect times out: closed(TIMEOUT)",
	      nclosed == 1 && why == TCP_CLOSED_TIMEOUT && nconnected == 0);
	CHECKF(loop_now() - t0 >= 123 * TCP_S && loop_now() - t0 < 130 * TCP_S,
	       "after 1+2+4+...+32+60 = 123 s (took %llu s)",
	       (unsigned long long)((loop_now() - t0) / TCP_S));
	WAIT(1);
	script_pc = -1;
	/* the next script takes over */
	__attribute__((fallthrough));
default:
	newreno_script(t, arg);
	SCRIPT_END
}

/* The peer acknowledges ack n times with the same window, no data. */
static void dupacks(uint32_t ack, unsigned n)
{
	while (n-- > 0)
		tp_send(tp_seq, ack, TCP_FLAG_ACK, NULL, 0);
}

static bool seg_is(unsigned i, uint32_t seq, uint32_t len)
{
	struct tcp_hdr h;

	return tp_seg(i, &h) && h.seq == seq && h.payload.len == len;
}

/*
 * Fast retransmit and NewReno (a second script: one protothread per
 * function, each with its own labels, sharing script_pc).
 */
static void newreno_script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c;
	static unsigned i;
	static bool ok;
	static uint64_t t0, gap[4];

	switch (script_pc) {
	case -1:
		tp_setup();
		CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
		CHECK("handshake", tp_handshake());
		c = conn;
		CHECK("initial window: 10 segments (RFC 6928)",
		      c->cwnd == 10 * MSS);
		CHECK("queue 20 segments",
		      tcp_send(c, data, 20 * MSS) == 20 * MSS);
		net_tx_flush_now();
		for (ok = tp_nsegs() == 10, i = 0; i < 10; i++)
			ok = ok && seg_is(i, S(i), MSS);
		CHECK("10 full segments in flight", ok);
		fakenet_clear();
		tp_data(S(1), NULL, 0);
		CHECK("slow start: cwnd + 1 MSS for 1 MSS acked",
		      c->cwnd == 11 * MSS);
		CHECK("two more segments", tp_nsegs() == 2 &&
						   seg_is(0, S(10), MSS) &&
						   seg_is(1, S(11), MSS));
		/* S1 is lost: S2.. draw duplicate ACKs for S1. */
		fakenet_clear();
		dupacks(S(1), 1);
		CHECK("first duplicate ACK: limited transmit sends S12 "
		      "(RFC 3042), cwnd unchanged",
		      tp_nsegs() == 1 && seg_is(0, S(12), MSS) &&
			      c->cwnd == 11 * MSS);
		dupacks(S(1), 1);
		CHECK("second duplicate ACK: and S13",
		      tp_nsegs() == 2 && seg_is(1, S(13), MSS) &&
			      c->dupacks == 2 && c->cwnd == 11 * MSS);
		fakenet_clear();
		dupacks(S(1), 1);
		CHECK("third duplicate ACK: fast retransmit of S1",
		      tp_nsegs() == 1 && seg_is(0, S(1), MSS) &&
			      tcp_stats.fast_retransmits == 1);
		CHECK("ssthresh = FlightSize / 2 (13 segments in flight)",
		      c->ssthresh == 13 * MSS / 2);
		CHECK("cwnd = ssthresh + 3 MSS",
		      c->cwnd == c->ssthresh + 3 * MSS);
		CHECK("in recovery until S14 (recover = SND.MAX)",
		      c->in_recovery && c->recover == S(14));
		fakenet_clear();
		dupacks(S(1), 4);
		CHECK("further duplicates inflate cwnd by 1 MSS each",
		      c->cwnd == c->ssthresh + 7 * MSS && tp_nsegs() == 0);
		dupacks(S(1), 1);
		CHECK("inflated past the flight: one new segment (S14)",
		      tp_nsegs() == 1 && seg_is(0, S(14), MSS));
		/* S3 was lost too: a partial ACK up to it. */
		fakenet_clear();
		tp_data(S(3), NULL, 0);
		CHECK("partial ACK: S3 retransmitted at once (RFC 6582 3.2 "
		      "step 4)",
		      tp_nsegs() >= 1 && seg_is(0, S(3), MSS) &&
			      tcp_stats.fast_retransmits == 2);
		CHECK("partial ACK: cwnd deflated by the 2 MSS acked, plus 1 "
		      "MSS",
		      c->cwnd == c->ssthresh + 8 * MSS - 2 * MSS + MSS);
		CHECK("partial ACK: still in recovery", c->in_recovery);
		CHECK("partial ACK: and one new segment (S15)",
		      tp_nsegs() == 2 && seg_is(1, S(15), MSS));
		fakenet_clear();
		tp_data(S(14), NULL, 0);
		CHECK("full ACK (up to recover): recovery over",
		      !c->in_recovery);
		CHECK("full ACK: cwnd = min(ssthresh, FlightSize + MSS)",
		      c->cwnd == 3 * MSS);
		CHECK("full ACK: the window allows one more segment (S16)",
		      tp_nsegs() == 1 && seg_is(0, S(16), MSS));
		/* Now S14, the first segment past the old recover, is lost. */
		fakenet_clear();
		dupacks(S(14), 3);
		CHECK("a loss just past recover: fast retransmit again",
		      tcp_stats.fast_retransmits == 3 && tp_nsegs() == 3 &&
			      seg_is(2, S(14), MSS) && c->in_recovery);
		CHECK("no timeout was needed", tcp_stats.rto_expiries == 0);
		tp_data(S(19), NULL, 0);
		CHECK("all acknowledged: recovery over", !c->in_recovery);
		/* Duplicates of an old ACK after a timeout do not start
		 * recovery. */
		fakenet_clear();
		WAIT(300);
		CHECK("RTO: go back to SND.UNA with cwnd = 1 MSS",
		      tcp_stats.rto_expiries == 1 && c->cwnd == MSS &&
			      tp_nsegs() == 1 && tp_last(&h) && h.seq == S(19));
		CHECK("RTO: recover = SND.MAX (RFC 6582 4.1)",
		      c->recover == c->snd_max && c->snd_nxt == S(20));
		fakenet_clear();
		dupacks(S(19), 3);
		CHECK("duplicate ACKs below recover after a timeout: no fast "
		      "retransmit",
		      tcp_stats.fast_retransmits == 3 && !c->in_recovery);
		tp_data(S(20), NULL, 0);

		/* ---- early retransmit (RFC 5827) ------------------------ */
		fakenet_clear();
		CHECK("two segments more",
		      tcp_send(c, data, 2 * MSS) == 2 * MSS);
		net_tx_flush_now();
		dupacks(S(20), 1);
		CHECK("two outstanding, nothing more to send: one duplicate "
		      "ACK retransmits",
		      tcp_stats.fast_retransmits == 4 && tp_nsegs() == 3 &&
			      seg_is(2, S(20), MSS));
		tp_data(S(22), NULL, 0);
		tcp_abort(c);
		WAIT(1);
		CHECK("aborted", nclosed == 1 && why == TCP_CLOSED_ABORTED);
		tcp_listener_close(l);

		/* ---- zero window: persist probes
		 * -------------------------------- */
		tp_setup();
		CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
		tp_win = 1000;
		CHECK("handshake, peer window 1000", tp_handshake());
		c = conn;
		CHECK("queue 3000 bytes", tcp_send(c, data, 3000) == 3000);
		net_tx_flush_now();
		CHECK("1000 bytes sent: the window",
		      tp_nsegs() == 1 && seg_is(0, S(0), 1000));
		fakenet_clear();
		tp_win = 0;
		tp_data(S(0) + 1000, NULL, 0);
		CHECK("window closed: nothing sent, persist timer armed",
		      tp_nsegs() == 0 && c->rtx_mode == TCP_RTX_PERSIST);
		t0 = loop_now();
		for (i = 0; i < 4; i++) {
			while (tp_nsegs() == 0 && loop_now() - t0 < 10 * TCP_S)
				WAIT(1);
			gap[i] = (loop_now() - t0) / TCP_MS;
			t0 = loop_now();
			CHECKF(tp_nsegs() == 1 && seg_is(0, S(0) + 1000, 1),
			       "probe %u: one byte past the window after %llu "
			       "ms",
			       i + 1, (unsigned long long)gap[i]);
			fakenet_clear();
			tp_data(S(0) + 1000, NULL,
				0); /* the answer: still zero */
		}
		CHECKF(gap[0] >= 200 && gap[0] <= 202 &&
			       gap[1] >= 2 * gap[0] - 2 &&
			       gap[2] >= 2 * gap[1] - 2 &&
			       gap[3] >= 2 * gap[2] - 2,
		       "probes back off: %llu, %llu, %llu, %llu ms",
		       (unsigned long long)gap[0], (unsigned long long)gap[1],
		       (unsigned long long)gap[2], (unsigned long long)gap[3]);
		CHECK("the answers to probes are not duplicate ACKs",
		      tcp_stats.fast_retransmits == 0 && c->cwnd >= 10 * MSS);
		CHECK("probes counted", tcp_stats.persist_probes == 4);
		/* Probing goes on while the peer answers, with the interval
		 * capped. */
		for (i = 0; i < 300; i++) {
			if (tp_nsegs() > 0) {
				fakenet_clear();
				tp_data(S(0) + 1000, NULL, 0);
			}
			tp_arp();
			fakenet_clear();
			WAIT(1000);
		}
		CHECKF(nclosed == 0 && tcp_stats.persist_probes >= 8,
		       "5 minutes of answered probes: still open (%llu probes)",
		       (unsigned long long)tcp_stats.persist_probes);
		fakenet_clear();
		tp_win = 65535;
		tp_data(S(0) + 1000, NULL, 0);
		CHECK("window reopens: the probed byte and the rest go at once",
		      tp_nsegs() == 2 && seg_is(0, S(0) + 1000, MSS) &&
			      seg_is(1, S(0) + 1000 + MSS, 2000 - MSS));
		CHECK("window reopens: the RTO is no longer backed off",
		      c->rto_ns == TCP_RTO_MIN);
		tp_data(S(0) + 3000, NULL, 0);
		CHECK("all acknowledged", c->snd_una == S(0) + 3000 &&
						  !loop_timer_armed(&c->rtx_t));
		tcp_abort(c);
		tcp_listener_close(l);

		/* ---- the key tcp_initcwnd: a larger initial window ------ */
		tcp_init_cwnd = 40;
		tp_setup();
		CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
		CHECK("handshake", tp_handshake());
		c = conn;
		CHECK("tcp_initcwnd=40: initial window 40 segments",
		      c->cwnd == 40 * MSS);
		CHECK("queue 44 segments",
		      tcp_send(c, data, 44 * MSS) == 44 * MSS);
		net_tx_flush_now();
		for (ok = tp_nsegs() == 40, i = 0; i < 40; i++)
			ok = ok && seg_is(i, S(i), MSS);
		CHECKF(ok, "40 full segments in the first flight (%u sent)",
		       tp_nsegs());
		tcp_abort(c);
		tcp_listener_close(l);
		tcp_init_cwnd = 0;
		loop_stop(0);
	}
}

int main(void)
{
	return tp_main(rto_script);
}
