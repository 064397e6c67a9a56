/*
 * TCP against crafted segments: a peer at 10.0.0.1 (fakenet.h) sends
 * segments built with the codec, and what our TCP answers is read back
 * from the fake device. The loop runs on the fake clock.
 */
#include <stdio.h>
#include <string.h>

#include <kiln/loop.h>
#include <kiln/tcp.h>

#include "fakenet.h"
#include "fakeplat.h"
#include "tcp_int.h"

#define PPORT 40000
#define LPORT 80

static uint32_t peer_seq;      /* next sequence number the peer sends */
static bool fakenet_queue_tcp; /* send_seg queues for one batch */
static uint32_t our_isn;

static void send_seg(uint32_t seq, uint32_t ack, uint16_t flags,
		     const void *data, size_t len, bool syn_opts)
{
	static uint8_t page[NETBUF_SIZE], frame[2048];
	struct netbuf nb = {.buf = page};
	struct tcp_hdr h;
	struct mview m;

	netbuf_reset(&nb);
	if (len &&
	    (!netbuf_put(&nb, len, &m) || !mview_copy_in(m, 0, data, len)))
		return;
	memset(&h, 0, sizeof h);
	h.sport = PPORT;
	h.dport = LPORT;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.window = 65535;
	if (syn_opts) {
		h.opts.has_mss = true;
		h.opts.mss = 1460;
		h.opts.has_ws = true;
		h.opts.ws = 2;
	}
	if (tcp_prepend(&h, FAKENET_PEER, FAKENET_US, &nb) != 0)
		return;
	size_t n = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, 6, 1, false, 0,
				nb.data, nb.len);
	if (fakenet_queue_tcp)
		fakenet_queue(frame, n);
	else
		fakenet_inject(frame, n);
}

/* The last TCP segment we sent; false when there is none. */
static bool last_seg(struct tcp_hdr *out)
{
	for (unsigned i = fakenet_nsent; i-- > 0;) {
		struct eth_hdr eth;
		struct ipv4_hdr ip;
		if (!fakenet_sent_ipv4(i, &eth, &ip) || ip.proto != 6)
			continue;
		return tcp_parse(ip.payload, ip.src, ip.dst, out) ==
		       NET_DROP_NONE;
	}
	return false;
}

static unsigned tcp_sent(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < fakenet_nsent; i++) {
		struct eth_hdr eth;
		struct ipv4_hdr ip;
		if (fakenet_sent_ipv4(i, &eth, &ip) && ip.proto == 6)
			n++;
	}
	return n;
}

/*
 * The checks run as one script inside the loop (loop_stop would drop the
 * connections' timers): WAIT(ms) returns to the loop and resumes the
 * script ms later, protothread style; the script's variables are static.
 */
