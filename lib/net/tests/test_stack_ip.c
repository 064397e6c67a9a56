/*
 * IPv4 and ICMP through the fake netif: ping replies checked byte for
 * byte, 1472- and 4000-byte pings (fragments in and out), reassembly
 * (duplicates, overlaps, timeout, bounds), routing, protocol unreachable,
 * and every malformed class dropped with its counter while the next ping
 * is still answered.
 */
#include <string.h>

#include "arp_wire.h"
#include "cksum.h"
#include "fakenet.h"
#include "fakeplat.h"
#include "icmp_wire.h"
#include "udp_wire.h"

static uint8_t frame[4096];
static uint8_t msg[70000];
static uint8_t got[70000];

/* Make the peer known to ARP (as a pinging Linux host does first). */
static void learn_peer(void)
{
	size_t n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac,
			       FAKENET_PEER, FAKENET_US);
	fakenet_inject(frame, n);
	fakenet_clear();
}

static void setup(void)
{
	fakenet_setup(FAKENET_US, 24, 0, false);
	fakenet_clear();
	learn_peer();
}

/*
 * Reassemble the IPv4 datagrams (fragments or not) the stack sent, as the
 * peer would, into got; returns the payload length, 0 on any problem.
 */
static size_t collect(uint8_t proto, unsigned *nfrag)
{
	struct eth_hdr e;
	struct ipv4_hdr ip;
	size_t total = 0, have = 0;
	unsigned i;

	*nfrag = 0;
	for (i = 0; i < fakenet_nsent; i++) {
		if (!fakenet_sent_ipv4(i, &e, &ip) || ip.proto != proto)
			continue;
		if (!eth_addr_eq(&e.dst, &fakenet_peer_mac) ||
		    ip.dst != FAKENET_PEER || ip.src != FAKENET_US ||
		    ip.total_len > 1500 || ip.ttl != 64)
			return 0;
		if (ip.frag_off % 8 || (ip.mf && ip.payload.len % 8))
			return 0;
		memcpy(got + ip.frag_off, ip.payload.p, ip.payload.len);
		have += ip.payload.len;
		if (!ip.mf)
			total = ip.frag_off + ip.payload.len;
		(*nfrag)++;
	}
	return have == total ? total : 0;
}

/* Ping with n data bytes (unfragmented); true when the reply is right. */
static bool ping_ok(uint16_t seq, size_t n)
{
	struct icmp_hdr req, rep;
	size_t len, mlen;
	unsigned nfrag;
	bool ok;

	len = fakenet_ping(frame, 0x4242, seq, n);
	fakenet_inject(frame, len);
	mlen = fakenet_echo_msg(msg, 0x4242, seq, n);
	len = collect(IPV4_PROTO_ICMP, &nfrag);
	ok = len == mlen && nfrag == 1 &&
	     icmp_parse(view_make(got, len), &rep) == NET_DROP_NONE &&
	     icmp_parse(view_make(msg, mlen), &req) == NET_DROP_NONE &&
	     rep.type == ICMP_ECHO_REPLY && rep.code == 0 && rep.id == 0x4242 &&
	     rep.seq == seq && view_eq(rep.data, req.data);
	fakenet_clear();
	return ok;
}

/* Send the echo request of n data bytes as fragments of at most per. */
static void ping_fragmented(uint16_t id, uint16_t seq, size_t n, size_t per)
{
	size_t mlen = fakenet_echo_msg(msg, id, seq, n), off, k, len;

	for (off = 0; off < mlen; off += k) {
		k = mlen - off < per ? mlen - off : per;
		len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
				   IPV4_PROTO_ICMP, id, off + k < mlen,
				   (uint16_t)off, msg + off, k);
		fakenet_inject(frame, len);
	}
}

