/*
 * Why a received packet was dropped.
 *
 * Every wire parser in lib/net returns one of these: NET_DROP_NONE when the
 * bytes are acceptable, otherwise the first reason it found. Malformed
 * input is never an error in the errno sense (nothing went wrong in Kiln);
 * it is counted and dropped (DESIGN.md decision 9).
 *
 * The reasons of all protocols share one enum, grouped by protocol with a
 * prefix (NET_DROP_IPV4_..., NET_DROP_TCP_...), so that a stack keeps one
 * array of counters `uint64_t drops[NET_DROP_COUNT]` indexed by the value a
 * parser returned, and prints it with net_drop_name(). Some reasons are
 * never returned by a codec but reserved for the stack above it (marked
 * "stack"), so that one table covers every drop of a frame.
 *
 * Values may be renumbered between versions; compare by name, not number.
 */
#ifndef KILN_NET_DROP_H
#define KILN_NET_DROP_H

enum net_drop {
	NET_DROP_NONE = 0, /* accepted */

	/* Ethernet II (IEEE 802.3 clause 3) */
	NET_DROP_ETH_RUNT,	   /* < 14 bytes, or < 18 with an 802.1Q tag */
	NET_DROP_ETH_VLAN,	   /* stack: tagged frame, no VLAN support */
	NET_DROP_ETH_NOT_FOR_US,   /* stack: destination MAC not ours */
	NET_DROP_ETH_UNKNOWN_TYPE, /* stack: ethertype not IPv4 or ARP */

	/* ARP (RFC 826) */
	NET_DROP_ARP_SHORT,	/* < 28 bytes */
	NET_DROP_ARP_BAD_HW,	/* htype != 1 (Ethernet) or hlen != 6 */
	NET_DROP_ARP_BAD_PROTO, /* ptype != 0x0800 (IPv4) or plen != 4 */
	NET_DROP_ARP_BAD_OP,	/* op not request (1) or reply (2) */

	/* IPv4 (RFC 791, RFC 1122 3.2.1) */
	NET_DROP_IPV4_SHORT,	   /* < 20 bytes */
	NET_DROP_IPV4_BAD_VERSION, /* version != 4 */
	NET_DROP_IPV4_BAD_IHL,	   /* IHL < 5 */
	NET_DROP_IPV4_BAD_LEN,	   /* total length < IHL * 4 */
	NET_DROP_IPV4_TRUNCATED,   /* total length > bytes received */
	NET_DROP_IPV4_BAD_CSUM,	   /* header checksum wrong */
	NET_DROP_IPV4_FRAGMENT,	   /* stack: fragments not reassembled */
	NET_DROP_IPV4_NOT_FOR_US,  /* stack: destination not ours */

	/* ICMPv4 (RFC 792) */
	NET_DROP_ICMP_SHORT,	 /* < 8 bytes */
	NET_DROP_ICMP_BAD_CSUM,	 /* checksum wrong */
	NET_DROP_ICMP_BAD_QUOTE, /* error message quoting < IP header + 8 */

	/* UDP (RFC 768) */
	NET_DROP_UDP_SHORT,    /* < 8 bytes */
	NET_DROP_UDP_BAD_LEN,  /* length < 8 or > IP payload */
	NET_DROP_UDP_BAD_CSUM, /* non-zero checksum wrong */
	NET_DROP_UDP_NO_PORT,  /* stack: nobody bound to the port */

	/* TCP (RFC 9293) */
	NET_DROP_TCP_SHORT,	 /* < 20 bytes */
	NET_DROP_TCP_BAD_DOFF,	 /* data offset < 5 or past the segment */
	NET_DROP_TCP_BAD_CSUM,	 /* checksum wrong */
	NET_DROP_TCP_BAD_OPTION, /* option length 0, 1, past the header... */

	/* DHCP (RFC 2131, RFC 2132) */
	NET_DROP_DHCP_SHORT,	  /* < 240 bytes (fixed header + cookie) */
	NET_DROP_DHCP_BAD_HW,	  /* htype != 1 or hlen != 6 */
	NET_DROP_DHCP_BAD_COOKIE, /* magic cookie != 99.130.83.99 */
	NET_DROP_DHCP_BAD_OPTION, /* option runs off the end, bad length */
	NET_DROP_DHCP_NO_TYPE,	  /* no message type option (plain BOOTP) */

	NET_DROP_COUNT
};

/*
 * A short stable lowercase name for the reason ("ipv4_bad_ihl"), for
 * counters and logs; "unknown" for a value out of range. Never NULL.
 */
const char *net_drop_name(enum net_drop why);

#endif /* KILN_NET_DROP_H */
