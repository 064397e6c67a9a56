/*
 * The DHCP client (dhcp.c) against a scripted server through the fake
 * netif: DISCOVER, retransmission, OFFER, REQUEST, ACK, the lease applied
 * and announced, T1 renew (unicast), T2 rebind (broadcast), expiry, NAK,
 * and malformed or foreign replies.
 */
#include <string.h>

#include "arp_wire.h"
#include "dhcp_wire.h"
#include "fakenet.h"
#include "fakeplat.h"
#include "udp_wire.h"

#define SERVER NET_IP4(10, 0, 0, 1)
#define LEASED NET_IP4(10, 0, 0, 50)
#define SEC    1000000000ull

static uint8_t frame[2048];

/* The last DHCP message the client sent, with its IP header. */
static bool last_sent(struct dhcp_msg *m, struct ipv4_hdr *ip)
{
	struct eth_hdr e;
	struct udp_hdr u;
	int i;

	for (i = (int)fakenet_nsent - 1; i >= 0; i--) {
		if (!fakenet_sent_ipv4((unsigned)i, &e, ip) ||
		    ip->proto != IPV4_PROTO_UDP)
			continue;
		return udp_parse(ip->payload, ip->src, ip->dst, &u) ==
			       NET_DROP_NONE &&
		       u.sport == 68 && u.dport == 67 &&
		       dhcp_parse(u.payload, m) == NET_DROP_NONE;
	}
	return false;
}

static unsigned count_sent(uint8_t type)
{
	struct eth_hdr e;
	struct ipv4_hdr ip;
	struct udp_hdr u;
	struct dhcp_msg m;
	unsigned i, n = 0;

	for (i = 0; i < fakenet_nsent; i++)
		if (fakenet_sent_ipv4(i, &e, &ip) &&
		    ip.proto == IPV4_PROTO_UDP &&
		    udp_parse(ip.payload, ip.src, ip.dst, &u) ==
			    NET_DROP_NONE &&
		    dhcp_parse(u.payload, &m) == NET_DROP_NONE &&
		    m.type == type)
			n++;
	return n;
}

/* The server answers: type, xid, to broadcast (or the leased address). */
static void reply(uint8_t type, uint32_t xid, bool bcast)
{
	struct dhcp_msg m;
	uint8_t buf[DHCP_EMIT_MAX_LEN];
	int len;
	size_t n;

	memset(&m, 0, sizeof m);
	m.op = DHCP_OP_REPLY;
	m.xid = xid;
	m.chaddr = fakenet_mac;
	m.type = type;
	if (type != DHCP_NAK) {
		m.yiaddr = LEASED;
		m.has = DHCP_HAS_SUBNET_MASK | DHCP_HAS_ROUTER |
			DHCP_HAS_LEASE_TIME | DHCP_HAS_SERVER_ID;
		m.subnet_mask = 0xffffff00u;
		m.router = SERVER;
		m.lease_time = 120;
	} else {
		m.has = DHCP_HAS_SERVER_ID;
	}
	m.server_id = SERVER;
	len = dhcp_emit(&m, mview_make(buf, sizeof buf));
	n = fakenet_udp(frame, SERVER, 67, bcast ? 0xffffffffu : LEASED, 68,
			buf, (size_t)len);
	fakenet_inject(frame, n);
}