static bool big_reply_ok(uint16_t id, uint16_t seq, size_t n,
			 unsigned want_frags)
{
	struct icmp_hdr rep;
	size_t mlen = fakenet_echo_msg(msg, id, seq, n), len;
	unsigned nfrag;

	len = collect(IPV4_PROTO_ICMP, &nfrag);
	return len == mlen && nfrag == want_frags &&
	       icmp_parse(view_make(got, len), &rep) == NET_DROP_NONE &&
	       rep.type == ICMP_ECHO_REPLY && rep.seq == seq &&
	       memcmp(got + 8, msg + 8, mlen - 8) == 0;
}

static void test_ping(void)
{
	setup();
	CHECK("ping: 56 bytes answered", ping_ok(1, 56));
	CHECK("ping: 0 bytes answered", ping_ok(2, 0));
	CHECK("ping: 1472 bytes answered in one frame", ping_ok(3, 1472));
	CHECK("ping: counters", net.icmp_in == 3 && net.icmp_out == 3);

	/* ping -s 1473: two fragments each way. */
	ping_fragmented(7, 4, 1473, 1480);
	CHECK("ping: 1473 bytes: two fragments back",
	      big_reply_ok(7, 4, 1473, 2));
	fakenet_clear();
	/* ping -s 4000: three fragments each way. */
	ping_fragmented(8, 5, 4000, 1480);
	CHECK("ping: 4000 bytes: three fragments back",
	      big_reply_ok(8, 5, 4000, 3));
	CHECK("ping: reassembled and freed",
	      net.ip_reasm_ok == 2 && ipv4_reasm_active() == 0);
	fakenet_clear();
	/* The largest: 65507 bytes of data, in 45 fragments. The reply is
	 * 45 fragments too; the ARP entry is known so none is queued. */
	ping_fragmented(9, 6, 65507 - 8 + 8 - 8, 1480);
	CHECK("ping: 65499 bytes answered", big_reply_ok(9, 6, 65499, 45));
	fakenet_clear();
	/* Fragments out of order and duplicated. */
	{
		size_t mlen = fakenet_echo_msg(msg, 10, 7, 3000), len;
		len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
				   IPV4_PROTO_ICMP, 10, false, 2960, msg + 2960,
				   mlen - 2960);
		fakenet_inject(frame, len);
		len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
				   IPV4_PROTO_ICMP, 10, true, 1480, msg + 1480,
				   1480);
		fakenet_inject(frame, len);
		fakenet_inject(frame, len);
		CHECK("reasm: exact duplicate ignored",
		      net.ev.reasm_dup == 1 && ipv4_reasm_active() == 1);
		len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
				   IPV4_PROTO_ICMP, 10, true, 0, msg, 1480);
		fakenet_inject(frame, len);
		CHECK("reasm: out of order completes",
		      big_reply_ok(10, 7, 3000, 3));
		fakenet_clear();
	}
	CHECK("ping: no buffer leaked", netbuf_avail() == netbuf_total());
}

