/*
 * A crafted TCP peer for the test_tcp_* unit tests: the peer (10.0.0.1 in
 * fakenet.h) sends segments built with the codec into the real stack, and
 * what our TCP answers is read back from the fake device. An appliance
 * side records what its callbacks saw. The loop runs on the fake clock.
 *
 * Each test is one script run inside the loop (loop_stop would drop the
 * connections' timers): WAIT(ms) returns to the loop and resumes the
 * script ms later, protothread style, so the script's variables must be
 * static. One script per file (SCRIPT_BEGIN/SCRIPT_END in its function).
 */
#ifndef KILN_TEST_TCP_PEER_H
#define KILN_TEST_TCP_PEER_H

#include <stdio.h>
#include <string.h>

#include <kiln/loop.h>
#include <kiln/tcp.h>

#include "fakenet.h"
#include "icmp_wire.h"
#include "fakeplat.h"
#include "tcp_int.h"

#define LPORT 80 /* our listener */

static uint16_t tp_pport = 40000; /* the peer's port */
static uint16_t tp_lport = LPORT; /* ours, on this connection */
static uint16_t tp_win = 65535;	  /* window field the peer sends */
static int tp_ws = -1;		  /* the peer's window scale, -1: none */
static uint16_t tp_mss = 1460;	  /* the peer's MSS option */
static uint32_t tp_seq;		  /* next sequence number the peer sends */
static uint32_t tp_isn;		  /* our ISN on this connection */
static bool tp_sackp;		  /* the peer's SYN offers SACK */
static unsigned tp_nsack;	  /* SACK blocks on its other segments */
static struct tcp_sack tp_sack[TCP_MAX_SACK];

/* Send a segment from the peer; SYNs carry MSS (and window scale). */
static void tp_send(uint32_t seq, uint32_t ack, uint16_t flags,
		    const void *data, size_t len)
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
	h.sport = tp_pport;
	h.dport = tp_lport;
	h.seq = seq;
	h.ack = ack;
	h.flags = flags;
	h.window = tp_win;
	if (flags & TCP_FLAG_SYN) {
		h.opts.has_mss = true;
		h.opts.mss = tp_mss;
		if (tp_ws >= 0) {
			h.opts.has_ws = true;
			h.opts.ws = (uint8_t)tp_ws;
		}
		h.opts.sack_perm = tp_sackp;
	} else {
		h.opts.nsack = (uint8_t)tp_nsack;
		memcpy(h.opts.sack, tp_sack, sizeof tp_sack);
	}
	if (tcp_prepend(&h, FAKENET_PEER, FAKENET_US, &nb) != 0)
		return;
	size_t n = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, 6, 1, false, 0,
				nb.data, nb.len);
	fakenet_inject(frame, n);
}

/* Data (or a bare ACK when len is 0) at tp_seq acknowledging ack. */
static void tp_data(uint32_t ack, const void *data, size_t len)
{
	tp_send(tp_seq, ack, TCP_FLAG_ACK, data, len);
	tp_seq += (uint32_t)len;
}

/* The i-th TCP segment we sent since the last fakenet_clear. */
static bool tp_seg(unsigned i, struct tcp_hdr *out)
{
	for (unsigned k = 0; k < fakenet_nsent; k++) {
		struct eth_hdr eth;
		struct ipv4_hdr ip;
		if (!fakenet_sent_ipv4(k, &eth, &ip) || ip.proto != 6)
			continue;
		if (i-- == 0)
			return tcp_parse(ip.payload, ip.src, ip.dst, out) ==
			       NET_DROP_NONE;
	}
	return false;
}

static unsigned tp_nsegs(void)
{
	unsigned n = 0;

	for (unsigned k = 0; k < fakenet_nsent; k++) {
		struct eth_hdr eth;
		struct ipv4_hdr ip;
		if (fakenet_sent_ipv4(k, &eth, &ip) && ip.proto == 6)
			n++;
	}
	return n;
}

static bool tp_last(struct tcp_hdr *out)
{
	unsigned n = tp_nsegs();

	return n > 0 && tp_seg(n - 1, out);
}

/* Sequence space our segments since the last clear carried, in bytes of
 * data (retransmissions included). */
__attribute__((unused)) static uint32_t tp_bytes_sent(void)
{
	struct tcp_hdr h;
	uint32_t n = 0;

	for (unsigned i = 0; tp_seg(i, &h); i++)
		n += (uint32_t)h.payload.len;
	return n;
}

/* The peer answers ARP again (long waits outlive the cache entry). */
static void tp_arp(void)
{
	uint8_t f[128];

	fakenet_inject(f, fakenet_arp(f, 1, &fakenet_peer_mac, FAKENET_PEER,
				      FAKENET_US));
}

/* An ICMP destination unreachable (code, mtu) from the peer quoting the
 * last TCP segment we sent (since the last clear; else the one quoted
 * before), with its sequence number replaced by seq. */
