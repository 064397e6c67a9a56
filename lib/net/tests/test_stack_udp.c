/*
 * UDP on the stack (udp.c, include/kiln/udp.h) through the fake netif:
 * bind rules, receive batches (one callback per socket per input batch),
 * replies, large datagrams both ways (fragments), port unreachable,
 * closing from a callback, and the send errors.
 */
#include <string.h>

#include <kiln/udp.h>

#include "arp_wire.h"
#include "fakenet.h"
#include "fakeplat.h"
#include "icmp_wire.h"
#include "udp_wire.h"

static uint8_t frame[4096];
static uint8_t big[70000];
static uint8_t got[70000];

struct rec {
	unsigned calls, dgrams;
	size_t last_n;
	char first[64];
	struct net_addr src, dst;
	bool echo;		   /* send each datagram back */
	struct udp_sock *close_me; /* closed from the callback */
	size_t biglen;
	bool big_ok;
};

static void on_recv(struct udp_sock *s, const struct udp_dgram *b, size_t n,
		    void *arg)
{
	struct rec *r = arg;
	size_t i;

	r->calls++;
	r->dgrams += (unsigned)n;
	r->last_n = n;
	r->src = b[0].src;
	r->dst = b[0].dst;
	memset(r->first, 0, sizeof r->first);
	memcpy(r->first, b[0].data.p,
	       b[0].data.len < sizeof r->first - 1 ? b[0].data.len
						   : sizeof r->first - 1);
	if (b[0].data.len > 4000) {
		r->biglen = b[0].data.len;
		r->big_ok = memcmp(b[0].data.p, big, b[0].data.len) == 0;
	}
	for (i = 0; r->echo && i < n; i++)
		(void)udp_sendto(s, &b[i].src, b[i].data.p, b[i].data.len);
	if (r->close_me) {
		udp_close(r->close_me);
		r->close_me = NULL;
	}
}

static void setup(void)
{
	size_t n;

	fakenet_setup(FAKENET_US, 24, 0, false);
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n);
	fakenet_clear();
}

static void test_bind(void)
{
	struct udp_sock *a, *b, *socks[NET_UDP_SOCKETS];
	struct net_addr l = {0, 53}, out;
	struct rec r = {0};
	unsigned i;
	int rc;

	setup();
	CHECK("bind: port 53", udp_bind(&a, &l, on_recv, &r) == 0);
	CHECK("bind: twice refused",
	      udp_bind(&b, &l, on_recv, &r) == -EADDRINUSE);
	l.ip = FAKENET_US;
	CHECK("bind: specific over any refused",
	      udp_bind(&b, &l, on_recv, &r) == -EADDRINUSE);
	l.port = 0;
	CHECK("bind: ephemeral", udp_bind(&b, &l, on_recv, &r) == 0);
	udp_local_addr(b, &out);
	CHECK("bind: ephemeral in 49152-65535", out.port >= 49152);
	udp_close(b);
	udp_close(a);
	for (i = 0, rc = 0; i < NET_UDP_SOCKETS && rc == 0; i++)
		rc = udp_bind(&socks[i], &l, on_recv, &r);
	CHECK("bind: table full",
	      rc == 0 && udp_bind(&a, &l, on_recv, &r) == -ENOSPC);
	udp_close(socks[3]);
	CHECK("bind: a closed slot is reused",
	      udp_bind(&a, &l, on_recv, &r) == 0);
	CHECK("bind: bad arguments", udp_bind(&a, &l, NULL, &r) == -EINVAL);
	net_reset();
}