static void test_reasm_failures(void)
{
	size_t mlen, len;
	unsigned i, j;
	struct eth_hdr e;
	struct ipv4_hdr ip;
	struct icmp_hdr m;

	setup();
	/* Overlap with different bytes: the whole datagram goes. */
	mlen = fakenet_echo_msg(msg, 20, 1, 3000);
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, 20,
			   true, 0, msg, 1480);
	fakenet_inject(frame, len);
	msg[1488] ^= 0xff;
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, 20,
			   true, 1472, msg + 1472, 1480);
	fakenet_inject(frame, len);
	CHECK("reasm: overlap drops the datagram",
	      net.ev.reasm_overlap == 1 && ipv4_reasm_active() == 0 &&
		      net.drops[NET_DROP_IPV4_FRAGMENT] >= 1);
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, 20,
			   false, 2952, msg + 2952, mlen - 2952);
	fakenet_inject(frame, len);
	CHECK("reasm: nothing answered after overlap", fakenet_nsent == 0);
	ipv4_reasm_reset();

	/* Timeout: first fragment only, 30 s, then time exceeded. */
	mlen = fakenet_echo_msg(msg, 21, 1, 3000);
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, 21,
			   true, 0, msg, 1480);
	fakenet_inject(frame, len);
	fakenet_advance_ns(NET_REASM_TIMEOUT_NS - 1);
	CHECK("reasm: kept before 30 s", ipv4_reasm_active() == 1);
	fakenet_advance_ns(1);
	CHECK("reasm: dropped at 30 s",
	      ipv4_reasm_active() == 0 && net.ev.reasm_timeout == 1);
	CHECK("reasm: time exceeded sent",
	      fakenet_sent_ipv4(0, &e, &ip) && ip.proto == IPV4_PROTO_ICMP &&
		      icmp_parse(ip.payload, &m) == NET_DROP_NONE &&
		      m.type == ICMP_TIME_EXCEEDED && m.code == 1 &&
		      m.has_quote && m.quote.id == 21);
	fakenet_clear();

	/* Slot bound: the oldest datagram is evicted. */
	for (i = 0; i < NET_REASM_DATAGRAMS + 2; i++) {
		len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
				   IPV4_PROTO_ICMP, (uint16_t)(100 + i), true,
				   0, msg, 1480);
		fakenet_inject(frame, len);
	}
	CHECK("reasm: slots bounded",
	      ipv4_reasm_active() == NET_REASM_DATAGRAMS &&
		      net.ev.reasm_evicted == 2);
	ipv4_reasm_reset();
	net.ev.reasm_evicted = 0;

	/* Byte budget: 8 datagrams of 40 KB each do not all fit. */
	for (i = 0; i < NET_REASM_DATAGRAMS; i++)
		for (j = 0; j < 28; j++) {
			len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
					   IPV4_PROTO_UDP, (uint16_t)(200 + i),
					   true, (uint16_t)(j * 1480), msg,
					   1480);
			fakenet_inject(frame, len);
		}
	CHECK("reasm: byte budget evicts the oldest",
	      net.ev.reasm_evicted >= 1 &&
		      ipv4_reasm_active() <= NET_REASM_TOTAL / (28 * 1480) + 1);
	ipv4_reasm_reset();

	/* Bad fragments: unaligned middle, past 65535. */
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, 30,
			   true, 0, msg, 1001);
	fakenet_inject(frame, len);
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, 31,
			   false, 65528, msg, 100);
	fakenet_inject(frame, len);
	CHECK("reasm: unaligned and oversized fragments dropped",
	      net.ev.reasm_bad == 2 && ipv4_reasm_active() == 0);
	CHECK("reasm: ping still answered", ping_ok(99, 56));
	CHECK("reasm: no buffer leaked", netbuf_avail() == netbuf_total());
}

/* A ping frame with byte `off` of the frame replaced. */
static size_t ping_patched(size_t off, uint8_t val)
{
	size_t len = fakenet_ping(frame, 1, 1, 56);
	frame[off] = val;
	return len;
}

