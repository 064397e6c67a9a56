/*
 * Ethernet II (IEEE 802.3 clause 3): receive demux and IPv4 output.
 *
 * Input keeps what is addressed to us: our MAC and broadcast. Multicast is
 * dropped (Kiln joins no group: no IGMP, no mDNS), and so are 802.1Q /
 * 802.1ad tagged frames (no VLAN support). IPv4 and ARP go up; every other
 * ethertype (IPv6 included) is counted and dropped.
 *
 * Output of IPv4 needs the next hop's MAC: broadcast addresses map to
 * ff:ff:ff:ff:ff:ff (RFC 1122 3.3.6), everything else through the ARP
 * cache, which may queue the packet until the reply comes (arp.c).
 */
#include <kiln/netbuf.h>

#include "arp_wire.h"
#include "eth_wire.h"
#include "stack.h"

void eth_input(struct netbuf *nb)
{
	struct eth_hdr h;
	enum net_drop why = eth_parse(netbuf_view(nb), &h);

	if (why != NET_DROP_NONE) {
		net_drop(why, nb);
		return;
	}
	if (!eth_addr_eq(&h.dst, &net.mac) && !eth_addr_is_broadcast(&h.dst)) {
		if (eth_addr_is_multicast(&h.dst))
			net.ev.eth_multicast++;
		net_drop(NET_DROP_ETH_NOT_FOR_US, nb);
		return;
	}
	if (h.vlan) {
		net_drop(NET_DROP_ETH_VLAN, nb);
		return;
	}
	/* Step over the header: the payload is the rest of the frame. */
	if (!netbuf_pull(nb, nb->len - h.payload.len)) {
		net_drop(NET_DROP_ETH_RUNT, nb); /* cannot happen */
		return;
	}
	switch (h.type) {
	case ETH_TYPE_IPV4:
		ipv4_input(nb);
		break;
	case ETH_TYPE_ARP:
		arp_input(nb);
		break;
	default:
		net_drop(NET_DROP_ETH_UNKNOWN_TYPE, nb);
		break;
	}
}

/*
 * Put the Ethernet header on nb and queue it for transmission. Consumes
 * nb. Also used by arp.c for its own packets and for the packets it kept
 * while resolving.
 */
void eth_send(struct netbuf *nb, const struct eth_addr *dst, uint16_t type)
{
	struct eth_hdr h = {0};

	h.dst = *dst;
	h.src = net.mac;
	h.type = type;
	if (eth_prepend(&h, nb) != 0) {
		/* Every sender leaves NETBUF_HEADROOM minus IP headers. */
		net.ev.tx_nobuf++;
		netbuf_free(nb);
		return;
	}
	net_tx(nb);
}

void eth_output_ipv4(struct netbuf *nb, uint32_t next_hop)
{
	struct eth_addr mac;

	if (ipv4_is_bcast(next_hop)) {
		eth_send(nb, &eth_broadcast, ETH_TYPE_IPV4);
		return;
	}
	if (arp_resolve(next_hop, &mac, nb))
		eth_send(nb, &mac, ETH_TYPE_IPV4);
	/* else arp.c kept nb (or dropped and counted it). */
}