static void test_batches(void)
{
	struct udp_sock *a, *b;
	struct net_addr la = {0, 53}, lb = {FAKENET_US, 54};
	struct rec ra = {0}, rb = {0};
	struct eth_hdr e;
	struct ipv4_hdr ip;
	struct udp_hdr u;
	size_t n;
	unsigned i;
	unsigned long calls;

	setup();
	ra.echo = true;
	CHECK("batch: bind", udp_bind(&a, &la, on_recv, &ra) == 0 &&
				     udp_bind(&b, &lb, on_recv, &rb) == 0);
	n = fakenet_udp(frame, FAKENET_PEER, 4000, FAKENET_US, 53, "q1", 2);
	fakenet_queue(frame, n);
	n = fakenet_udp(frame, FAKENET_PEER, 4001, FAKENET_US, 54, "b1", 2);
	fakenet_queue(frame, n);
	n = fakenet_udp(frame, FAKENET_PEER, 4002, FAKENET_US, 53, "q2", 2);
	fakenet_queue(frame, n);
	n = fakenet_udp(frame, FAKENET_PEER, 4003, FAKENET_US, 53, "q3", 2);
	fakenet_queue(frame, n);
	calls = fakenet_send_calls;
	fakenet_inject_batch();
	CHECK("batch: one call per socket", ra.calls == 1 && rb.calls == 1);
	CHECK("batch: all datagrams, in order",
	      ra.last_n == 3 && rb.last_n == 1 && strcmp(ra.first, "q1") == 0 &&
		      strcmp(rb.first, "b1") == 0);
	CHECK("batch: addresses",
	      ra.src.ip == FAKENET_PEER && ra.src.port == 4000 &&
		      ra.dst.ip == FAKENET_US && ra.dst.port == 53);
	CHECK("batch: three replies in one device call",
	      fakenet_nsent == 3 && fakenet_send_calls == calls + 1);
	{
		bool ok = true;
		for (i = 0; i < 3; i++)
			ok = ok && fakenet_sent_ipv4(i, &e, &ip) &&
			     ip.proto == IPV4_PROTO_UDP &&
			     ip.src == FAKENET_US && ip.dst == FAKENET_PEER &&
			     udp_parse(ip.payload, ip.src, ip.dst, &u) ==
				     NET_DROP_NONE &&
			     u.sport == 53 &&
			     u.dport == 4000 + (i ? i + 1 : 0) && u.csum != 0;
		CHECK("batch: replies checksummed, ports right", ok);
	}
	fakenet_clear();

	/* A callback closing the other socket: it gets nothing more. */
	ra.echo = false;
	ra.close_me = b;
	n = fakenet_udp(frame, FAKENET_PEER, 4000, FAKENET_US, 53, "x", 1);
	fakenet_queue(frame, n);
	n = fakenet_udp(frame, FAKENET_PEER, 4000, FAKENET_US, 54, "y", 1);
	fakenet_queue(frame, n);
	fakenet_inject_batch();
	CHECK("batch: closed socket gets no callback", rb.calls == 1);
	CHECK("batch: its datagram was not refused",
	      fakenet_nsent == 0 && net.drops[NET_DROP_UDP_NO_PORT] == 0);

	/* Port unreachable, once; none for a broadcast. */
	n = fakenet_udp(frame, FAKENET_PEER, 4000, FAKENET_US, 54, "z", 1);
	fakenet_inject(frame, n);
	{
		struct icmp_hdr m;
		CHECK("unreach: ICMP port unreachable",
		      fakenet_nsent == 1 && fakenet_sent_ipv4(0, &e, &ip) &&
			      ip.proto == IPV4_PROTO_ICMP &&
			      icmp_parse(ip.payload, &m) == NET_DROP_NONE &&
			      m.type == ICMP_DEST_UNREACH &&
			      m.code == ICMP_UNREACH_PORT &&
			      m.quote.proto == IPV4_PROTO_UDP &&
			      m.quote.dst == FAKENET_US &&
			      net.drops[NET_DROP_UDP_NO_PORT] == 1);
	}
	fakenet_clear();
	n = fakenet_udp(frame, FAKENET_PEER, 4000, NET_IP4(10, 0, 0, 255), 54,
			"z", 1);
	fakenet_inject(frame, n);
	CHECK("unreach: none for a broadcast",
	      fakenet_nsent == 0 && net.drops[NET_DROP_UDP_NO_PORT] == 2);
	/* Bad checksum. */
	n = fakenet_udp(frame, FAKENET_PEER, 4000, FAKENET_US, 53, "abc", 3);
	frame[n - 1] ^= 0x40;
	fakenet_inject(frame, n);
	CHECK("bad: UDP checksum",
	      net.drops[NET_DROP_UDP_BAD_CSUM] == 1 && ra.calls == 2);
	net_reset();
	fakenet_clear();
}