static void test_malformed(void)
{
	size_t len;
	uint8_t quote[28];
	struct eth_hdr e;
	struct ipv4_hdr ip;
	struct icmp_hdr m;
	uint64_t before;

	setup();
	fakenet_inject(frame, 9);
	CHECK("bad: runt frame",
	      net.drops[NET_DROP_ETH_RUNT] == 1 && ping_ok(1, 8));
	len = ping_patched(14, 0x44);
	fakenet_inject(frame, len);
	CHECK("bad: IHL below 5",
	      net.drops[NET_DROP_IPV4_BAD_IHL] == 1 && ping_ok(2, 8));
	len = ping_patched(14, 0x65);
	fakenet_inject(frame, len);
	CHECK("bad: version 6",
	      net.drops[NET_DROP_IPV4_BAD_VERSION] == 1 && ping_ok(3, 8));
	len = ping_patched(16, 0x7f);
	fakenet_inject(frame, len);
	CHECK("bad: total length past the frame",
	      net.drops[NET_DROP_IPV4_TRUNCATED] == 1 && ping_ok(4, 8));
	len = ping_patched(17, 10);
	fakenet_inject(frame, len);
	CHECK("bad: total length below the header",
	      net.drops[NET_DROP_IPV4_BAD_LEN] == 1 && ping_ok(5, 8));
	len = fakenet_ping(frame, 1, 1, 56);
	frame[24] ^= 1;
	fakenet_inject(frame, len);
	CHECK("bad: IP checksum",
	      net.drops[NET_DROP_IPV4_BAD_CSUM] == 1 && ping_ok(6, 8));
	len = fakenet_ping(frame, 1, 1, 56);
	frame[40] ^= 1;
	fakenet_inject(frame, len);
	CHECK("bad: ICMP checksum",
	      net.drops[NET_DROP_ICMP_BAD_CSUM] == 1 && ping_ok(7, 8));
	len = fakenet_ping(frame, 1, 1, 56);
	fakenet_inject(frame, 14 + 19);
	CHECK("bad: IP header cut",
	      net.drops[NET_DROP_IPV4_SHORT] == 1 && ping_ok(8, 8));
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, 1,
			   false, 0, "abc", 3);
	fakenet_inject(frame, len);
	CHECK("bad: ICMP runt",
	      net.drops[NET_DROP_ICMP_SHORT] == 1 && ping_ok(9, 8));
	/* An unreachable quoting 10 bytes of a header. */
	{
		struct icmp_hdr u = {0};
		memset(quote, 0, sizeof quote);
		quote[0] = 0x45;
		u.type = ICMP_DEST_UNREACH;
		u.code = ICMP_UNREACH_PORT;
		u.data = view_make(quote, 10);
		int ml = icmp_emit(&u, mview_make(msg, sizeof msg));
		len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US,
				   IPV4_PROTO_ICMP, 1, false, 0, msg,
				   (size_t)ml);
		fakenet_inject(frame, len);
		CHECK("bad: truncated ICMP quote",
		      net.drops[NET_DROP_ICMP_BAD_QUOTE] == 1 &&
			      ping_ok(10, 8));
	}
	/* Not for us: another IP, a multicast MAC, a VLAN tag. */
	len = fakenet_ping(frame, 1, 1, 8);
	{
		struct ipv4_hdr h = {0};
		h.ttl = 64;
		h.proto = IPV4_PROTO_ICMP;
		h.src = FAKENET_PEER;
		h.dst = NET_IP4(10, 0, 0, 3);
		h.id = 1;
		h.payload_len = (uint16_t)(len - 34);
		(void)ipv4_emit(&h, mview_make(frame + 14, 20));
	}
	fakenet_inject(frame, len);
	CHECK("bad: other IP",
	      net.drops[NET_DROP_IPV4_NOT_FOR_US] == 1 && ping_ok(11, 8));
	len = ping_patched(0, 0x01);
	fakenet_inject(frame, len);
	CHECK("bad: multicast MAC", net.drops[NET_DROP_ETH_NOT_FOR_US] == 1 &&
					    net.ev.eth_multicast == 1 &&
					    ping_ok(12, 8));
	len = fakenet_ping(frame, 1, 1, 8);
	memmove(frame + 18, frame + 12, len - 12);
	frame[12] = 0x81, frame[13] = 0, frame[14] = 0, frame[15] = 5;
	fakenet_inject(frame, len + 4);
	CHECK("bad: VLAN tag",
	      net.drops[NET_DROP_ETH_VLAN] == 1 && ping_ok(13, 8));
	len = fakenet_ping(frame, 1, 1, 8);
	frame[12] = 0x86, frame[13] = 0xdd;
	fakenet_inject(frame, len);
	CHECK("bad: IPv6 ethertype",
	      net.drops[NET_DROP_ETH_UNKNOWN_TYPE] == 1 && ping_ok(14, 8));
	/* Broadcast ping: ignored. */
	len = fakenet_ping(frame, 1, 1, 8);
	{
		struct ipv4_hdr h = {0};
		h.ttl = 64;
		h.proto = IPV4_PROTO_ICMP;
		h.src = FAKENET_PEER;
		h.dst = NET_IP4(10, 0, 0, 255);
		h.id = 1;
		h.payload_len = (uint16_t)(len - 34);
		(void)ipv4_emit(&h, mview_make(frame + 14, 20));
	}
	memcpy(frame, eth_broadcast.b, 6);
	fakenet_inject(frame, len);
	CHECK("ping: broadcast echo ignored",
	      fakenet_nsent == 0 && net.ev.icmp_ignored == 1);

	/* Unknown protocol: protocol unreachable. */
	len = fakenet_ipv4(frame, FAKENET_PEER, FAKENET_US, 99, 1, false, 0,
			   "xxxxxxxx", 8);
	fakenet_inject(frame, len);
	CHECK("proto: unreachable sent",
	      fakenet_sent_ipv4(0, &e, &ip) && ip.proto == IPV4_PROTO_ICMP &&
		      icmp_parse(ip.payload, &m) == NET_DROP_NONE &&
		      m.type == ICMP_DEST_UNREACH &&
		      m.code == ICMP_UNREACH_PROTO && m.quote.proto == 99 &&
		      net.ev.ip_unknown_proto == 1);
	fakenet_clear();
	/* The rate limit: after a full refill, a burst of 150 gets 100. */
	fakenet_advance_ms(1000);
	before = net.icmp_out;
	for (int i = 0; i < 150; i++)
		fakenet_inject(frame, len);
	CHECK("proto: ICMP errors rate-limited",
	      net.icmp_out - before == NET_ICMP_ERR_BURST &&
		      net.ev.icmp_ratelimited == 50);
	fakenet_clear();
	fakenet_advance_ms(1000);
	fakenet_inject(frame, len);
	CHECK("proto: bucket refills", fakenet_nsent == 1);
	fakenet_clear();
	CHECK("bad: no buffer leaked", netbuf_avail() == netbuf_total());
}

