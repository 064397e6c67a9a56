/*
 * Ethernet II frames: parse and emit the 14-byte header (IEEE 802.3
 * clause 3.2, "Type" interpretation of the length/type field).
 *
 *   0        6        12     14
 *   +--------+--------+------+----------------------
 *   |  dst   |  src   | type | payload ...
 *   +--------+--------+------+----------------------
 *
 * An 802.1Q tag (type 0x8100, or 0x88a8 for an 802.1ad outer tag) inserts
 * 4 bytes (TPID, TCI) before the real type. Kiln does not do VLANs: the
 * parser recognises the tag, steps over it, and reports it (vlan = true)
 * so that the stack counts the frame as NET_DROP_ETH_VLAN instead of
 * mistaking the tag for an unknown ethertype. Only the outer tag is
 * unwrapped; a second tag appears as ethertype 0x8100.
 *
 * The frame check sequence is not part of the frame here (tap devices and
 * virtio strip it). Frames shorter than the 60-byte Ethernet minimum are
 * accepted: a tap peer does not pad; padding on longer frames is left in
 * the payload and trimmed by IPv4's total length.
 */
#ifndef KILN_NET_ETH_WIRE_H
#define KILN_NET_ETH_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include <kiln/netbuf.h>
#include <kiln/view.h>

#include "drop.h"

#define ETH_HDR_LEN	 14u
#define ETH_VLAN_TAG_LEN 4u
#define ETH_ADDR_LEN	 6u

#define ETH_TYPE_IPV4 0x0800u
#define ETH_TYPE_ARP  0x0806u
#define ETH_TYPE_VLAN 0x8100u /* IEEE 802.1Q */
#define ETH_TYPE_QINQ 0x88a8u /* IEEE 802.1ad service tag */
#define ETH_TYPE_IPV6 0x86ddu

/* A MAC address; a struct so that it copies by assignment. */
struct eth_addr {
	uint8_t b[ETH_ADDR_LEN];
};

struct eth_hdr {
	struct eth_addr dst;
	struct eth_addr src;
	uint16_t type;	     /* the ethertype after any VLAN tag */
	bool vlan;	     /* the frame carried an 802.1Q/802.1ad tag */
	uint16_t vlan_tci;   /* its tag control info (PCP, DEI, VID) */
	struct view payload; /* everything after the header (and tag) */
};

/*
 * Parse a frame. Checks only that the header (14 bytes, 18 with a tag) is
 * present: NET_DROP_ETH_RUNT otherwise. On NET_DROP_NONE fills *out, whose
 * payload views the frame's bytes (valid as long as frame is); on a drop
 * *out is unspecified.
 */
enum net_drop eth_parse(struct view frame, struct eth_hdr *out);

/* Header length that eth_emit writes for h: 14, or 18 when h->vlan. */
size_t eth_hdr_len(const struct eth_hdr *h);

/*
 * Write h's header (dst, src, tag when h->vlan, type; h->payload ignored)
 * at the start of out. Returns the bytes written, or -ENOSPC when out is
 * shorter than eth_hdr_len(h).
 */
int eth_emit(const struct eth_hdr *h, struct mview out);

/*
 * Prepend h's header into nb's headroom (the payload is nb's data).
 * Returns 0, or -ENOSPC when the headroom is too small (nb unchanged).
 * nb stays the caller's either way.
 */
int eth_prepend(const struct eth_hdr *h, struct netbuf *nb);

/* Address tests used when deciding whether a frame is for us. */
bool eth_addr_is_broadcast(const struct eth_addr *a);
bool eth_addr_is_multicast(const struct eth_addr *a); /* incl. broadcast */
bool eth_addr_eq(const struct eth_addr *a, const struct eth_addr *b);

extern const struct eth_addr eth_broadcast;

#endif /* KILN_NET_ETH_WIRE_H */