static void test_large(void)
{
	struct udp_sock *a;
	struct net_addr la = {0, 7}, peer = {FAKENET_PEER, 9000};
	struct rec ra = {0};
	struct eth_hdr e;
	struct ipv4_hdr ip;
	struct udp_hdr u;
	size_t i, n, off, k, total = 0, have = 0;
	struct netbuf *hog = NULL, *nb;

	setup();
	for (i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 13 + 1);
	CHECK("large: bind", udp_bind(&a, &la, on_recv, &ra) == 0);
	CHECK("large: 65508 refused",
	      udp_sendto(a, &peer, big, 65508) == -EMSGSIZE);
	CHECK("large: null data refused",
	      udp_sendto(a, &peer, NULL, 5) == -EINVAL);
	CHECK("large: 10000 bytes sent", udp_sendto(a, &peer, big, 10000) == 0);
	net_tx_flush_now();
	for (i = 0; i < fakenet_nsent; i++) {
		if (!fakenet_sent_ipv4((unsigned)i, &e, &ip))
			continue;
		memcpy(got + ip.frag_off, ip.payload.p, ip.payload.len);
		have += ip.payload.len;
		if (!ip.mf)
			total = ip.frag_off + ip.payload.len;
	}
	CHECK("large: 7 fragments, reassembled by the peer",
	      fakenet_nsent == 7 && total == have && total == 10008);
	CHECK("large: checksum and data",
	      udp_parse(view_make(got, total), FAKENET_US, FAKENET_PEER, &u) ==
			      NET_DROP_NONE &&
		      u.sport == 7 && u.dport == 9000 &&
		      memcmp(u.payload.p, big, 10000) == 0);
	fakenet_clear();

	/* A 6000-byte datagram in fragments reaches the socket whole. */
	{
		static uint8_t seg[8000];
		struct udp_hdr h = {0};
		h.sport = 9000;
		h.dport = 7;
		memcpy(seg + 8, big, 6000);
		(void)udp_emit(&h, FAKENET_PEER, FAKENET_US,
			       mview_make(seg, 6008));
		for (off = 0; off < 6008; off += k) {
			k = 6008 - off < 1480 ? 6008 - off : 1480;
			n = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
					 IPV4_PROTO_UDP, 77, off + k < 6008,
					 (uint16_t)off, seg + off, k);
			fakenet_inject(frame, n);
		}
	}
	CHECK("large: reassembled datagram delivered",
	      ra.calls == 1 && ra.biglen == 6000 && ra.big_ok);

	/* Pool empty: -EAGAIN, nothing queued. */
	while ((nb = netbuf_alloc()) != NULL) {
		nb->next = hog;
		hog = nb;
	}
	CHECK("send: pool empty: -EAGAIN",
	      udp_sendto(a, &peer, "x", 1) == -EAGAIN &&
		      udp_sendto(a, &peer, big, 5000) == -EAGAIN);
	{
		struct udp_msg msgs[3] = {
			{peer, "a", 1}, {peer, "b", 1}, {peer, "c", 1}};
		CHECK("send: batch with no room sends 0",
		      udp_send_batch(a, msgs, 3) == 0);
		netbuf_free_chain(hog);
		CHECK("send: batch of 3", udp_send_batch(a, msgs, 3) == 3);
	}
	net_reset();
	fakenet_clear();
	CHECK("udp: no buffer leaked", netbuf_avail() == netbuf_total());
}

int main(void)
{
	test_bind();
	test_batches();
	test_large();
	return fake_done();
}
