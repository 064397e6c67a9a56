/*
 * The stack's ARP (arp.c) through the fake netif: announce, replies,
 * learning, the pending queue and its bound, retransmission, expiry and
 * refresh, LRU replacement, malformed packets.
 */
#include <string.h>

#include "arp_wire.h"
#include "fakenet.h"
#include "fakeplat.h"
#include "icmp_wire.h"
#include "udp_wire.h"

static uint8_t frame[2048];

/* Sent frame i as an ARP packet; false when it is not one. */
static bool sent_arp(unsigned i, struct eth_hdr *e, struct arp_pkt *p)
{
	return i < fakenet_nsent &&
	       eth_parse(netbuf_view(fakenet_sent[i]), e) == NET_DROP_NONE &&
	       e->type == ETH_TYPE_ARP &&
	       arp_parse(e->payload, p) == NET_DROP_NONE;
}

static void test_announce_and_reply(void)
{
	struct eth_hdr e;
	struct arp_pkt p;
	struct eth_addr mac;
	size_t n;

	fakenet_setup(FAKENET_US, 24, 0, false);
	CHECK("arp: gratuitous announce sent", sent_arp(0, &e, &p));
	CHECK("arp: announce is broadcast request spa=tpa=us",
	      eth_addr_is_broadcast(&e.dst) && p.op == ARP_OP_REQUEST &&
		      p.spa == FAKENET_US && p.tpa == FAKENET_US);
	fakenet_clear();

	/* arping: a broadcast request from the peer. */
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n);
	CHECK("arp: one reply", fakenet_nsent == 1 && sent_arp(0, &e, &p));
	CHECK("arp: reply to the requester",
	      p.op == ARP_OP_REPLY && eth_addr_eq(&e.dst, &fakenet_peer_mac) &&
		      eth_addr_eq(&p.tha, &fakenet_peer_mac) &&
		      p.tpa == FAKENET_PEER);
	CHECK("arp: reply names us", eth_addr_eq(&p.sha, &fakenet_mac) &&
					     p.spa == FAKENET_US &&
					     eth_addr_eq(&e.src, &fakenet_mac));
	CHECK("arp: requester learned (addressed to us)",
	      arp_lookup(FAKENET_PEER, &mac, NULL) == 0 &&
		      eth_addr_eq(&mac, &fakenet_peer_mac));
	fakenet_clear();

	/* A request for someone else: no reply, nothing learned. */
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac,
			NET_IP4(10, 0, 0, 7), NET_IP4(10, 0, 0, 9));
	fakenet_inject(frame, n);
	CHECK("arp: request for another: no reply", fakenet_nsent == 0);
	CHECK("arp: request for another: not learned",
	      arp_lookup(NET_IP4(10, 0, 0, 7), NULL, NULL) == -ENOENT);
	/* ... but an entry we have is updated (RFC 826 merge). */
	{
		struct eth_addr moved = {{2, 0, 0, 0, 0, 0x11}};
		n = fakenet_arp(frame, ARP_OP_REQUEST, &moved, FAKENET_PEER,
				NET_IP4(10, 0, 0, 9));
		fakenet_inject(frame, n);
		CHECK("arp: merge updates a known entry",
		      arp_lookup(FAKENET_PEER, &mac, NULL) == 0 &&
			      eth_addr_eq(&mac, &moved));
	}
	/* Someone claims our address: counted, not learned. */
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, FAKENET_US,
			FAKENET_US);
	fakenet_inject(frame, n);
	CHECK("arp: conflict counted", net.ev.arp_conflict == 1);
	fakenet_clear();
}

static void send_udp_to(uint32_t ip, uint16_t port)
{
	struct netbuf *nb = netbuf_alloc();
	struct mview m;

	if (!netbuf_put(nb, 4, &m) || !mview_copy_in(m, 0, "abcd", 4))
		return;
	(void)udp_output(nb, FAKENET_US, 5000, ip, port);
}

static void test_resolve_queue(void)
{
	struct eth_hdr e;
	struct arp_pkt p;
	struct ipv4_hdr ip;
	unsigned queued = 0, i;
	size_t n;
	uint32_t dst = NET_IP4(10, 0, 0, 5);
	struct eth_addr mac5 = {{2, 0, 0, 0, 0, 5}};

	fakenet_setup(FAKENET_US, 24, 0, false);
	fakenet_clear();
	for (i = 0; i < NET_ARP_PENDING + 3; i++)
		send_udp_to(dst, (uint16_t)(1000 + i));
	net_tx_flush_now();
	CHECK("arp: one request for many packets",
	      fakenet_nsent == 1 && sent_arp(0, &e, &p) &&
		      p.op == ARP_OP_REQUEST && p.tpa == dst &&
		      eth_addr_is_broadcast(&e.dst));
	CHECK("arp: queue bounded", arp_lookup(dst, NULL, &queued) == -EAGAIN &&
					    queued == NET_ARP_PENDING);
	CHECK("arp: oldest dropped and counted", net.ev.arp_queue_full == 3);
	fakenet_clear();

	n = fakenet_arp(frame, ARP_OP_REPLY, &mac5, dst, FAKENET_US);
	fakenet_inject(frame, n);
	CHECK("arp: reply releases the queue",
	      fakenet_nsent == NET_ARP_PENDING);
	{
		uint16_t port = 0;
		bool ok = fakenet_sent_ipv4(0, &e, &ip) &&
			  eth_addr_eq(&e.dst, &mac5) &&
			  view_be16(ip.payload, 2, &port);
		CHECK("arp: released in order, newest kept",
		      ok && port == 1000 + 3);
	}
	fakenet_clear();

	/* Retransmission: 3 requests a second apart, then give up. */
	dst = NET_IP4(10, 0, 0, 6);
	send_udp_to(dst, 7);
	net_tx_flush_now();
	fakenet_advance_ms(999);
	CHECK("arp: no retry before 1 s", fakenet_nsent == 1);
	fakenet_advance_ms(1);
	CHECK("arp: retry at 1 s",
	      fakenet_nsent == 2 && sent_arp(1, &e, &p) && p.tpa == dst);
	fakenet_advance_ms(1000);
	CHECK("arp: third request", fakenet_nsent == 3);
	fakenet_advance_ms(1000);
	CHECK("arp: gives up after 3",
	      fakenet_nsent == 3 && arp_lookup(dst, NULL, NULL) == -ENOENT &&
		      net.ev.arp_unresolved == 1);
	fakenet_clear();
}