__attribute__((unused)) static void tp_icmp_unreach(uint8_t code, uint16_t mtu,
						    uint32_t seq)
{
	static uint8_t orig[128], msg[128], frame[256];
	static size_t n;
	struct eth_hdr eth;
	struct ipv4_hdr ip;
	int k = -1;

	for (unsigned i = 0; i < fakenet_nsent; i++)
		if (fakenet_sent_ipv4(i, &eth, &ip) && ip.proto == 6)
			k = (int)i;
	if (k >= 0) {
		n = fakenet_sent[k]->len - 14;
		if (n > sizeof orig)
			n = sizeof orig;
		memcpy(orig, fakenet_sent[k]->data + 14, n);
	} else if (n == 0) {
		return;
	}
	size_t ihl = (size_t)(orig[0] & 15) * 4;
	orig[ihl + 4] = (uint8_t)(seq >> 24);
	orig[ihl + 5] = (uint8_t)(seq >> 16);
	orig[ihl + 6] = (uint8_t)(seq >> 8);
	orig[ihl + 7] = (uint8_t)seq;
	int m = icmp_emit_unreach(code, mtu, view_make(orig, n),
				  mview_make(msg, sizeof msg));
	if (m < 0)
		return;
	fakenet_inject(frame, fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, 1,
					   9, false, 0, msg, (size_t)m));
}

/* ---- the appliance side ---------------------------------------------------
 */

static struct tcp_conn *conn;
static size_t rcvd;
static char rbuf[65536];
static int nclosed, neof, nwritable, nconnected;
static enum tcp_close_reason why;
static size_t consume_max = (size_t)-1; /* recv takes at most this */
static bool eof_keep;			/* eof: do not close */

static size_t on_recv(struct tcp_conn *c, struct view v, void *arg)
{
	size_t n = v.len < consume_max ? v.len : consume_max;

	if (rcvd < sizeof rbuf) /* keep the first 64 KiB */
		memcpy(rbuf + rcvd, v.p,
		       n < sizeof rbuf - rcvd ? n : sizeof rbuf - rcvd);
	rcvd += n;
	return n;
}
static void on_eof(struct tcp_conn *c, void *arg)
{
	neof++;
	if (!eof_keep)
		tcp_close(c);
}
static void on_writable(struct tcp_conn *c, void *arg)
{
	nwritable++;
}
static void on_connected(struct tcp_conn *c, void *arg)
{
	nconnected++;
}
static void on_closed(struct tcp_conn *c, enum tcp_close_reason w, void *arg)
{
	nclosed++;
	why = w;
	if (c == conn)
		conn = NULL;
}
static const struct tcp_callbacks cbs = {
	.connected = on_connected,
	.recv = on_recv,
	.eof = on_eof,
	.writable = on_writable,
	.closed = on_closed,
};
static void on_accept(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	conn = c;
	tcp_set_callbacks(c, &cbs, NULL);
}

/* A fresh stack with the peer's MAC known; appliance state cleared. */
static void tp_setup(void)
{
	fakenet_setup(FAKENET_US, 24, 0, false);
	tp_arp();
	fakenet_clear();
	conn = NULL;
	rcvd = 0;
	nclosed = neof = nwritable = nconnected = 0;
	consume_max = (size_t)-1;
	eof_keep = false;
	tp_win = 65535;
	tp_ws = -1;
	tp_mss = 1460;
	tp_sackp = false;
	tp_nsack = 0;
	tp_pport = 40000;
	tp_lport = LPORT;
}

/* A passive open from tp_pport: conn set, tp_seq/tp_isn known. */
static bool tp_handshake(void)
{
	struct tcp_hdr h;

	tp_seq = 1000;
	fakenet_clear();
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	if (!tp_last(&h) || h.flags != (TCP_FLAG_SYN | TCP_FLAG_ACK))
		return false;
	tp_isn = h.seq;
	tp_seq++;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK, NULL, 0);
	fakenet_clear();
	return conn != NULL;
}

/* The connection of the current 4-tuple (also in TIME-WAIT), or NULL. */
__attribute__((unused)) static struct tcp_conn *tp_conn(void)
{
	return tcp_conn_lookup(FAKENET_US, tp_lport, FAKENET_PEER, tp_pport);
}

/* ---- the script ------------------------------------------------------------
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

/* main() of a test file: run script() in the loop on the fake clock. */
static int tp_main(void (*script)(struct loop_timer *, void *))
{
	loop_timer_init(&script_t, script, NULL);
	loop_timer_arm_in(&script_t, 0);
	(void)loop_run(0);
	net_reset();
	return fake_done();
}

/* A CHECK whose name is formatted. */
#define CHECKF(cond, ...)                                                      \
	do {                                                                   \
		char name_[200];                                               \
		snprintf(name_, sizeof name_, __VA_ARGS__);                    \
		CHECK(name_, cond);                                            \
	} while (0)

#endif /* KILN_TEST_TCP_PEER_H */
