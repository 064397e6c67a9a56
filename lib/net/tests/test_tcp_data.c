/*
 * TCP data transfer against a crafted peer (test_tcp_peer.h): path MTU
 * discovery, RFC 5961 ACK acceptability for data, data on half-closed
 * connections, tcp_send_static by reference, Nagle on and off, `writable`
 * after a short send, and receive back-pressure through the window.
 */
#include "test_tcp_peer.h"

#define MSS 1460u

static uint8_t data[70000];
static uint8_t sdata[3000]; /* "image-lifetime" bytes for tcp_send_static */

#define S(i) (tp_isn + 1 + (uint32_t)(i)*MSS)

/* Byte x of the peer's stream in the back-pressure test. */
static uint8_t pat(uint32_t x)
{
	return (uint8_t)(x * 13 + x / 251);
}

static bool stream_ok(const char *p, size_t n)
{
	for (size_t x = 0; x < n; x++)
		if ((uint8_t)p[x] != pat((uint32_t)x))
			return false;
	return true;
}

static bool seg_is(unsigned i, uint32_t seq, uint32_t len)
{
	struct tcp_hdr h;

	return tp_seg(i, &h) && h.seq == seq && h.payload.len == len;
}

static bool seg_data(unsigned i, const void *p, size_t len)
{
	struct tcp_hdr h;

	return tp_seg(i, &h) && h.payload.len == len &&
	       memcmp(h.payload.p, p, len) == 0;
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c;
	static uint32_t fin, edge, total;
	static unsigned i;
	static bool ok;

	SCRIPT_BEGIN
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + i / 251);
	for (i = 0; i < sizeof sdata; i++)
		sdata[i] = (uint8_t)('a' + i % 26);

	/* ---- PMTUD (RFC 1191) -------------------------------------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	tcp_send(c, data, 2 * MSS);
	net_tx_flush_now();
	CHECK("two full segments in flight", tp_nsegs() == 2);
	tp_icmp_unreach(ICMP_UNREACH_FRAG_NEEDED, 1000, S(0) - 5000);
	CHECK("fragmentation needed quoting a seq not in flight: ignored",
	      c->mss == MSS && tcp_stats.pmtu_lowered == 0 &&
		      tcp_stats.icmp_ignored == 1);
	tp_icmp_unreach(ICMP_UNREACH_FRAG_NEEDED, 1500, S(1));
	CHECK("fragmentation needed with an MTU no lower: ignored",
	      c->mss == MSS && tcp_stats.icmp_ignored == 2);
	fakenet_clear(); /* the ICMP quotes the segment remembered above */
	tp_icmp_unreach(ICMP_UNREACH_FRAG_NEEDED, 1000, S(1));
	CHECK("fragmentation needed for data in flight: MSS = MTU - 40",
	      c->mss == 960 && tcp_stats.pmtu_lowered == 1);
	for (ok = tp_nsegs() == 4, i = 0; i < 3; i++)
		ok = ok && seg_is(i, S(0) + i * 960, 960);
	CHECK("what was in flight is resent at once in 960-byte pieces",
	      ok && seg_is(3, S(0) + 3 * 960, 2 * MSS - 3 * 960));
	tp_data(S(2), NULL, 0);
	CHECK("all acknowledged", c->snd_una == S(2));
	tcp_abort(c);
	WAIT(1);

	/* ---- RFC 5961 5.2: ACK acceptability of data segments --------------
	 */
	nclosed = 0;
	fakenet_clear();
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	tp_send(tp_seq, tp_isn + 1 - 70000, TCP_FLAG_ACK, "old", 3);
	CHECK("data with an ACK older than SND.UNA - MAX.SND.WND: dropped, "
	      "challenge ACK",
	      rcvd == 0 && tcp_stats.challenge_acks == 1 && tp_last(&h) &&
		      h.ack == tp_seq && h.seq == tp_isn + 1);
	tp_send(tp_seq, tp_isn + 5000, TCP_FLAG_ACK, "new", 3);
	CHECK("data acknowledging what was never sent: dropped, ACKed",
	      rcvd == 0 && nclosed == 0);
	tp_send(tp_seq, tp_isn + 1 - 1000, TCP_FLAG_ACK, "abc", 3);
	tp_seq += 3;
	CHECK("data with an old ACK inside MAX.SND.WND: accepted",
	      rcvd == 3 && memcmp(rbuf, "abc", 3) == 0 && nclosed == 0);
	tcp_abort(c);
	WAIT(1);
	tcp_listener_close(l);

	/* ---- half-closed: the peer's FIN, we go on sending ----------------
	 */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	eof_keep = true;
	tp_data(tp_isn + 1, "req", 3);
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	tp_seq++;
	CHECK("peer FIN: data then eof, CLOSE-WAIT",
	      rcvd == 3 && neof == 1 && c->state == TCP_CLOSE_WAIT);
	fakenet_clear();
	CHECK("we may still send", tcp_send(c, "reply", 5) == 5);
	net_tx_flush_now();
	CHECK("sent in CLOSE-WAIT", tp_nsegs() == 1 &&
					    seg_data(0, "reply", 5) &&
					    tp_last(&h) && h.ack == tp_seq);
	tp_data(tp_isn + 6, NULL, 0);
	tcp_close(c);
	net_tx_flush_now();
	CHECK("then tcp_close: FIN, LAST-ACK",
	      tp_last(&h) && (h.flags & TCP_FLAG_FIN) && h.seq == tp_isn + 6 &&
		      c->state == TCP_LAST_ACK);
	tp_data(tp_isn + 7, NULL, 0);
	WAIT(1);
	CHECK("closed(NORMAL)", nclosed == 1 && why == TCP_CLOSED_NORMAL);

	/* ---- half-closed: our FIN, the peer goes on sending ---------------
	 */
	nclosed = neof = 0;
	rcvd = 0;
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	tcp_shutdown(c);
	net_tx_flush_now();
	CHECK("shutdown: FIN, FIN-WAIT-1", tp_last(&h) &&
						   (h.flags & TCP_FLAG_FIN) &&
						   c->state == TCP_FIN_WAIT_1);
	fin = h.seq;
	CHECK("no sending after shutdown", tcp_send(c, "x", 1) == -EPIPE);
	tp_data(fin + 1, NULL, 0);
	CHECK("FIN acknowledged: FIN-WAIT-2", c->state == TCP_FIN_WAIT_2);
	tp_data(fin + 1, "more", 4);
	tp_data(fin + 1, "data", 4);
	WAIT(0);
	CHECK("data after our FIN is delivered and ACKed",
	      rcvd == 8 && memcmp(rbuf, "moredata", 8) == 0 && tp_last(&h) &&
		      h.ack == tp_seq);
	tp_send(tp_seq, fin + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	tp_seq++;
	WAIT(1);
	CHECK("the peer's FIN: eof, TIME-WAIT, closed(NORMAL) once",
	      neof == 1 && nclosed == 1 && why == TCP_CLOSED_NORMAL &&
		      tp_conn() && tp_conn()->state == TCP_TIME_WAIT);
	tcp_listener_close(l);

	/* ---- tcp_send_static: sent and resent from the caller's memory -----
	 */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	CHECK("tcp_send_static takes all",
	      tcp_send_static(c, sdata, sizeof sdata) == (ssize_t)sizeof sdata);
	net_tx_flush_now();
	CHECK("no copy: no send chunk taken", c->nchunks == 0);
	CHECK("sent: 1460 + 1460 + 80",
	      tp_nsegs() == 3 && seg_data(0, sdata, MSS) &&
		      seg_data(1, sdata + MSS, MSS) &&
		      seg_data(2, sdata + 2 * MSS, 80));
	tp_data(S(1), NULL, 0);
	sdata[MSS] = 'Z'; /* show that the stack reads the original memory */
	fakenet_clear();
	WAIT(TCP_RTO_MIN / TCP_MS + 1);
	CHECK("the retransmission reads the referenced bytes again",
	      tp_nsegs() >= 1 && seg_is(0, S(1), MSS) && tp_seg(0, &h) &&
		      h.payload.p[0] == 'Z' &&
		      memcmp(h.payload.p + 1, sdata + MSS + 1, MSS - 1) == 0);
	tp_data(tp_isn + 1 + sizeof sdata, NULL, 0);

	/* ---- Nagle
	 * ------------------------------------------------------------ */
	fakenet_clear();
	tcp_send(c, "a", 1);
	tcp_send(c, "b", 1);
	tcp_send(c, "c", 1);
	net_tx_flush_now();
	CHECK("nodelay (the default): three small segments at once",
	      tp_nsegs() == 3 && seg_data(2, "c", 1));
	tp_data(tp_isn + 1 + sizeof sdata + 3, NULL, 0);
	fakenet_clear();
	tcp_set_nodelay(c, false);
	tcp_send(c, "0", 1);
	tcp_send(c, "AB", 2);
	tcp_send_static(c, "xyz", 3);
	tcp_send(c, "CD", 2);
	net_tx_flush_now();
	CHECK("Nagle: the first small segment goes, the rest waits",
	      tp_nsegs() == 1 && seg_data(0, "0", 1));
	fakenet_clear();
	tp_data(tp_isn + 1 + sizeof sdata + 4, NULL, 0);
	CHECK("Nagle: once it is acknowledged, copies and references go as "
	      "one segment, in order",
	      tp_nsegs() == 1 && seg_data(0, "ABxyzCD", 7));
	tcp_abort(c);
	WAIT(1);

	/* ---- writable after a short send
	 * -------------------------------------- */
	fakenet_clear();
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	CHECK("a short send takes the buffer's 64 KiB",
	      tcp_send(c, data, sizeof data) == TCP_SND_BUF);
	CHECK("room 0", tcp_send_room(c) == 0 && tcp_send(c, data, 1) == 0);
	tp_data(S(5), NULL, 0);
	tp_data(S(10), NULL, 0);
	CHECK("no writable for less than a quarter of the buffer",
	      nwritable == 0);
	tp_data(S(12), NULL, 0);
	CHECK("writable once a quarter is free",
	      nwritable == 1 && tcp_send_room(c) >= TCP_SND_BUF / 4);
	tp_data(S(14), NULL, 0);
	CHECK("writable once per short send", nwritable == 1);
	tcp_abort(c);
	WAIT(1);
	tcp_listener_close(l);

	/* ---- receive back-pressure
	 * -------------------------------------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_ws = 2;
	CHECK("handshake", tp_handshake());
	c = conn;
	consume_max = 0;       /* the appliance takes nothing for now */
	edge = tp_seq + 65535; /* the SYN-ACK's window */
	total = 0;
	for (;;) {
		if (tp_last(&h) &&
		    seq_gt(h.ack + ((uint32_t)h.window << 7), edge))
			edge = h.ack + ((uint32_t)h.window << 7);
		if (!seq_lt(tp_seq, edge)) {
			/* at the edge the peer waits for an ACK */
			WAIT(TCP_DACK_NS / TCP_MS + 1);
			if (tp_last(&h) &&
			    seq_gt(h.ack + ((uint32_t)h.window << 7), edge))
				continue;
			break;
		}
		i = edge - tp_seq < MSS ? edge - tp_seq : MSS;
		for (uint32_t k = 0; k < i; k++)
			data[k] = pat(total + k);
		fakenet_clear();
		tp_data(tp_isn + 1, data, i);
		total += i;
	}
	CHECKF(total > TCP_RCV_BUF - MSS && total <= TCP_RCV_BUF,
	       "the peer filled our 256 KiB window (%u bytes)", total);
	CHECK("window 0 advertised, everything acknowledged",
	      tp_last(&h) && h.window == 0 && h.ack == tp_seq);
	CHECK("nothing consumed yet", rcvd == 0 && c->paused);
	fakenet_clear();
	tp_data(tp_isn + 1, "x", 1);
	CHECK("a byte into the zero window is dropped and ACKed",
	      tp_last(&h) && h.ack == tp_seq - 1 && h.window == 0);
	tp_seq--;
	fakenet_clear();
	consume_max = 1000;
	tcp_recv_resume(c);
	CHECK("resume is deferred, never inside the call", rcvd == 0);
	WAIT(1);
	CHECK("resumed: 1000 bytes taken, paused again",
	      rcvd == 1000 && c->paused);
	CHECK("less than an MSS freed: no window update (SWS avoidance)",
	      tp_nsegs() == 0);
	consume_max = (size_t)-1;
	tcp_recv_resume(c);
	WAIT(1);
	CHECK("resumed: the rest delivered", rcvd == total && !c->paused);
	CHECK("in order, nothing twice", stream_ok(rbuf, sizeof rbuf));
	CHECK("a window update reopens the window",
	      tp_last(&h) && h.flags == TCP_FLAG_ACK &&
		      ((uint32_t)h.window << 7) == TCP_RCV_BUF);
	tcp_abort(c);
	tcp_listener_close(l);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
