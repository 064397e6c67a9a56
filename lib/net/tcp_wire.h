/*
 * TCP headers and options (RFC 9293 section 3.1; options from RFC 7323
 * (window scale, timestamps) and RFC 2018 (SACK)).
 *
 *   0          2          4                    8                   12
 *   +----------+----------+--------------------+--------------------+
 *   | src port | dst port |  sequence number   |  ack number        |
 *   +----+-----+----------+----------+---------+--------------------+
 *   |doff|flags| window   | checksum | urgent  | options ... data ...
 *   +----+-----+----------+----------+---------+--------------------
 *   12   13    14         16         18        20
 *
 * The parser checks the header, not the connection: 20 bytes present,
 * 5 <= data offset and data offset * 4 <= segment length, the checksum over
 * the IPv4 pseudo-header and the whole segment, and the options' framing.
 * Options it knows are decoded into struct tcp_opts; unknown kinds are
 * skipped by their length. A known option with the wrong length, a length
 * byte of 0 or 1, a length running past the header, or a missing length
 * byte make the segment malformed (NET_DROP_TCP_BAD_OPTION): RFC 9293
 * 3.1 requires robustness against illegal lengths, and one that lies
 * about where the options end is safest dropped whole (smoltcp does too).
 * Values are reported raw (a window scale above 14 included); clamping
 * them is the stack's job (RFC 7323 2.3).
 *
 * Addresses in host byte order.
 */
#ifndef KILN_NET_TCP_WIRE_H
#define KILN_NET_TCP_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include <kiln/netbuf.h>
#include <kiln/view.h>

#include "drop.h"

#define TCP_HDR_LEN	20u
#define TCP_MAX_HDR_LEN 60u
#define TCP_MAX_OPT_LEN 40u

/* Flags: byte 13, plus the old NS / AccECN AE bit (byte 12 bit 0). */
#define TCP_FLAG_FIN 0x001u
#define TCP_FLAG_SYN 0x002u
#define TCP_FLAG_RST 0x004u
#define TCP_FLAG_PSH 0x008u
#define TCP_FLAG_ACK 0x010u
#define TCP_FLAG_URG 0x020u
#define TCP_FLAG_ECE 0x040u
#define TCP_FLAG_CWR 0x080u
#define TCP_FLAG_AE  0x100u

/* Option kinds. */
#define TCP_OPT_EOL	  0u
#define TCP_OPT_NOP	  1u
#define TCP_OPT_MSS	  2u /* len 4, RFC 9293 3.7.1 */
#define TCP_OPT_WS	  3u /* len 3, RFC 7323 2.2 */
#define TCP_OPT_SACK_PERM 4u /* len 2, RFC 2018 2 */
#define TCP_OPT_SACK	  5u /* len 2 + 8n, RFC 2018 3 */
#define TCP_OPT_TS	  8u /* len 10, RFC 7323 3.2 */

/* At most 4 SACK blocks fit in 40 bytes of options (2 + 4 * 8 = 34). */
#define TCP_MAX_SACK 4u

struct tcp_sack {
	uint32_t left, right; /* [left, right) in sequence space */
};

struct tcp_opts {
	bool has_mss;
	uint16_t mss;
	bool has_ws;
	uint8_t ws; /* shift count, raw */
	bool sack_perm;
	bool has_ts;
	uint32_t ts_val, ts_ecr;
	uint8_t nsack; /* SACK blocks present (0..4) */
	struct tcp_sack sack[TCP_MAX_SACK];
};

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t doff;	 /* header length in bytes (20..60) */
	uint16_t flags;	 /* TCP_FLAG_* */
	uint16_t window; /* raw, not scaled */
	uint16_t csum;	 /* as received / as emitted */
	uint16_t urg;	 /* urgent pointer */
	struct tcp_opts opts;
	struct view options; /* the raw option bytes */
	struct view payload; /* the data after the header */
};

/*
 * Parse a segment (the IPv4 payload, trimmed to the IP total length) from
 * src to dst. Returns NET_DROP_NONE and fills *out (views into seg), or
 * NET_DROP_TCP_SHORT, _BAD_DOFF, _BAD_CSUM, _BAD_OPTION (in that order of
 * checking; *out then unspecified). A view over 65535 bytes, which no
 * IPv4 datagram can carry, is NET_DROP_TCP_SHORT too.
 */
enum net_drop tcp_parse(struct view seg, uint32_t src, uint32_t dst,
			struct tcp_hdr *out);

/* tcp_parse, but with csum_ok (a checksum the device vouched for,
 * netbuf.h) the checksum is not checked. */
enum net_drop tcp_parse_rx(struct view seg, uint32_t src, uint32_t dst,
			   bool csum_ok, struct tcp_hdr *out);

/*
 * Decode an options area alone (as tcp_parse does). Returns
 * NET_DROP_NONE or NET_DROP_TCP_BAD_OPTION; *out is zeroed first.
 */
enum net_drop tcp_parse_opts(struct view opts, struct tcp_opts *out);

/*
 * Bytes of options tcp_emit writes for o, laid out as Linux does (a
 * multiple of 4): MSS; SACK-permitted with timestamps, or timestamps or
 * SACK-permitted behind two NOPs; NOP + window scale; NOP NOP + SACK
 * blocks. Returns -EINVAL when they exceed 40 bytes (e.g. 4 SACK blocks
 * and timestamps: send at most 3 with timestamps, RFC 2018 3).
 */
int tcp_opts_len(const struct tcp_opts *o);

/* tcp_opts_len + 20, or 0 when the options do not fit. */
size_t tcp_hdr_len(const struct tcp_hdr *h);

/*
 * Write the header (fixed part and h->opts) at the start of seg, whose
 * bytes after tcp_hdr_len(h) are the data, already in place; compute the
 * checksum over the pseudo-header and all of seg. h->doff, csum, options
 * and payload are ignored. Returns the header length, -EINVAL for options
 * that do not fit or seg.len > 65515, -ENOSPC when seg is shorter than
 * the header.
 */
int tcp_emit(const struct tcp_hdr *h, uint32_t src, uint32_t dst,
	     struct mview seg);

/*
 * Prepend the header into nb's headroom; the data is nb's current data.
 * Returns 0 or a negative errno as tcp_emit (nb unchanged on failure; it
 * stays the caller's either way).
 */
int tcp_prepend(const struct tcp_hdr *h, uint32_t src, uint32_t dst,
		struct netbuf *nb);

#endif /* KILN_NET_TCP_WIRE_H */
