/*
 * ICMPv4 messages (RFC 792; RFC 1191 for the next-hop MTU).
 *
 *   0      1      2          4                   8
 *   +------+------+----------+-------------------+------------------
 *   | type | code | checksum | rest of header    | data ...
 *   +------+------+----------+-------------------+------------------
 *
 * "Rest of header" is id and sequence for echo (types 8, 0), unused plus
 * the next-hop MTU for "fragmentation needed" (type 3 code 4, RFC 1191
 * section 4), and unused / a pointer for the other errors. An error
 * message's data quotes the IP header of the datagram that caused it plus
 * at least its first 8 bytes (RFC 792; routers may quote more, RFC 1812
 * 4.3.2.3); the parser decodes that quote with ipv4_parse_quoted(), so the
 * stack can find the socket (addresses, protocol, ports) it concerns.
 *
 * Whether to send an error at all (never about an ICMP error, a broadcast
 * or a non-first fragment, RFC 1122 3.2.2) is the stack's decision, not
 * the codec's.
 */
#ifndef KILN_NET_ICMP_WIRE_H
#define KILN_NET_ICMP_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include <kiln/view.h>

#include "drop.h"
#include "ipv4_wire.h"

#define ICMP_HDR_LEN 8u

#define ICMP_ECHO_REPLY	   0u
#define ICMP_DEST_UNREACH  3u
#define ICMP_SOURCE_QUENCH 4u /* deprecated, RFC 6633 */
#define ICMP_REDIRECT	   5u
#define ICMP_ECHO_REQUEST  8u
#define ICMP_TIME_EXCEEDED 11u
#define ICMP_PARAM_PROBLEM 12u

/* Codes of ICMP_DEST_UNREACH. */
#define ICMP_UNREACH_NET	 0u
#define ICMP_UNREACH_HOST	 1u
#define ICMP_UNREACH_PROTO	 2u
#define ICMP_UNREACH_PORT	 3u
#define ICMP_UNREACH_FRAG_NEEDED 4u

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum;	       /* as received / as emitted */
	uint32_t rest;	       /* bytes 4..7 raw (parse); see icmp_emit */
	uint16_t id, seq;      /* echo request/reply */
	uint16_t mtu;	       /* unreach/frag-needed: next-hop MTU, 0 = none */
	struct view data;      /* echo: payload; errors: the quote */
	bool has_quote;	       /* error types 3, 4, 5, 11, 12 */
	struct ipv4_hdr quote; /* the quoted header (payload = its 8 bytes) */
};

/* True for the types whose data is a quote of the offending datagram. */
bool icmp_is_error(uint8_t type);

/*
 * Parse a message (the IPv4 payload). Checks: at least 8 bytes
 * (NET_DROP_ICMP_SHORT), the checksum over the whole message
 * (NET_DROP_ICMP_BAD_CSUM), and for error types a quote holding an IPv4
 * header plus 8 bytes (NET_DROP_ICMP_BAD_QUOTE). Unknown types are not
 * drops: they are reported with rest and data for the stack to ignore.
 * On NET_DROP_NONE fills *out with views into msg.
 */
enum net_drop icmp_parse(struct view msg, struct icmp_hdr *out);

/*
 * Write h at the start of out: type, code, bytes 4..7 (id and seq for
 * echo types; the MTU in the low 16 bits for frag-needed; h->rest
 * otherwise), then h->data copied (it may overlap out: a reply may be
 * built in the request's buffer), then the checksum. Returns the message
 * length 8 + h->data.len, or -ENOSPC when out is shorter, -EINVAL when the
 * message would exceed 65515 bytes.
 */
int icmp_emit(const struct icmp_hdr *h, struct mview out);

/* The echo reply to request req (same id, seq and data), via icmp_emit. */
int icmp_emit_echo_reply(const struct icmp_hdr *req, struct mview out);

/*
 * The quote an error about datagram orig carries: its IP header and the
 * first 8 bytes after it (fewer if the datagram has fewer). orig is the
 * whole received datagram starting at its IP header, already accepted by
 * ipv4_parse. Returns false when orig does not hold a header.
 */
bool icmp_quote_of(struct view orig, struct view *quote);

/*
 * A destination unreachable message (type 3) with code and, for code 4,
 * the next-hop mtu, quoting orig as icmp_quote_of() does. Returns the
 * message length or -EINVAL (orig has no header), -ENOSPC (out short;
 * 8 + 60 + 8 bytes always suffice).
 */
int icmp_emit_unreach(uint8_t code, uint16_t mtu, struct view orig,
		      struct mview out);

/* icmp_emit_unreach(ICMP_UNREACH_PORT, 0, orig, out): for UDP, RFC 1122
 * 4.1.3.1. */
int icmp_emit_port_unreach(struct view orig, struct mview out);

#endif /* KILN_NET_ICMP_WIRE_H */
