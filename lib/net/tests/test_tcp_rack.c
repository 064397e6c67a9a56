/*
 * Loss recovery with SACK against a crafted peer (test_tcp_peer.h): RACK
 * finds a lost retransmission without the RTO (RFC 8985 6), the tail loss
 * probe draws the SACK that finds a lost tail (RFC 8985 7), an RTT sample
 * from a SACKed segment ends the RTO's backoff (RFC 6298 with Karn), and
 * the scoreboard stays within TCP_SB_MAX runs and consistent however the
 * peer's SACKs fragment it. All with the microsecond clock past 2^31.
 */
#include <inttypes.h>

#include "test_tcp_peer.h"

#define MSS 1460u

static uint8_t data[64 * 1024];

#define S(i) (tp_isn + 1 + (uint32_t)(i)*MSS)

/* How many segments since the last clear start at seq. */
static unsigned sent_at(uint32_t seq)
{
	struct tcp_hdr h;
	unsigned n = 0;

	for (unsigned i = 0; tp_seg(i, &h); i++)
		if (h.seq == seq && h.payload.len > 0)
			n++;
	return n;
}

/* The peer ACKs ack with up to four single blocks [l, r). */
static void sack_n(uint32_t ack, unsigned n, const uint32_t *l,
		   const uint32_t *r)
{
	tp_nsack = n;
	for (unsigned i = 0; i < n; i++) {
		tp_sack[i].left = l[i];
		tp_sack[i].right = r[i];
	}
	tp_send(tp_seq, ack, TCP_FLAG_ACK, NULL, 0);
	tp_nsack = 0;
}

static void sack1(uint32_t ack, uint32_t l, uint32_t r)
{
	sack_n(ack, 1, &l, &r);
}

/* The runs are sorted, touch, and cover [snd_una, snd_max) exactly. */
static bool sb_consistent(const struct tcp_conn *c)
{
	if (c->nsb > TCP_SB_MAX)
		return false;
	if (c->nsb == 0)
		return true;
	if (c->sb[0].left != c->snd_una ||
	    c->sb[c->nsb - 1].right != c->snd_max)
		return false;
	for (unsigned i = 0; i < c->nsb; i++) {
		if (!seq_lt(c->sb[i].left, c->sb[i].right))
			return false;
		if (i > 0 && c->sb[i - 1].right != c->sb[i].left)
			return false;
	}
	return true;
}

