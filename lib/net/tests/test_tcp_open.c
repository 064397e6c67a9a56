/*
 * TCP opening and closing against a crafted peer (test_tcp_peer.h):
 * window scaling both ways (RFC 7323), simultaneous open and close (RFC
 * 9293 3.5, 3.6), the connection table and backlog bounds with TIME-WAIT
 * reuse, keep-alive, and every reason `closed` can give.
 */
#include "test_tcp_peer.h"

#define MSS 1460u

static uint8_t data[16384];

/* An active open towards the peer: our SYN seen, tp_lport/tp_isn set. */
static bool tp_connect(void)
{
	struct net_addr ra = {FAKENET_PEER, tp_pport};
	struct tcp_hdr h;

	fakenet_clear();
	if (tcp_connect(&conn, &ra, &cbs, NULL) != 0)
		return false;
	net_tx_flush_now();
	if (!tp_last(&h) || h.flags != TCP_FLAG_SYN)
		return false;
	tp_lport = h.sport;
	tp_isn = h.seq;
	tp_seq = 7000;
	fakenet_clear();
	return true;
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c, *first;
	static uint32_t fin, isn1;
	static unsigned i;
	static bool ok;

	SCRIPT_BEGIN
	/* ---- window scaling -------------------------------------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_ws = 2;
	tp_win = 730; /* 2920 bytes once scaled */
	fakenet_clear();
	tp_seq = 1000;
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	CHECK("SYN-ACK offers our shift 7 to a peer that offered one",
	      tp_last(&h) && h.opts.has_ws && h.opts.ws == TCP_WSCALE);
	CHECK("SYN-ACK window is not scaled", tp_last(&h) && h.window == 65535);
	tp_isn = h.seq;
	tp_seq++;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK, NULL, 0);
	c = conn;
	CHECK("accepted", c != NULL);
	CHECK("shifts: the peer's 2, ours 7", c->snd_ws == 2 && c->rcv_ws == 7);
	CHECK("the peer's window field is scaled: 730 << 2",
	      c->snd_wnd == 730u << 2);
	fakenet_clear();
	CHECK("queue 10000", tcp_send(c, data, 10000) == 10000);
	net_tx_flush_now();
	CHECK("exactly the scaled window is sent (2 x 1460)",
	      tp_nsegs() == 2 && tp_seg(1, &h) && h.payload.len == MSS);
	CHECK("our window field is scaled by 7: 256 KiB -> 2048",
	      tp_seg(0, &h) && h.window == (TCP_RCV_BUF >> 7));
	tcp_abort(c);
	WAIT(1);

	fakenet_clear();
	tp_pport++;
	tp_ws = 15;
	tp_win = 1;
	CHECK("handshake offering shift 15", tp_handshake());
	CHECK("shift 15 is taken as 14 (RFC 7323 2.3)",
	      conn->snd_ws == 14 && conn->snd_wnd == 1u << 14);
	tcp_abort(conn);
	WAIT(1);

	tp_pport++;
	tp_ws = -1;
	tp_win = 65535;
	tp_seq = 1000;
	fakenet_clear();
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	CHECK("no window scale offered: none in the SYN-ACK",
	      tp_last(&h) && !h.opts.has_ws);
	tp_isn = h.seq;
	tp_seq++;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK, NULL, 0);
	CHECK("no scaling either way",
	      conn && conn->snd_ws == 0 && conn->rcv_ws == 0);
	fakenet_clear();
	tcp_send(conn, data, 10);
	net_tx_flush_now();
	CHECK("our window field capped at 65535 unscaled",
	      tp_last(&h) && h.window == 65535);
	tcp_abort(conn);
	WAIT(1);
	tcp_listener_close(l);

	tp_setup();
	tp_pport = 5001;
	CHECK("connect", tp_connect());
	tp_ws = 3;
	tp_win = 100;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_SYN | TCP_FLAG_ACK, NULL, 0);
	tp_seq++;
	CHECK("active open: connected",
	      nconnected == 1 && conn && conn->state == TCP_ESTABLISHED);
	CHECK("active open: the SYN-ACK's shift 3 taken, ours 7",
	      conn && conn->snd_ws == 3 && conn->rcv_ws == 7);
	tp_data(tp_isn + 1, NULL, 0);
	CHECK("active open: windows scaled from then on",
	      conn && conn->snd_wnd == 800);
	tcp_abort(conn);
	WAIT(1);

	/* ---- simultaneous open (RFC 9293 figure 8) --------------------- */
	tp_setup();
	tp_pport = 5002;
	CHECK("connect", tp_connect());
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0); /* the peer's own SYN */
	CHECK("crossing SYN: SYN-RECEIVED, our SYN-ACK",
	      conn && conn->state == TCP_SYN_RECEIVED && tp_last(&h) &&
		      h.flags == (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
		      h.seq == tp_isn && h.ack == tp_seq + 1);
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_SYN | TCP_FLAG_ACK, NULL, 0);
	tp_seq++;
	CHECK("the peer's SYN-ACK: ESTABLISHED and connected",
	      conn && conn->state == TCP_ESTABLISHED && nconnected == 1);
	tp_data(tp_isn + 1, "hi", 2);
	CHECK("data flows", rcvd == 2 && memcmp(rbuf, "hi", 2) == 0);
	tcp_abort(conn);
	WAIT(1);

	/* ---- simultaneous close ------------------------------------------ */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	tcp_close(c);
	net_tx_flush_now();
	CHECK("our FIN: FIN-WAIT-1", tp_last(&h) && (h.flags & TCP_FLAG_FIN) &&
					     c->state == TCP_FIN_WAIT_1);
	fin = h.seq;
	fakenet_clear();
	tp_send(tp_seq, fin, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	tp_seq++;
	CHECK("the peer's FIN crosses ours: CLOSING, FIN acknowledged",
	      c->state == TCP_CLOSING && tp_last(&h) && h.ack == tp_seq);
	CHECK("not closed yet", nclosed == 0);
	tp_data(fin + 1, NULL, 0);
	CHECK("our FIN acknowledged: TIME-WAIT",
	      tp_conn() && tp_conn()->state == TCP_TIME_WAIT);
	WAIT(1);
	CHECK("closed(NORMAL) once", nclosed == 1 && why == TCP_CLOSED_NORMAL);
	tcp_listener_close(l);

	/* ---- the table bound, and TIME-WAIT reuse ------------------------ */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	for (ok = true, i = 0; i < TCP_MAX_CONNS; i++) {
		tp_pport = (uint16_t)(20000 + i);
		ok = ok && tp_handshake();
		if (i == 0) {
			first = conn;
			isn1 = tp_isn;
		}
	}
	CHECK("1024 connections established", ok && tcp_conn_count() == 1024);
	tp_pport = 30000;
	tp_seq = 1000;
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	CHECK("table full: a SYN is dropped, unanswered, counted",
	      tp_nsegs() == 0 && tcp_stats.table_full == 1);
	tcp_close(first);
	net_tx_flush_now();
	tp_pport = 20000;
	tp_send(1001, isn1 + 2, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	WAIT(1);
	CHECK("one connection in TIME-WAIT, closed for the appliance",
	      tp_conn() && tp_conn()->state == TCP_TIME_WAIT &&
		      tp_conn()->app_gone && nclosed == 1);
	fakenet_clear();
	tp_pport = 30001;
	tp_seq = 1000;
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	CHECK("table full: the oldest TIME-WAIT entry makes room",
	      tp_last(&h) && h.flags == (TCP_FLAG_SYN | TCP_FLAG_ACK) &&
		      tcp_stats.timewait_reused == 1 &&
		      tcp_conn_count() == 1024);
	tp_pport = 20000;
	CHECK("the TIME-WAIT entry is gone", tp_conn() == NULL);
	tcp_listener_close(l);

	/* ---- the backlog bound: drop the oldest half-open ---------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	for (i = 0; i <= TCP_BACKLOG; i++) {
		tp_pport = (uint16_t)(20000 + i);
		tp_send(1000, 0, TCP_FLAG_SYN, NULL, 0);
		if (i == 1 && tp_last(&h))
			isn1 = h.seq;
	}
	CHECKF(l->nhalf == TCP_BACKLOG && tcp_stats.backlog_drops == 1,
	       "%u SYNs: %u half-open, the oldest dropped and counted",
	       TCP_BACKLOG + 1, TCP_BACKLOG);
	WAIT(1);
	CHECK("no callback for a connection never accepted", nclosed == 0);
	fakenet_clear();
	tp_pport = 20000;
	tp_send(1001, 12345, TCP_FLAG_ACK, NULL, 0);
	CHECK("the dropped one's ACK draws a RST",
	      tp_last(&h) && h.flags == TCP_FLAG_RST && h.seq == 12345);
	tp_pport = 20001;
	tp_lport = LPORT;
	tp_send(1001, isn1 + 1, TCP_FLAG_ACK, NULL, 0);
	CHECK("the next oldest completes and is accepted",
	      conn != NULL && l->nhalf == TCP_BACKLOG - 1);
	tcp_listener_close(l);

	/* ---- keep-alive ---------------------------------------------------
	 */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	tcp_set_keepalive(conn, 10);
	for (i = 0; i < 12 && tp_nsegs() == 0; i++)
		WAIT(1000);
	CHECK("a probe after 10 s idle: SEG.SEQ = SND.UNA - 1, no data",
	      i == 10 && tp_nsegs() == 1 && tp_last(&h) &&
		      h.flags == TCP_FLAG_ACK && h.seq == tp_isn &&
		      h.payload.len == 0 && tcp_stats.keepalive_probes == 1);
	tp_data(tp_isn + 1, NULL, 0); /* the answer */
	fakenet_clear();
	WAIT(9000);
	CHECK("answered: the next probe waits for 10 s of idleness again",
	      tp_nsegs() == 0);
	for (i = 0; i < 800 && nclosed == 0; i++) {
		tp_arp();
		WAIT(1000);
	}
	CHECKF(nclosed == 1 && why == TCP_CLOSED_TIMEOUT,
	       "unanswered: closed(TIMEOUT) after %u s", i);
	CHECK("after 9 probes 75 s apart",
	      9 + i >= 10 + 9 * 75 && 9 + i <= 10 + 9 * 75 + 2 &&
		      tcp_stats.keepalive_probes == 1 + TCP_KA_PROBES);
	tcp_listener_close(l);

	/* ---- close reasons --------------------------------------------------
	 */
	tp_setup();
	tp_pport = 5003;
	CHECK("connect", tp_connect());
	tp_send(tp_seq, 0, TCP_FLAG_RST, NULL, 0);
	tp_send(tp_seq, tp_isn + 5, TCP_FLAG_RST | TCP_FLAG_ACK, NULL, 0);
	WAIT(1);
	CHECK("SYN-SENT: RST without ACK, or acking the wrong number: ignored",
	      nclosed == 0 && conn && conn->state == TCP_SYN_SENT);
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_RST | TCP_FLAG_ACK, NULL, 0);
	CHECK("RST to our SYN: closed is deferred", nclosed == 0);
	WAIT(1);
	CHECK("RST to our SYN: closed(REFUSED)",
	      nclosed == 1 && why == TCP_CLOSED_REFUSED && nconnected == 0);

	tp_setup();
	tp_pport = 5004;
	CHECK("connect", tp_connect());
	net_tx_flush_now();
	/* tp_connect cleared the SYN: send it again to quote it. */
	fakenet_clear();
	tcp_send_syn(conn);
	net_tx_flush_now();
	tp_icmp_unreach(ICMP_UNREACH_HOST, 0, tp_isn + 77);
	WAIT(1);
	CHECK("ICMP quoting a sequence number not in flight: ignored",
	      nclosed == 0 && tcp_stats.icmp_ignored == 1);
	tp_icmp_unreach(ICMP_UNREACH_HOST, 0, tp_isn);
	WAIT(1);
	CHECK("ICMP host unreachable in SYN-SENT: closed(UNREACH)",
	      nclosed == 1 && why == TCP_CLOSED_UNREACH);

	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	tcp_abort(conn);
	net_tx_flush_now();
	CHECK("abort: RST at SND.NXT, closed deferred",
	      tp_last(&h) && h.flags == TCP_FLAG_RST && h.seq == tp_isn + 1 &&
		      nclosed == 0);
	tcp_abort(conn);
	tcp_close(conn);
	WAIT(1);
	CHECK("closed(ABORTED) exactly once",
	      nclosed == 1 && why == TCP_CLOSED_ABORTED);
	WAIT(100);
	CHECK("still once", nclosed == 1 && tcp_conn_count() == 0);
	tcp_listener_close(l);

	/* ---- RST for a closed port (RFC 9293 3.10.7.1) ---------------------
	 */
	tp_setup();
	tp_pport = 5005;
	tp_send(100, 0, TCP_FLAG_SYN | TCP_FLAG_FIN, "abc", 3);
	CHECK("no ACK: RST+ACK acknowledging SYN, data and FIN",
	      tp_last(&h) && h.flags == (TCP_FLAG_RST | TCP_FLAG_ACK) &&
		      h.seq == 0 && h.ack == 100 + 1 + 3 + 1);
	fakenet_clear();
	tp_send(100, 0xfffffff0u, TCP_FLAG_ACK | TCP_FLAG_FIN, "abc", 3);
	CHECK("with ACK: RST, SEQ = SEG.ACK, no ACK",
	      tp_last(&h) && h.flags == TCP_FLAG_RST && h.seq == 0xfffffff0u);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
