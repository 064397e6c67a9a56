/*
 * IPv4 headers (RFC 791 section 3.1, RFC 1122 section 3.2.1).
 *
 *   0       4       8              16    19              31
 *   +-------+-------+--------------+-----+---------------+
 *   |version|  IHL  |   DSCP/ECN   |      total length   |
 *   |        identification        |flags| fragment off. |
 *   |   TTL         |   protocol   |   header checksum   |
 *   |                 source address                     |
 *   |               destination address                  |
 *   |          options (IHL*4 - 20 bytes) ...            |
 *   +----------------------------------------------------+
 *
 * ipv4_parse() is the receive check of RFC 1122 3.2.1.1-3.2.1.2: version
 * 4, IHL >= 5, IHL*4 <= total length <= the bytes received, and a correct
 * header checksum. Bytes past the total length (the padding Ethernet adds
 * to short frames) are trimmed off the payload. Options are not
 * interpreted: they are handed up as a view, so a host that does not act
 * on them (RFC 1122 3.2.1.8 lets it ignore most) skips them safely.
 * Fragments are reported (mf, frag_off), not reassembled: the stack
 * decides.
 *
 * ipv4_parse_quoted() is the lenient variant for the header an ICMP error
 * quotes (RFC 792): that header was true when it left, but the quote may be
 * cut short, so only the header itself and 8 bytes after it must be
 * present; total length and checksum are not checked.
 *
 * Addresses are in host byte order.
 */
#ifndef KILN_NET_IPV4_WIRE_H
#define KILN_NET_IPV4_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include <kiln/netbuf.h>
#include <kiln/view.h>

#include "drop.h"

#define IPV4_HDR_LEN	 20u /* without options */
#define IPV4_MAX_HDR_LEN 60u /* IHL 15 */
#define IPV4_MAX_OPT_LEN 40u
#define IPV4_QUOTE_DATA	 8u /* bytes past the header an ICMP error quotes */

#define IPV4_PROTO_ICMP 1u
#define IPV4_PROTO_TCP	6u
#define IPV4_PROTO_UDP	17u

#define IPV4_DEFAULT_TTL 64u

struct ipv4_hdr {
	uint8_t ihl;	    /* header length in bytes (20..60) */
	uint8_t tos;	    /* DSCP (6 bits) and ECN (2 bits) */
	uint16_t total_len; /* header plus payload */
	uint16_t id;
	bool rf;	   /* reserved flag bit (must be zero; reported) */
	bool df;	   /* don't fragment */
	bool mf;	   /* more fragments */
	uint16_t frag_off; /* fragment offset in bytes (a multiple of 8) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum; /* as received / as emitted */
	uint32_t src, dst;
	struct view options;  /* IHL*4 - 20 bytes, uninterpreted */
	struct view payload;  /* total_len - ihl bytes, padding trimmed */
	uint16_t payload_len; /* emit: bytes of payload after the header */
};

/*
 * Parse a datagram (an Ethernet payload). Returns NET_DROP_NONE and fills
 * *out (views into pkt), or NET_DROP_IPV4_SHORT, _BAD_VERSION, _BAD_IHL,
 * _BAD_LEN, _TRUNCATED, _BAD_CSUM (checked in that order; *out then
 * unspecified).
 */
enum net_drop ipv4_parse(struct view pkt, struct ipv4_hdr *out);

/* True when the datagram is a fragment (MF set or offset non-zero). */
static inline bool ipv4_is_fragment(const struct ipv4_hdr *h)
{
	return h->mf || h->frag_off != 0;
}

/*
 * Parse the header quoted in an ICMP error. Needs version 4, IHL >= 5 and
 * IHL*4 + 8 bytes in quote; returns NET_DROP_ICMP_BAD_QUOTE otherwise.
 * total_len, checksum and flags are reported as found; options views the
 * quoted options; payload views the first 8 bytes of the quoted transport
 * header (ports for UDP and TCP).
 */
enum net_drop ipv4_parse_quoted(struct view quote, struct ipv4_hdr *out);

/*
 * The header length ipv4_emit writes for h: 20 plus h->options.len, or 0
 * when the options do not fit (more than 40 bytes, or not a multiple of 4:
 * the caller pads options itself, RFC 791 "Padding").
 */
size_t ipv4_hdr_len(const struct ipv4_hdr *h);

/*
 * Write h's header at the start of out: IHL from h->options, total length
 * = header + h->payload_len, flags, offset, TTL, protocol, addresses,
 * options copied, and the header checksum computed (h->ihl, total_len,
 * csum and payload are ignored). Returns the header length, -EINVAL for
 * bad options or a total length over 65535, -ENOSPC when out is short.
 */
int ipv4_emit(const struct ipv4_hdr *h, struct mview out);

/*
 * Prepend h's header into nb's headroom; the payload is nb's current data
 * (h->payload_len is taken from nb->len). Returns 0 or a negative errno
 * as ipv4_emit (nb unchanged on failure; it stays the caller's).
 */
int ipv4_prepend(const struct ipv4_hdr *h, struct netbuf *nb);

#endif /* KILN_NET_IPV4_WIRE_H */