static bool handshake_sack(void)
{
	tp_pport++;
	tp_sackp = true;
	return tp_handshake() && conn->sack_ok;
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_conn *c;
	static uint64_t rto0;
	static unsigned k;

	SCRIPT_BEGIN
	/* Send times are microseconds modulo 2^32, compared by difference:
	 * start past 2^31 us, where a stamp taken against a zero reference
	 * once froze every send time at 0 and RACK never fired. */
	fake_mono += 3000 * TCP_S;
	WAIT(1);
	CHECK("the microsecond clock is past 2^31", tcp_now_us() > 1u << 31);
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);

	/* ---- a lost retransmission, found by RACK ------------------------ */
	CHECK("handshake with SACK", handshake_sack());
	c = conn;
	CHECK("queue 20 segments", tcp_send(c, data, 20 * MSS) == 20 * MSS);
	net_tx_flush_now();
	CHECK("10 out (initial window)", c->snd_max == S(10));
	WAIT(1);
	/* S1 lost; S2..S4 SACKed: DupThresh segments, RACK marks S1. */
	fakenet_clear();
	tp_data(S(1), NULL, 0);
	sack1(S(1), S(2), S(3));
	sack1(S(1), S(2), S(4));
	sack1(S(1), S(2), S(5));
	CHECK("S1 lost and resent", c->in_recovery && sent_at(S(1)) == 1);
	/* That retransmission is lost too. The rest of the flight is
	 * SACKed as it arrives: PRR lets new data out, sent after the
	 * retransmission, and its SACK shows the retransmission lost. */
	for (k = 0; k < 4 && sent_at(S(1)) < 2; k++) {
		WAIT(1);
		sack1(S(1), S(2), c->snd_max);
	}
	CHECKF(sent_at(S(1)) == 2 && tcp_stats.rto_expiries == 0 &&
		       tcp_stats.loss_probes == 0,
	       "data sent after the lost retransmission SACKed: S1 resent "
	       "again at once, no RTO, no probe (%u SACKs)",
	       k);
	tp_data(c->snd_max, NULL, 0);
	CHECK("all acknowledged: recovery over, scoreboard empty",
	      !c->in_recovery && c->nsb == 0 && tcp_stats.rto_expiries == 0);
	tcp_abort(c);
	WAIT(1);

	/* ---- a lost tail, probed ----------------------------------------- */
	tcp_stats.loss_probes = 0;
	CHECK("handshake with SACK", handshake_sack());
	c = conn;
	CHECK("queue 10 segments", tcp_send(c, data, 10 * MSS) == 10 * MSS);
	net_tx_flush_now();
	WAIT(1);
	/* S8 and S9 lost: the ACK stops at S8 and nothing SACKs them. */
	tp_data(S(8), NULL, 0);
	fakenet_clear();
	CHECKF(c->srtt_us > 0 && c->srtt_us < 5000, "an RTT sample (%u us)",
	       c->srtt_us);
	WAIT(15);
	CHECKF(tcp_stats.loss_probes == 1 && tp_nsegs() == 1 &&
		       sent_at(S(9)) == 1 && tcp_stats.rto_expiries == 0,
	       "after 2 SRTT (at least 10 ms) one probe, the last segment "
	       "again (%u segments)",
	       tp_nsegs());
	fakenet_clear();
	WAIT(1);
	sack1(S(8), S(9), S(10));
	WAIT(2);
	CHECK("its SACK shows S8 lost: resent, no RTO",
	      sent_at(S(8)) == 1 && tcp_stats.rto_expiries == 0);
	tp_data(S(10), NULL, 0);
	CHECK("all acknowledged, no RTO", c->snd_una == S(10) && c->nsb == 0 &&
						  tcp_stats.rto_expiries == 0);
	tcp_abort(c);
	WAIT(1);

	/* ---- a SACKed segment's RTT ends the backoff ----------------------
	 */
	CHECK("handshake with SACK", handshake_sack());
	c = conn;
	CHECK("one segment", tcp_send(c, data, MSS) == MSS);
	net_tx_flush_now();
	for (k = 0; k < 40 && tcp_stats.rto_expiries < 2; k++)
		WAIT(100);
	CHECKF(c->rto_ns >= 4 * TCP_RTO_MIN, "two RTOs: backed off (%llu ms)",
	       (unsigned long long)(c->rto_ns / TCP_MS));
	rto0 = c->rto_ns;
	tp_data(S(1), NULL, 0);
	CHECK("the resent segment's ACK: Karn, no sample, still backed off",
	      c->rto_ns == rto0);
	CHECK("two more", tcp_send(c, data, 2 * MSS) == 2 * MSS);
	net_tx_flush_now();
	WAIT(3);
	sack1(S(1), S(2), S(3));
	CHECKF(c->rto_ns < rto0,
	       "the second SACKed (sent once) gives a sample though the "
	       "first is not acknowledged: RTO %llu ms",
	       (unsigned long long)(c->rto_ns / TCP_MS));
	tcp_abort(c);
	WAIT(1);

	/* ---- the scoreboard's bound ------------------------------------- */
	CHECK("handshake with SACK", handshake_sack());
	c = conn;
	c->cwnd = 64 * MSS; /* as if grown */
	CHECK("queue 44 segments", tcp_send(c, data, 44 * MSS) == 44 * MSS);
	net_tx_flush_now();
	CHECK("all out", c->snd_max == S(44));
	WAIT(1);
	{
		bool ok = true;
		unsigned most = 0;
		/* Every other segment SACKed, one block each, newest first:
		 * 22 SACKed runs between 22 holes. */
		for (unsigned i = 1; i < 44; i += 2) {
			uint32_t lb[4], rb[4];
			unsigned n = 0;
			for (int j = (int)i; j >= 1 && n < 4; j -= 2, n++) {
				lb[n] = S(j);
				rb[n] = S(j + 1);
			}
			sack_n(S(0), n, lb, rb);
			ok = ok && sb_consistent(c);
			if (c->nsb > most)
				most = c->nsb;
		}
		CHECKF(ok && most <= TCP_SB_MAX && tcp_stats.sb_merges > 0,
		       "fragmented by 22 SACK blocks: at most %u runs (%u), "
		       "merged %" PRIu64 " times, always consistent",
		       TCP_SB_MAX, most, tcp_stats.sb_merges);
	}
	CHECKF(tcp_sb_pipe(c) + tcp_sack_bytes(c) + tcp_sb_lost_bytes(c) ==
		       c->snd_max - c->snd_una,
	       "pipe + SACKed + lost = outstanding (%u + %u + %u)",
	       tcp_sb_pipe(c), tcp_sack_bytes(c), tcp_sb_lost_bytes(c));
	tp_data(c->snd_max, NULL, 0);
	CHECK("acknowledged: empty", c->nsb == 0 && sb_consistent(c));
	tcp_abort(c);
	tcp_listener_close(l);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
