/*
 * ARP packets for IPv4 over Ethernet (RFC 826), nothing else.
 *
 *   0      2      4    5    6    8       14     18      24     28
 *   +------+------+----+----+----+-------+------+-------+------+
 *   |htype |ptype |hlen|plen| op |  sha  | spa  |  tha  | tpa  |
 *   +------+------+----+----+----+-------+------+-------+------+
 *
 * The parser insists on htype 1 (Ethernet), ptype 0x0800 (IPv4), hlen 6,
 * plen 4 and op 1 (request) or 2 (reply): any other combination is a
 * packet Kiln cannot answer, so it is a drop with a reason. Bytes after
 * the 28 (Ethernet padding to 60 bytes) are ignored.
 *
 * Protocol addresses are in host byte order, like everywhere above the
 * wire in Kiln (include/kiln/addr.h).
 */
#ifndef KILN_NET_ARP_WIRE_H
#define KILN_NET_ARP_WIRE_H

#include <stdint.h>

#include <kiln/view.h>

#include "drop.h"
#include "eth_wire.h"

#define ARP_LEN		28u
#define ARP_HTYPE_ETHER 1u
#define ARP_OP_REQUEST	1u
#define ARP_OP_REPLY	2u

struct arp_pkt {
	uint16_t op;	     /* ARP_OP_REQUEST or ARP_OP_REPLY */
	struct eth_addr sha; /* sender hardware address */
	uint32_t spa;	     /* sender protocol (IPv4) address */
	struct eth_addr tha; /* target hardware address (zero in requests) */
	uint32_t tpa;	     /* target protocol address */
};

/*
 * Parse an ARP packet (the Ethernet payload). Returns NET_DROP_NONE and
 * fills *out, or NET_DROP_ARP_SHORT / _BAD_HW / _BAD_PROTO / _BAD_OP
 * (*out unspecified).
 */
enum net_drop arp_parse(struct view pkt, struct arp_pkt *out);

/*
 * Write p as a 28-byte Ethernet/IPv4 ARP packet at the start of out.
 * Returns 28, or -ENOSPC when out is shorter.
 */
int arp_emit(const struct arp_pkt *p, struct mview out);

/*
 * The reply to request req from the host (our_mac, our_ip): sender is us,
 * target is the requester (RFC 826 "Packet Reception": swap, fill in).
 */
struct arp_pkt arp_make_reply(const struct arp_pkt *req,
			      const struct eth_addr *our_mac, uint32_t our_ip);

/* A request for target_ip from (our_mac, our_ip); tha is zero. */
struct arp_pkt arp_make_request(const struct eth_addr *our_mac, uint32_t our_ip,
				uint32_t target_ip);

#endif /* KILN_NET_ARP_WIRE_H */
