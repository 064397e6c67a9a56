/*
 * SACK (RFC 2018) against a crafted peer (test_tcp_peer.h): negotiation,
 * the blocks our ACKs carry while out-of-order data waits, and the sender
 * side: SACKs as duplicate ACKs (RFC 6675 2, data-carrying ones too),
 * recovery from the scoreboard (RACK marks, PRR paces: RFC 6675, 6937,
 * 8985), SACKed data skipped when resending after a timeout. The finer
 * points of RACK-TLP are test_tcp_rack.c's.
 */
#include <inttypes.h>

#include "test_tcp_peer.h"

#define MSS 1460u

static uint8_t data[32 * 1024];

#define S(i)   (tp_isn + 1 + (uint32_t)(i)*MSS)
#define P(off) (tp_seq + (uint32_t)(off)) /* the peer's stream */

static bool seg_is(unsigned i, uint32_t seq, uint32_t len)
{
	struct tcp_hdr h;

	return tp_seg(i, &h) && h.seq == seq && h.payload.len == len;
}

static bool block(const struct tcp_hdr *h, unsigned i, uint32_t l, uint32_t r)
{
	return h->opts.nsack > i && h->opts.sack[i].left == l &&
	       h->opts.sack[i].right == r;
}

/* The peer ACKs ack with SACK blocks [l0, r0) (and [l1, r1) if l1). */
static void sack(uint32_t ack, uint32_t l0, uint32_t r0, uint32_t l1,
		 uint32_t r1)
{
	tp_nsack = l1 ? 2 : 1;
	tp_sack[0].left = l0;
	tp_sack[0].right = r0;
	tp_sack[1].left = l1;
	tp_sack[1].right = r1;
	tp_send(tp_seq, ack, TCP_FLAG_ACK, NULL, 0);
	tp_nsack = 0;
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c;

	SCRIPT_BEGIN
	/* ---- negotiation ------------------------------------------------ */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_seq = 1000;
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	CHECK("no SACK-permitted offered: none in the SYN-ACK",
	      tp_last(&h) && !h.opts.sack_perm);
	tcp_listener_close(l);
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_sackp = true;
	tp_seq = 1000;
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	CHECK("SACK-permitted offered: the SYN-ACK offers it too",
	      tp_last(&h) && h.opts.sack_perm);
	tp_isn = h.seq;
	tp_seq++;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK, NULL, 0);
	c = conn;
	CHECK("SACK on for the connection", c && c->sack_ok);

	/* ---- our blocks ---------------------------------------------------
	 */
	fakenet_clear();
	tp_send(P(1000), tp_isn + 1, TCP_FLAG_ACK, data, 100);
	CHECK("a segment past a hole: duplicate ACK with its block",
	      tp_last(&h) && h.ack == P(0) && h.opts.nsack == 1 &&
		      block(&h, 0, P(1000), P(1100)));
	tp_send(P(2000), tp_isn + 1, TCP_FLAG_ACK, data, 100);
	CHECK("another: the latest block first, then the older",
	      tp_last(&h) && h.opts.nsack == 2 &&
		      block(&h, 0, P(2000), P(2100)) &&
		      block(&h, 1, P(1000), P(1100)));
	tp_send(P(1100), tp_isn + 1, TCP_FLAG_ACK, data, 100);
	CHECK("a segment extending a run: the merged run first",
	      tp_last(&h) && h.opts.nsack == 2 &&
		      block(&h, 0, P(1000), P(1200)) &&
		      block(&h, 1, P(2000), P(2100)));
	tp_send(P(0), tp_isn + 1, TCP_FLAG_ACK, data, 1000);
	CHECK("the first hole filled: ACK to its end, one block left",
	      tp_last(&h) && h.ack == P(1200) && h.opts.nsack == 1 &&
		      block(&h, 0, P(2000), P(2100)));
	tp_send(P(1200), tp_isn + 1, TCP_FLAG_ACK, data, 800);
	CHECK("all filled: no blocks",
	      tp_last(&h) && h.ack == P(2100) && h.opts.nsack == 0);
	tp_seq = P(2100);
	CHECK("2100 bytes delivered", rcvd == 2100);
	fakenet_clear();
	tp_send(P(3000), tp_isn + 1, TCP_FLAG_ACK, data, 100);
	CHECK("while a hole waits, our data segments leave room for blocks",
	      tcp_send(c, data, 2 * MSS) == 2 * MSS);
	net_tx_flush_now();
	CHECK("data segments of MSS - 36 bytes carrying the block",
	      tp_nsegs() == 4 && tp_seg(1, &h) && h.payload.len == MSS - 36 &&
		      block(&h, 0, P(3000), P(3100)));
	tp_send(P(0), S(0) + 2 * MSS, TCP_FLAG_ACK, data, 1500);
	tp_send(P(1500), S(0) + 2 * MSS, TCP_FLAG_ACK, data, 1500);
	tp_seq = P(3100);
	tcp_abort(c);
	WAIT(1);

	/* ---- SACKs drive recovery ------------------------------------------
	 */
	tp_pport++;
	CHECK("handshake", tp_handshake() && conn->sack_ok);
	c = conn;
	CHECK("queue 10 segments", tcp_send(c, data, 10 * MSS) == 10 * MSS);
	net_tx_flush_now();
	/* S1 and S3 lost. */
	fakenet_clear();
	tp_send(P(0), S(1), TCP_FLAG_ACK, "d", 1); /* data and an ACK */
	tp_seq++;
	CHECK("S0 acked", c->snd_una == S(1) && c->dupacks == 0);
	tp_nsack = 1;
	tp_sack[0].left = S(2);
	tp_sack[0].right = S(3);
	tp_send(P(0), S(1), TCP_FLAG_ACK, "e", 1);
	tp_seq++;
	tp_nsack = 0;
	CHECK("a data segment reporting new SACKed bytes counts as a "
	      "duplicate ACK",
	      c->dupacks == 1);
	sack(S(1), S(2), S(3), S(4), S(5));
	CHECK("second: not yet (fewer than DupThresh SACKed, RFC 8985 6.2)",
	      c->dupacks == 2 && !c->in_recovery);
	fakenet_clear();
	sack(S(1), S(2), S(3), S(4), S(6));
	CHECK("third: S1 and S3, sent before SACKed data, are lost; fast "
	      "retransmit of S1",
	      c->in_recovery && tp_nsegs() == 1 && seg_is(0, S(1), MSS) &&
		      tcp_sb_lost_bytes(c) == MSS);
	CHECK("ssthresh half the flight (RFC 5681 eq. 4)",
	      c->ssthresh == 9 * MSS / 2);
	fakenet_clear();
	sack(S(1), S(2), S(3), S(4), S(7));
	sack(S(1), S(2), S(3), S(4), S(8));
	CHECK("PRR: S3 resent within the next two SACKs, once",
	      tp_nsegs() == 1 && seg_is(0, S(3), MSS) &&
		      tcp_stats.fast_retransmits == 2);
	fakenet_clear();
	sack(S(1), S(2), S(3), S(4), S(9));
	CHECK("nothing lost is left: nothing resent",
	      tcp_stats.fast_retransmits == 2 && tcp_sb_lost_bytes(c) == 0);
	sack(S(3), S(4), S(9), 0, 0);
	CHECK("partial ACK past S1: still in recovery", c->in_recovery);
	tp_data(S(10), NULL, 0);
	CHECK("all acknowledged: recovery over with cwnd = ssthresh (RFC "
	      "6937), scoreboard empty",
	      !c->in_recovery && c->nsb == 0 && c->cwnd == c->ssthresh &&
		      tcp_stats.rto_expiries == 0);

	/* ---- after a timeout, SACKed data is not resent --------------------
	 */
	fakenet_clear();
	CHECK("queue 5 segments", tcp_send(c, data, 5 * MSS) == 5 * MSS);
	net_tx_flush_now();
	CHECK("the window after recovery: 4 out",
	      tp_nsegs() == 4 && c->snd_max == S(14));
	/* S10 and S11 lost, S12 and S13 SACKed; then the peer goes quiet:
	 * whatever is resent (RACK, the probe, the RTO), never S12, S13. */
	sack(S(10), S(12), S(14), 0, 0);
	fakenet_clear();
	WAIT(TCP_RTO_MIN / TCP_MS + 50);
	{
		bool sacked_resent = false, s10 = false;
		for (unsigned i = 0; tp_seg(i, &h); i++) {
			if (h.seq == S(12) || h.seq == S(13))
				sacked_resent = true;
			if (h.seq == S(10))
				s10 = true;
		}
		CHECKF(s10 && !sacked_resent && c->nsb > 0,
		       "S10 resent, the SACKed S12, S13 never (%u segments, "
		       "%" PRIu64 " RTOs)",
		       tp_nsegs(), tcp_stats.rto_expiries);
	}
	fakenet_clear();
	sack(S(11), S(12), S(14), 0, 0);
	tp_data(S(12), NULL, 0);
	CHECK("then the rest: S14, new, and not S12",
	      tp_nsegs() >= 1 && !seg_is(0, S(12), MSS) &&
		      !seg_is(0, S(13), MSS));
	tp_data(S(15), NULL, 0);
	CHECK("acknowledged past the SACKed range: scoreboard empty",
	      c->snd_una == S(15) && c->nsb == 0);
	tcp_abort(c);
	tcp_listener_close(l);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