static void test_exchange(void)
{
	struct dhcp_msg m;
	struct ipv4_hdr ip;
	struct eth_hdr e;
	struct arp_pkt p;
	uint32_t xid;
	int i;
	size_t n;

	fakenet_setup(0, 0, 0, true);
	CHECK("dhcp: DISCOVER at start",
	      last_sent(&m, &ip) && m.type == DHCP_DISCOVER && ip.src == 0 &&
		      ip.dst == 0xffffffffu &&
		      eth_addr_eq(&m.chaddr, &fakenet_mac) &&
		      dhcp_state() == DHCP_SELECTING);
	xid = m.xid;
	fakenet_clear();
	fakenet_advance_ns(3 * SEC - 1);
	CHECK("dhcp: no retransmission before 3 s", fakenet_nsent == 0);
	fakenet_advance_ns(2 * SEC + 1);
	CHECK("dhcp: DISCOVER again within 4+-1 s",
	      count_sent(DHCP_DISCOVER) == 1);
	fakenet_clear();
	/* Backoff: the next comes 7..9 s later. */
	fakenet_advance_ns(6 * SEC);
	CHECK("dhcp: backoff doubles (not yet)", fakenet_nsent == 0);
	fakenet_advance_ns(4 * SEC);
	CHECK("dhcp: backoff doubles", count_sent(DHCP_DISCOVER) == 1);
	fakenet_clear();

	/* Foreign and malformed replies change nothing. */
	reply(DHCP_OFFER, xid + 1, true);
	CHECK("dhcp: other xid ignored",
	      fakenet_nsent == 0 && dhcp_state() == DHCP_SELECTING);
	{
		struct dhcp_msg o = {0};
		uint8_t buf[DHCP_EMIT_MAX_LEN];
		int len;
		o.op = DHCP_OP_REPLY;
		o.xid = xid;
		o.chaddr = fakenet_mac;
		o.type = DHCP_OFFER;
		len = dhcp_emit(&o, mview_make(buf, sizeof buf));
		buf[237] ^= 1; /* the cookie */
		n = fakenet_udp(frame, SERVER, 67, 0xffffffffu, 68, buf,
				(size_t)len);
		fakenet_inject(frame, n);
		CHECK("dhcp: bad cookie dropped",
		      net.drops[NET_DROP_DHCP_BAD_COOKIE] == 1 &&
			      dhcp_state() == DHCP_SELECTING);
	}
	/* While unconfigured, other UDP is not for us. */
	n = fakenet_udp(frame, SERVER, 67, 0xffffffffu, 99, "x", 1);
	fakenet_inject(frame, n);
	CHECK("dhcp: other UDP dropped while unconfigured",
	      fakenet_nsent == 0 && net.drops[NET_DROP_IPV4_NOT_FOR_US] == 1);

	reply(DHCP_OFFER, xid, true);
	CHECK("dhcp: REQUEST for the offer",
	      last_sent(&m, &ip) && m.type == DHCP_REQUEST && m.xid == xid &&
		      m.requested_ip == LEASED && m.server_id == SERVER &&
		      ip.dst == 0xffffffffu && dhcp_state() == DHCP_REQUESTING);
	fakenet_clear();
	reply(DHCP_ACK, xid, false); /* unicast to the offered address */
	CHECK("dhcp: bound",
	      dhcp_state() == DHCP_BOUND && net.ip.addr == LEASED &&
		      net.ip.mask == 0xffffff00u && net.ip.gateway == SERVER);
	CHECK("dhcp: lease logged",
	      fake_console_has("dhcp: bound 10.0.0.50/24"));
	i = fakenet_find(ETH_TYPE_ARP, 0);
	CHECK("dhcp: gratuitous ARP once bound",
	      i >= 0 &&
		      eth_parse(netbuf_view(fakenet_sent[i]), &e) ==
			      NET_DROP_NONE &&
		      arp_parse(e.payload, &p) == NET_DROP_NONE &&
		      p.spa == LEASED && p.tpa == LEASED);
	fakenet_clear();
	/* The server ARPs for us: answered on the new address. */
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, SERVER,
			LEASED);
	fakenet_inject(frame, n);
	CHECK("dhcp: answers ARP for the lease", fakenet_nsent == 1);
	fakenet_clear();

	/* T1 = 60 s: unicast renew. */
	fakenet_advance_ns(60 * SEC - 1);
	CHECK("dhcp: quiet until T1", fakenet_nsent == 0);
	fakenet_advance_ns(1);
	/* The ARP entry for the server expired meanwhile (60 s): the
	 * REQUEST waits for the server's ARP reply. */
	CHECK("dhcp: renew waits for ARP", fakenet_find(ETH_TYPE_ARP, 0) == 0);
	n = fakenet_arp(frame, ARP_OP_REPLY, &fakenet_peer_mac, SERVER, LEASED);
	fakenet_inject(frame, n);
	CHECK("dhcp: renew at T1, unicast, ciaddr",
	      dhcp_state() == DHCP_RENEWING && last_sent(&m, &ip) &&
		      m.type == DHCP_REQUEST && ip.src == LEASED &&
		      ip.dst == SERVER && m.ciaddr == LEASED &&
		      !(m.has & DHCP_HAS_REQUESTED_IP));
	xid = m.xid;
	fakenet_clear();
	reply(DHCP_ACK, xid, false);
	CHECK("dhcp: renewed", dhcp_state() == DHCP_BOUND &&
				       net.ip.addr == LEASED &&
				       fake_console_has("dhcp: renewed"));
	fakenet_clear();

	/* No answers now: T1, T2 (105 s) rebind, then expiry (120 s). */
	fakenet_advance_ns(60 * SEC);
	CHECK("dhcp: renewing again", dhcp_state() == DHCP_RENEWING);
	fakenet_clear();
	fakenet_advance_ns(45 * SEC);
	CHECK("dhcp: rebind at T2, broadcast",
	      dhcp_state() == DHCP_REBINDING && last_sent(&m, &ip) &&
		      m.type == DHCP_REQUEST && ip.dst == 0xffffffffu &&
		      ip.src == LEASED);
	fakenet_clear();
	fakenet_advance_ns(15 * SEC);
	CHECK("dhcp: expiry: unconfigured, starts over",
	      net.ip.addr == 0 && dhcp_state() == DHCP_SELECTING &&
		      last_sent(&m, &ip) && m.type == DHCP_DISCOVER &&
		      m.xid != xid);
	xid = m.xid;
	fakenet_clear();

	/* NAK while requesting: back to DISCOVER. */
	reply(DHCP_OFFER, xid, true);
	reply(DHCP_NAK, xid, true);
	CHECK("dhcp: NAK starts over",
	      dhcp_state() == DHCP_SELECTING && net.ip.addr == 0 &&
		      last_sent(&m, &ip) && m.type == DHCP_DISCOVER);
	xid = m.xid;
	fakenet_clear();
	/* A REQUEST that draws nothing gives up after 4 tries. */
	reply(DHCP_OFFER, xid, true);
	fakenet_advance_ns(5 * SEC);
	fakenet_advance_ns(9 * SEC);
	fakenet_advance_ns(17 * SEC);
	CHECK("dhcp: REQUEST retransmitted",
	      count_sent(DHCP_REQUEST) == 4 && dhcp_state() == DHCP_REQUESTING);
	fakenet_advance_ns(33 * SEC);
	CHECK("dhcp: then starts over", dhcp_state() == DHCP_SELECTING);
	net_reset();
	fakenet_clear();
	CHECK("dhcp: no buffer leaked", netbuf_avail() == netbuf_total());
}

int main(void)
{
	test_exchange();
	return fake_done();
}
