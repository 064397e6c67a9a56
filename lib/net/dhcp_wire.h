/*
 * DHCP messages (RFC 2131 section 2; options RFC 2132), as a client on
 * Ethernet needs them.
 *
 *   0    1     2    3    4        8      10     12       16       20
 *   +----+-----+----+----+--------+------+------+--------+--------+
 *   | op |htype|hlen|hops|  xid   | secs |flags | ciaddr | yiaddr |
 *   +----+-----+----+----+--------+------+------+--------+--------+
 *   20 siaddr 24 giaddr 28 chaddr (16) 44 sname (64) 108 file (128)
 *   236 magic cookie 99.130.83.99   240 options: code, len, data ...
 *
 * The parser checks the fixed header (240 bytes incl. the cookie; htype 1,
 * hlen 6) and walks the options: pad (0) and end (255) are single bytes;
 * every other option needs its length byte and its data inside the
 * message, or the message is malformed (NET_DROP_DHCP_BAD_OPTION), so a
 * truncated or overlong option can never be read past the end. The walk
 * is bounded by the message length. Options Kiln uses are decoded, with
 * their lengths checked (RFC 2132); others are skipped. A message without
 * an end option is accepted (the bytes ran out first: nothing was lost);
 * one without a message type (53) is plain BOOTP: NET_DROP_DHCP_NO_TYPE.
 * Option overload (52: options in sname/file) is not supported; those
 * fields are ignored.
 *
 * Addresses in host byte order; times in seconds.
 */
#ifndef KILN_NET_DHCP_WIRE_H
#define KILN_NET_DHCP_WIRE_H

#include <stdint.h>

#include <kiln/view.h>

#include "drop.h"
#include "eth_wire.h"

#define DHCP_SERVER_PORT 67u
#define DHCP_CLIENT_PORT 68u

#define DHCP_FIXED_LEN	  236u /* up to the cookie */
#define DHCP_HDR_LEN	  240u /* with the cookie */
#define DHCP_MIN_LEN	  300u /* BOOTP minimum, RFC 1542 2.1; emit pads */
#define DHCP_EMIT_MAX_LEN 320u /* dhcp_emit never needs more */
#define DHCP_COOKIE	  0x63825363u

#define DHCP_OP_REQUEST	    1u /* BOOTREQUEST */
#define DHCP_OP_REPLY	    2u /* BOOTREPLY */
#define DHCP_FLAG_BROADCAST 0x8000u

/* Message types, option 53 (RFC 2132 9.6). */
#define DHCP_DISCOVER 1u
#define DHCP_OFFER    2u
#define DHCP_REQUEST  3u
#define DHCP_DECLINE  4u
#define DHCP_ACK      5u
#define DHCP_NAK      6u
#define DHCP_RELEASE  7u
#define DHCP_INFORM   8u

/* Option codes (RFC 2132). */
#define DHCP_OPT_PAD	      0u
#define DHCP_OPT_SUBNET_MASK  1u
#define DHCP_OPT_ROUTER	      3u
#define DHCP_OPT_DNS	      6u
#define DHCP_OPT_REQUESTED_IP 50u
#define DHCP_OPT_LEASE_TIME   51u
#define DHCP_OPT_MSG_TYPE     53u
#define DHCP_OPT_SERVER_ID    54u
#define DHCP_OPT_PARAM_LIST   55u
#define DHCP_OPT_T1	      58u
#define DHCP_OPT_T2	      59u
#define DHCP_OPT_END	      255u

/* Bits of dhcp_msg.has: which optional fields hold a value. */
#define DHCP_HAS_SUBNET_MASK  0x01u
#define DHCP_HAS_ROUTER	      0x02u
#define DHCP_HAS_REQUESTED_IP 0x04u
#define DHCP_HAS_LEASE_TIME   0x08u
#define DHCP_HAS_SERVER_ID    0x10u
#define DHCP_HAS_T1	      0x20u
#define DHCP_HAS_T2	      0x40u

#define DHCP_MAX_DNS 4u

struct dhcp_msg {
	uint8_t op; /* DHCP_OP_REQUEST / DHCP_OP_REPLY */
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags; /* DHCP_FLAG_BROADCAST */
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	struct eth_addr chaddr;

	uint8_t type; /* option 53: DHCP_DISCOVER ... */
	unsigned has; /* DHCP_HAS_* */
	uint32_t subnet_mask;
	uint32_t router; /* the first router listed */
	uint32_t requested_ip;
	uint32_t lease_time, t1, t2;
	uint32_t server_id;
	uint8_t ndns; /* DNS servers kept (the first DHCP_MAX_DNS) */
	uint32_t dns[DHCP_MAX_DNS];
};

/*
 * Parse a message (the UDP payload). Returns NET_DROP_NONE and fills *out,
 * or NET_DROP_DHCP_SHORT, _BAD_HW, _BAD_COOKIE, _BAD_OPTION, _NO_TYPE
 * (*out then unspecified).
 */
enum net_drop dhcp_parse(struct view msg, struct dhcp_msg *out);

/*
 * Write m into out: the fixed header (htype 1, hlen 6, chaddr padded,
 * sname and file zero), the cookie, options 53, then those m->has and
 * m->ndns mark, a parameter request list (1, 3, 6, 51, 58, 59) when m->op
 * is a request, end, and zero padding to DHCP_MIN_LEN. Returns the
 * length, or -ENOSPC when out is too short (DHCP_EMIT_MAX_LEN always
 * suffices), -EINVAL when m->ndns > DHCP_MAX_DNS.
 */
int dhcp_emit(const struct dhcp_msg *m, struct mview out);

/* A DHCPDISCOVER (RFC 2131 4.4.1) from mac, asking for a broadcast reply. */
struct dhcp_msg dhcp_make_discover(uint32_t xid, const struct eth_addr *mac);

/*
 * A DHCPREQUEST in the SELECTING state (RFC 2131 4.3.2): requested IP
 * and server id from the chosen offer, ciaddr zero, broadcast reply.
 */
struct dhcp_msg dhcp_make_request(uint32_t xid, const struct eth_addr *mac,
				  uint32_t requested_ip, uint32_t server_id);

#endif /* KILN_NET_DHCP_WIRE_H */