static void test_route(void)
{
	struct netbuf *nb;
	struct eth_hdr e;
	struct arp_pkt p;

	setup();
	nb = netbuf_alloc();
	CHECK("route: off-link without gateway",
	      ipv4_output(nb, FAKENET_US, NET_IP4(8, 8, 8, 8), 17, false) ==
			      -EHOSTUNREACH &&
		      net.ev.ip_no_route == 1);
	fakenet_setup(FAKENET_US, 24, FAKENET_GW, false);
	fakenet_clear();
	nb = netbuf_alloc();
	CHECK("route: off-link via the gateway",
	      ipv4_output(nb, FAKENET_US, NET_IP4(8, 8, 8, 8), 17, false) == 0);
	net_tx_flush_now();
	CHECK("route: ARP asks for the gateway",
	      fakenet_nsent == 1 &&
		      eth_parse(netbuf_view(fakenet_sent[0]), &e) ==
			      NET_DROP_NONE &&
		      arp_parse(e.payload, &p) == NET_DROP_NONE &&
		      p.tpa == FAKENET_GW);
	fakenet_clear();
	nb = netbuf_alloc();
	{
		struct mview m;
		CHECK("route: DF over the MTU",
		      netbuf_put(nb, 1600, &m) &&
			      ipv4_output(nb, FAKENET_US, FAKENET_PEER, 17,
					  true) == -EMSGSIZE);
	}
	CHECK("route: no buffer leaked",
	      (net_reset(), fakenet_clear(), netbuf_avail() == netbuf_total()));
}

int main(void)
{
	test_ping();
	test_reasm_failures();
	test_malformed();
	test_route();
	net_reset();
	fakenet_clear();
	return fake_done();
}
