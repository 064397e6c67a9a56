/*
 * TCP findings from runs against Linux, each against a crafted peer
 * (test_tcp_peer.h): bursts bounded per tcp_output call (TCP_TX_BURST) with
 * the rest after the loop has had a turn, cwnd growth only while cwnd is
 * used (RFC 7661), a RST at RCV.NXT - 1 after the peer's FIN (as Linux sends
 * it), a right edge that never moves left under window scaling (RFC 1122
 * 4.2.2.16), the ACK of a segment at RCV.NXT taken while our window is zero
 * (RFC 9293 3.10.7.4), and TCP's counters in net_stats_log.
 */
#include <kiln/log.h>

#include "test_tcp_peer.h"

#define MSS 1460u

static uint8_t data[70000];
static uint8_t big[1u << 20]; /* "image-lifetime" bytes, sent by reference */

/* Our receive window's right edge as the peer sees it, and whether an ACK
 * ever moved it left. */
static uint32_t edge;
static bool shrunk;

static void note_edges(void)
{
	struct tcp_hdr h;

	for (unsigned i = 0; tp_seg(i, &h); i++) {
		uint32_t e = h.ack + ((uint32_t)h.window << TCP_WSCALE);
		if (seq_lt(e, edge))
			shrunk = true;
		else
			edge = e;
	}
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c;
	static uint32_t next, total, fin, cw0, n;
	static unsigned i, passes, most;
	static bool ok;

	SCRIPT_BEGIN
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + i / 251);
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + i / 509);

	/* ---- bursts: at most TCP_TX_BURST segments per tcp_output -------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_ws = 14; /* a 1 GiB window, as Linux offers a fast receiver */
	CHECK("handshake", tp_handshake());
	c = conn;
	c->cwnd = 4u << 20; /* as after a long slow start without loss */
	fakenet_clear();
	CHECK("1 MiB queued by reference",
	      tcp_send_static(c, big, sizeof big) == (ssize_t)sizeof big);
	net_tx_flush_now();
	CHECKF(tp_nsegs() == TCP_TX_BURST && fakenet_lost == 0,
	       "one call sends %u segments, not the window's worth (%u, %lu "
	       "past the fake device)",
	       TCP_TX_BURST, tp_nsegs(), fakenet_lost);
	next = tp_isn + 1 + tp_bytes_sent();
	passes = 1;
	most = tp_nsegs();
	ok = true;
	while (seq_lt(next, tp_isn + 1 + sizeof big) && passes < 100) {
		fakenet_clear();
		WAIT(0);
		passes++;
		if (tp_nsegs() > most)
			most = tp_nsegs();
		for (i = 0; tp_seg(i, &h); i++) {
			ok = ok && h.seq == next;
			next += (uint32_t)h.payload.len;
		}
		if (tp_nsegs() == 0)
			break;
	}
	CHECKF(next == tp_isn + 1 + sizeof big && ok,
	       "the rest follows in order, one burst per loop pass (%u bytes "
	       "in %u passes)",
	       next - tp_isn - 1, passes);
	CHECKF(most <= TCP_TX_BURST &&
		       passes == (719 + TCP_TX_BURST - 1) / TCP_TX_BURST,
	       "at most %u segments in any pass (%u)", TCP_TX_BURST, most);
	tcp_abort(c);
	WAIT(1);

	/* A RST arriving between two bursts ends the connection before the
	 * next one. */
	nclosed = 0;
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	c->cwnd = 4u << 20;
	tcp_send_static(c, big, sizeof big);
	net_tx_flush_now();
	tp_send(tp_seq, 0, TCP_FLAG_RST, NULL, 0);
	fakenet_clear();
	WAIT(1);
	CHECK("a RST read between bursts: reset, the rest never sent",
	      nclosed == 1 && why == TCP_CLOSED_RESET && tp_nsegs() == 0);
	tcp_listener_close(l);

	/* ---- cwnd grows only while it is used (RFC 7661) ---------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	cw0 = c->cwnd;
	next = tp_isn + 1;
	for (i = 0; i < 100; i++) {
		tcp_send(c, data, 1000);
		net_tx_flush_now();
		next += 1000;
		tp_data(next, NULL, 0);
	}
	CHECKF(c->snd_una == next && c->cwnd == cw0,
	       "an application-limited sender (1000 bytes per RTT): cwnd "
	       "stays %u (%u)",
	       cw0, c->cwnd);
	tcp_send(c, data, 30000);
	net_tx_flush_now();
	CHECK("a full window in flight", c->snd_nxt - c->snd_una == cw0);
	tp_data(c->snd_nxt, NULL, 0);
	CHECKF(c->cwnd > cw0, "a cwnd-limited one grows it (%u -> %u)", cw0,
	       c->cwnd);
	tcp_abort(c);
	WAIT(1);
	tcp_listener_close(l);

	/* ---- a RST at RCV.NXT - 1 after the peer's FIN (Linux's answer to
	 * segments that were in flight when it closed) --------------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	tp_data(tp_isn + 1, "req", 3);
	tp_send(tp_seq - 1, 0, TCP_FLAG_RST, NULL, 0);
	CHECK("ESTABLISHED: a RST at RCV.NXT - 1 is ignored (RFC 5961)",
	      nclosed == 0 && c->state == TCP_ESTABLISHED);
	eof_keep = true;
	tcp_send(c, data, 3000);
	net_tx_flush_now();
	CHECK("our data went out acknowledging RCV.NXT",
	      tp_last(&h) && h.ack == tp_seq);
	fin = tp_seq;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	tp_seq++;
	CHECK("the peer's FIN: CLOSE-WAIT",
	      neof == 1 && c->state == TCP_CLOSE_WAIT);
	tp_send(fin - 1, 0, TCP_FLAG_RST, NULL, 0);
	CHECK("CLOSE-WAIT: a RST at RCV.NXT - 2 is still ignored",
	      nclosed == 0 && c->state == TCP_CLOSE_WAIT);
	tp_send(fin, 0, TCP_FLAG_RST, NULL, 0); /* SEQ = our segments' ACK */
	WAIT(1);
	CHECK("CLOSE-WAIT: a RST at RCV.NXT - 1 resets the connection",
	      nclosed == 1 && why == TCP_CLOSED_RESET);

	nclosed = neof = 0;
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	fin = tp_seq++;
	tcp_send(c, data, 3000);
	tcp_close(c);
	net_tx_flush_now();
	CHECK("LAST-ACK", c->state == TCP_LAST_ACK);
	tp_send(fin, 0, TCP_FLAG_RST, NULL, 0);
	WAIT(1);
	CHECK("LAST-ACK: a RST at RCV.NXT - 1 ends the connection",
	      nclosed == 1 && !tp_conn());

	nclosed = neof = 0;
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	tcp_shutdown(c);
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	fin = tp_seq++;
	CHECK("simultaneous close: CLOSING", c->state == TCP_CLOSING);
	tp_send(fin, 0, TCP_FLAG_RST, NULL, 0);
	WAIT(1);
	CHECK("CLOSING: a RST at RCV.NXT - 1 resets the connection",
	      nclosed == 1 && why == TCP_CLOSED_RESET);
	tcp_listener_close(l);

	/* ---- the right edge never moves left; ACKs at a zero window ----- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_ws = 2;
	CHECK("handshake", tp_handshake());
	c = conn;
	consume_max = 0;       /* the appliance is paused */
	edge = tp_seq + 65535; /* the SYN-ACK's window (never scaled) */
	shrunk = false;
	total = 0;
	for (;;) {
		note_edges();
		if (!seq_lt(tp_seq, edge)) {
			/* at the edge the peer waits for an ACK */
			WAIT(TCP_DACK_NS / TCP_MS + 1);
			note_edges();
			if (seq_lt(tp_seq, edge))
				continue;
			break;
		}
		/* 1400-byte segments: RCV.NXT moves by other than the
		 * 128-byte unit of our window field */
		n = edge - tp_seq < 1400 ? edge - tp_seq : 1400;
		fakenet_clear();
		tp_data(tp_isn + 1, data, n);
		total += n;
		WAIT(0); /* the end-of-batch ACK */
	}
	CHECKF(!shrunk,
	       "the advertised right edge never moved left (%u bytes "
	       "taken into the window)",
	       total);
	CHECK("the window is full: window 0, everything acknowledged",
	      tp_last(&h) && h.window == 0 && h.ack == tp_seq);
	fakenet_clear();
	tcp_send(c, "reply", 5);
	net_tx_flush_now();
	CHECK("we send into the peer's window", tp_nsegs() == 1);
	fakenet_clear();
	tp_send(tp_seq, tp_isn + 6, TCP_FLAG_ACK, "z", 1);
	CHECK("zero window: a byte at RCV.NXT is dropped and ACKed",
	      tp_last(&h) && h.ack == tp_seq && h.window == 0);
	CHECK("zero window: but its ACK is taken (RFC 9293 3.10.7.4)",
	      c->snd_una == tp_isn + 6 && c->snd_una == c->snd_max);
	tp_send(tp_seq + 1, tp_isn + 6, TCP_FLAG_ACK, "z", 1);
	CHECK("zero window: a byte past RCV.NXT is still dropped whole",
	      tcp_stats.drop_out_of_window >= 2 && c->snd_una == tp_isn + 6);
	fakenet_clear();
	tp_send(tp_seq, tp_isn + 6, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	CHECK("zero window: a bare FIN at RCV.NXT is taken (as Linux)",
	      c->fin_rcvd && tp_last(&h) && h.ack == tp_seq + 1);
	tp_seq++;
	consume_max = (size_t)-1;
	tcp_recv_resume(c);
	WAIT(1);
	CHECKF(rcvd == total && neof == 1,
	       "resumed: every byte, then eof (%zu of %u)", rcvd, total);

	/* ---- segments below the MSS fill the whole window too ------------ */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_ws = 2;
	CHECK("handshake", tp_handshake());
	c = conn;
	consume_max = 0;
	edge = tp_seq + 65535;
	total = 0;
	for (;;) {
		note_edges();
		if (!seq_lt(tp_seq, edge)) {
			WAIT(TCP_DACK_NS / TCP_MS + 1);
			note_edges();
			if (seq_lt(tp_seq, edge))
				continue;
			break;
		}
		/* 1000 bytes: one netbuf each would need 262 for 256 KiB */
		n = edge - tp_seq < 1000 ? edge - tp_seq : 1000;
		fakenet_clear();
		tp_data(tp_isn + 1, data, n);
		total += n;
		WAIT(0);
	}
	CHECKF(tcp_stats.drop_rcv_full == 0 && tp_last(&h) && h.window == 0 &&
		       h.ack == tp_seq,
	       "1000-byte segments: the window fills, nothing in it dropped "
	       "(%u bytes, %lu dropped segments, %u buffers)",
	       total, (unsigned long)tcp_stats.drop_rcv_full, c->nbufs);
	consume_max = (size_t)-1;
	tcp_recv_resume(c);
	WAIT(1);
	CHECKF(rcvd == total && memcmp(rbuf, data, 1000) == 0,
	       "resumed: every byte delivered (%zu of %u)", rcvd, total);
	tcp_abort(c);
	WAIT(1);

	/* ---- the counters in the stack's report (SIGUSR1 on posix-direct) */
	log_set_level(LOG_INFO);
	fake_console_clear();
	net_stats_log();
	CHECK("net_stats_log reports TCP's totals",
	      fake_console_has("tcp: segs ") && fake_console_has(" accepted"));
	CHECK("and TCP's event counters that are not zero",
	      fake_console_has("tcp: rst_sent 1") &&
		      !fake_console_has("tcp: keepalive_probes"));
	tcp_listener_close(l);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