static struct loop_timer script_t;
static int script_pc;
#define SCRIPT_BEGIN                                                           \
	switch (script_pc) {                                                   \
	case 0:
#define WAIT(ms)                                                               \
	do {                                                                   \
		script_pc = __LINE__;                                          \
		loop_timer_arm_in(&script_t, (uint64_t)(ms)*TCP_MS);           \
		return;                                                        \
	case __LINE__:                                                         \
		net_tx_flush_now();                                            \
	} while (0)
#define SCRIPT_END }

/* ---- the appliance side ------------------------------------------------- */

static struct tcp_conn *conn;
static size_t rcvd;
static char rbuf[8192];
static int nclosed;
static enum tcp_close_reason why;

static size_t on_recv(struct tcp_conn *c, struct view v, void *arg)
{
	if (rcvd + v.len <= sizeof rbuf)
		memcpy(rbuf + rcvd, v.p, v.len);
	rcvd += v.len;
	return v.len;
}
static void on_closed(struct tcp_conn *c, enum tcp_close_reason w, void *arg)
{
	nclosed++;
	why = w;
	conn = NULL;
}
static const struct tcp_callbacks cbs = {.recv = on_recv, .closed = on_closed};
static void on_accept(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	conn = c;
	tcp_set_callbacks(c, &cbs, NULL);
}

static void setup(void)
{
	uint8_t f[128];

	fakenet_setup(FAKENET_US, 24, 0, false);
	fakenet_inject(f, fakenet_arp(f, 1, &fakenet_peer_mac, FAKENET_PEER,
				      FAKENET_US));
	fakenet_clear();
	conn = NULL;
	rcvd = 0;
	nclosed = 0;
}

/* A passive open completed: conn set, peer_seq/our_isn known. */
static bool handshake(void)
{
	struct tcp_hdr h;

	peer_seq = 1000;
	fakenet_clear();
	send_seg(peer_seq, 0, TCP_FLAG_SYN, NULL, 0, true);
	if (!last_seg(&h) || h.flags != (TCP_FLAG_SYN | TCP_FLAG_ACK))
		return false;
	our_isn = h.seq;
	peer_seq++;
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK, NULL, 0, false);
	return conn != NULL;
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static bool got;
	static size_t before;
	static uint64_t chal;
	static uint32_t fin;
	static char big[1460];

	SCRIPT_BEGIN
	setup();
	send_seg(5000, 0, TCP_FLAG_SYN, NULL, 0, true);
	CHECK("closed port: SYN draws RST+ACK",
	      last_seg(&h) && h.flags == (TCP_FLAG_RST | TCP_FLAG_ACK) &&
		      h.seq == 0 && h.ack == 5001);
	fakenet_clear();
	send_seg(5000, 777, TCP_FLAG_ACK, "x", 1, false);
	CHECK("closed port: ACK draws RST with seq = its ack",
	      last_seg(&h) && h.flags == TCP_FLAG_RST && h.seq == 777);
	fakenet_clear();
	send_seg(5000, 777, TCP_FLAG_RST, NULL, 0, false);
	CHECK("closed port: RST draws nothing", tcp_sent() == 0);

	setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	peer_seq = 1000;
	send_seg(peer_seq, 0, TCP_FLAG_SYN, NULL, 0, true);
	got = last_seg(&h);
	CHECK("SYN-ACK sent",
	      got && h.flags == (TCP_FLAG_SYN | TCP_FLAG_ACK) && h.ack == 1001);
	CHECK("SYN-ACK: MSS 1460 and window scale offered",
	      got && h.opts.has_mss && h.opts.mss == 1460 && h.opts.has_ws &&
		      h.opts.ws == TCP_WSCALE);
	our_isn = h.seq;
	peer_seq++;
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK, NULL, 0, false);
	WAIT(1);
	CHECK("accepted", conn != NULL);

	/* One small segment: the ACK is delayed, by at most 40 ms. */
	fakenet_clear();
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK | TCP_FLAG_PSH, "hello", 5,
		 false);
	peer_seq += 5;
	CHECK("data delivered", rcvd == 5 && memcmp(rbuf, "hello", 5) == 0);
	CHECK("ACK delayed", tcp_sent() == 0);
	WAIT(30);
	CHECK("no ACK before 40 ms", tcp_sent() == 0);
	WAIT(15);
	CHECK("delayed ACK after 40 ms",
	      last_seg(&h) && h.ack == peer_seq && h.flags == TCP_FLAG_ACK);

	/* Two segments: ACK at once, at the end of the receive batch
	 * (the loop pass). */
	fakenet_clear();
	memset(big, 'b', sizeof big);
	fakenet_queue_tcp = true;
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK, big, sizeof big, false);
	peer_seq += sizeof big;
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK, big, sizeof big, false);
	peer_seq += sizeof big;
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK, big, sizeof big, false);
	peer_seq += sizeof big;
	fakenet_queue_tcp = false;
	fakenet_inject_batch();
	CHECK("three full segments in one batch: no ACK inside the batch",
	      tcp_sent() == 0);
	WAIT(0);
	CHECK("one ACK for the batch, at the end of the loop pass",
	      tcp_sent() == 1 && last_seg(&h) && h.ack == peer_seq);

	/* Out of order: a duplicate ACK at once; the gap filled: ACK all. */
	fakenet_clear();
	send_seg(peer_seq + 100, our_isn + 1, TCP_FLAG_ACK, big, 100, false);
	CHECK("out-of-order segment: immediate duplicate ACK",
	      last_seg(&h) && h.ack == peer_seq);
	before = rcvd;
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK, big, 100, false);
	peer_seq += 200;
	CHECK("gap filled: both delivered, ACK covers both",
	      rcvd == before + 200 && last_seg(&h) && h.ack == peer_seq);

	/* RFC 5961: blind RST in window but not exact: challenge ACK. */
	fakenet_clear();
	chal = tcp_stats.challenge_acks;
	send_seg(peer_seq + 10, 0, TCP_FLAG_RST, NULL, 0, false);
	WAIT(1);
	CHECK("in-window inexact RST: challenge ACK, connection lives",
	      tcp_stats.challenge_acks == chal + 1 && nclosed == 0 &&
		      last_seg(&h) && h.flags == TCP_FLAG_ACK &&
		      h.ack == peer_seq);
	fakenet_clear();
	send_seg(peer_seq + 50, 0, TCP_FLAG_SYN, NULL, 0, true);
	WAIT(1);
	CHECK("SYN on an established connection: challenge ACK",
	      tcp_stats.challenge_acks == chal + 2 && nclosed == 0 &&
		      last_seg(&h) && h.ack == peer_seq);
	fakenet_clear();
	send_seg(peer_seq + 1000000, 0, TCP_FLAG_RST, NULL, 0, false);
	WAIT(1);
	CHECK("out-of-window RST ignored", nclosed == 0 && tcp_sent() == 0);
	send_seg(peer_seq, 0, TCP_FLAG_RST, NULL, 0, false);
	WAIT(1);
	CHECK("exact RST resets: closed(RESET) once",
	      nclosed == 1 && why == TCP_CLOSED_RESET);
	WAIT(10);
	CHECK("closed only once", nclosed == 1);
	tcp_listener_close(l);

	setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", handshake());
	/* Peer closes first: eof -> default tcp_close -> our FIN. */
	fakenet_clear();
	send_seg(peer_seq, our_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0,
		 false);
	peer_seq++;
	WAIT(1);
	CHECK("peer FIN: we ACK it and send our FIN (LAST-ACK)",
	      last_seg(&h) && (h.flags & TCP_FLAG_FIN) && h.ack == peer_seq);
	fin = h.seq;
	CHECK("not closed before our FIN is acked", nclosed == 0);
	send_seg(peer_seq, fin + 1, TCP_FLAG_ACK, NULL, 0, false);
	WAIT(1);
	CHECK("FIN acked: closed(NORMAL)",
	      nclosed == 1 && why == TCP_CLOSED_NORMAL);
	CHECK("no connection left", tcp_conn_count() == 0);

	/* We close first: FIN-WAIT, then the peer's FIN: TIME-WAIT. */
	nclosed = 0;
	CHECK("handshake 2", handshake());
	fakenet_clear();
	tcp_close(conn);
	WAIT(1);
	CHECK("tcp_close sends FIN", last_seg(&h) && (h.flags & TCP_FLAG_FIN));
	fin = h.seq;
	send_seg(peer_seq, fin + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0,
		 false);
	peer_seq++;
	WAIT(1);
	CHECK("peer FIN+ACK: ACKed, closed(NORMAL)",
	      last_seg(&h) && h.ack == peer_seq && nclosed == 1 &&
		      why == TCP_CLOSED_NORMAL);
	CHECK("TIME-WAIT keeps the entry", tcp_conn_count() == 1);
	fakenet_clear();
	send_seg(peer_seq - 1, fin + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0,
		 false);
	CHECK("TIME-WAIT: a retransmitted FIN is ACKed again",
	      last_seg(&h) && h.ack == peer_seq);
	fakenet_clear();
	send_seg(peer_seq, fin + 1, TCP_FLAG_RST, NULL, 0, false);
	send_seg(peer_seq, fin + 1, TCP_FLAG_RST | TCP_FLAG_ACK, NULL, 0,
		 false);
	CHECK("TIME-WAIT ignores RSTs, even at RCV.NXT (RFC 1337): kept, "
	      "nothing sent",
	      tcp_conn_count() == 1 && !last_seg(&h));
	WAIT(TCP_TIMEWAIT_NS / TCP_MS + 1000);
	{ /* the ARP entry has expired meanwhile: the peer asks again */
		uint8_t f[128];
		fakenet_inject(f, fakenet_arp(f, 1, &fakenet_peer_mac,
					      FAKENET_PEER, FAKENET_US));
	}
	fakenet_clear();
	send_seg(peer_seq, fin + 1, TCP_FLAG_ACK, NULL, 0, false);
	CHECK("after 2*MSL the entry is gone (segment draws RST)",
	      tcp_conn_count() == 0 && last_seg(&h) &&
		      (h.flags & TCP_FLAG_RST));
	tcp_listener_close(l);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	loop_timer_init(&script_t, script, NULL);
	loop_timer_arm_in(&script_t, 0);
	(void)loop_run(0);
	net_reset();
	return fake_done();
}