static void test_expiry_refresh_lru(void)
{
	struct eth_hdr e;
	struct arp_pkt p;
	struct eth_addr mac;
	size_t n;
	unsigned i;

	fakenet_setup(FAKENET_US, 24, 0, false);
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n);
	fakenet_clear();
	/* Used shortly before expiry: sent at once, and a unicast poll. */
	fakenet_advance_ns(NET_ARP_TTL_NS - NET_ARP_REFRESH_NS + 1);
	send_udp_to(FAKENET_PEER, 9);
	net_tx_flush_now();
	CHECK("arp: refresh poll is unicast",
	      fakenet_nsent == 2 && sent_arp(0, &e, &p) &&
		      p.op == ARP_OP_REQUEST &&
		      eth_addr_eq(&e.dst, &fakenet_peer_mac));
	CHECK("arp: packet still sent during refresh",
	      fakenet_find(ETH_TYPE_IPV4, IPV4_PROTO_UDP) == 1);
	fakenet_clear();
	/* No answer: the entry expires. */
	fakenet_advance_ns(NET_ARP_REFRESH_NS);
	CHECK("arp: entry expires",
	      arp_lookup(FAKENET_PEER, &mac, NULL) == -ENOENT);
	/* An answer to the poll would have renewed it. */
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n);
	fakenet_advance_ns(NET_ARP_TTL_NS - 1);
	n = fakenet_arp(frame, ARP_OP_REPLY, &fakenet_peer_mac, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n);
	fakenet_advance_ns(NET_ARP_TTL_NS / 2);
	CHECK("arp: a reply renews the entry",
	      arp_lookup(FAKENET_PEER, &mac, NULL) == 0);
	fakenet_clear();

	/* LRU: fill the table, then one more replaces the least used. */
	fakenet_setup(FAKENET_US, 16, 0, false);
	for (i = 0; i < NET_ARP_ENTRIES; i++) {
		struct eth_addr m = {{2, 0, 0, 0, 1, (uint8_t)i}};
		n = fakenet_arp(frame, ARP_OP_REQUEST, &m, NET_IP4(10, 0, 1, i),
				FAKENET_US);
		fakenet_inject(frame, n);
		fakenet_advance_ms(1);
	}
	send_udp_to(NET_IP4(10, 0, 1, 0), 1); /* entry 0 is now recent */
	{
		struct eth_addr m = {{2, 0, 0, 0, 2, 0}};
		n = fakenet_arp(frame, ARP_OP_REQUEST, &m, NET_IP4(10, 0, 2, 0),
				FAKENET_US);
		fakenet_inject(frame, n);
	}
	CHECK("arp: table full: LRU replaced",
	      net.ev.arp_evicted == 1 &&
		      arp_lookup(NET_IP4(10, 0, 1, 1), NULL, NULL) == -ENOENT &&
		      arp_lookup(NET_IP4(10, 0, 1, 0), NULL, NULL) == 0 &&
		      arp_lookup(NET_IP4(10, 0, 2, 0), NULL, NULL) == 0);
	fakenet_clear();
}

static void test_malformed(void)
{
	uint8_t pkt[ARP_LEN];
	size_t n;

	fakenet_setup(FAKENET_US, 24, 0, false);
	fakenet_clear();
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n - 1);
	CHECK("arp: short dropped",
	      net.drops[NET_DROP_ARP_SHORT] == 1 && fakenet_nsent == 0);
	memcpy(pkt, frame + ETH_HDR_LEN, ARP_LEN);
	pkt[7] = 9; /* op */
	n = fakenet_eth(frame, &fakenet_peer_mac, &eth_broadcast, ETH_TYPE_ARP,
			pkt, sizeof pkt);
	fakenet_inject(frame, n);
	CHECK("arp: bad op dropped", net.drops[NET_DROP_ARP_BAD_OP] == 1);
	n = fakenet_arp(frame, ARP_OP_REQUEST, &eth_broadcast, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n);
	CHECK("arp: broadcast sender dropped",
	      net.drops[NET_DROP_ARP_BAD_HW] == 1 && fakenet_nsent == 0);
	fakenet_inject(frame, 10);
	CHECK("arp: runt frame", net.drops[NET_DROP_ETH_RUNT] == 1);
	n = fakenet_arp(frame, ARP_OP_REQUEST, &fakenet_peer_mac, FAKENET_PEER,
			FAKENET_US);
	fakenet_inject(frame, n);
	CHECK("arp: still answers", fakenet_nsent == 1);
	fakenet_clear();
}

int main(void)
{
	test_announce_and_reply();
	test_resolve_queue();
	test_expiry_refresh_lru();
	test_malformed();
	net_reset();
	fakenet_clear();
	return fake_done();
}
