/*
 * UDP headers (RFC 768; RFC 1122 4.1.3).
 *
 *   0          2          4          6          8
 *   +----------+----------+----------+----------+-------------
 *   | src port | dst port |  length  | checksum | data ...
 *   +----------+----------+----------+----------+-------------
 *
 * The checksum covers the IPv4 pseudo-header (source, destination, zero,
 * protocol 17, UDP length), the header and the data. A received checksum
 * of 0 means the sender computed none (RFC 768), so it is not verified; a
 * computed checksum of 0 is sent as 0xffff, its other representation.
 *
 * The parser and emitter are the socket layer's codec only; the sockets
 * themselves are include/kiln/udp.h. Addresses in host byte order.
 */
#ifndef KILN_NET_UDP_WIRE_H
#define KILN_NET_UDP_WIRE_H

#include <stdint.h>

#include <kiln/netbuf.h>
#include <kiln/view.h>

#include "drop.h"

#define UDP_HDR_LEN 8u

struct udp_hdr {
	uint16_t sport, dport;
	uint16_t len;	     /* header plus data, as received / emitted */
	uint16_t csum;	     /* as received (0 = none) / as emitted */
	struct view payload; /* len - 8 bytes */
};

/*
 * Parse a datagram (the IPv4 payload, already trimmed to the IP total
 * length) sent from src to dst. Checks: 8 bytes present
 * (NET_DROP_UDP_SHORT), 8 <= length <= seg.len (NET_DROP_UDP_BAD_LEN; a
 * length below seg.len is accepted and the extra bytes ignored, as Linux
 * does), and a non-zero checksum correct (NET_DROP_UDP_BAD_CSUM). On
 * NET_DROP_NONE fills *out (payload views seg).
 */
enum net_drop udp_parse(struct view seg, uint32_t src, uint32_t dst,
			struct udp_hdr *out);

/* udp_parse, but with csum_ok (a checksum the device vouched for,
 * netbuf.h) the checksum is not checked. */
enum net_drop udp_parse_rx(struct view seg, uint32_t src, uint32_t dst,
			   bool csum_ok, struct udp_hdr *out);

/*
 * Write the header into the first 8 bytes of seg, whose remaining bytes
 * are the data, already in place: length = seg.len, checksum over the
 * pseudo-header and all of seg (h->len, csum and payload are ignored).
 * Returns 8, -ENOSPC when seg.len < 8, -EINVAL when seg.len > 65515.
 */
int udp_emit(const struct udp_hdr *h, uint32_t src, uint32_t dst,
	     struct mview seg);

/*
 * Prepend the header into nb's headroom; the data is nb's current data.
 * Returns 0 or a negative errno as udp_emit (nb unchanged on failure; it
 * stays the caller's either way).
 */
int udp_prepend(const struct udp_hdr *h, uint32_t src, uint32_t dst,
		struct netbuf *nb);

#endif /* KILN_NET_UDP_WIRE_H */
