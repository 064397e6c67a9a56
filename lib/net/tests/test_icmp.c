/*
 * ICMPv4 codec: the real ping request and the reply built from it (also
 * in place, in the request's own buffer), destination unreachable with
 * quotes (whole, truncated, with options), fragmentation needed with its
 * MTU, port unreachable quoting a real DNS query, bad checksums, runts.
 */
#include <stdint.h>

#include "cksum.h"
#include "icmp_wire.h"
#include "ipv4_wire.h"
#include "net_test.h"
#include "vectors.h"

#define PING_ICMP     (vec_ping + 34)
#define PING_ICMP_LEN (sizeof(vec_ping) - 34)
#define DNS_IP	      (vec_dns + 14)
#define DNS_IP_LEN    (sizeof(vec_dns) - 14)

/* Build an error message by hand: type, code, rest, quote; checksummed. */
static size_t mk_error(uint8_t *b, uint8_t type, uint8_t code, uint32_t rest,
		       const uint8_t *quote, size_t qlen)
{
	b[0] = type, b[1] = code, b[2] = b[3] = 0;
	b[4] = (uint8_t)(rest >> 24), b[5] = (uint8_t)(rest >> 16);
	b[6] = (uint8_t)(rest >> 8), b[7] = (uint8_t)rest;
	if (qlen)
		memcpy(b + 8, quote, qlen);
	uint16_t c = net_cksum(view_make(b, 8 + qlen));
	b[2] = (uint8_t)(c >> 8), b[3] = (uint8_t)c;
	return 8 + qlen;
}

static void test_echo(void)
{
	struct icmp_hdr h, r;
	uint8_t out[128];

	CHECK_DROP("ping parses",
		   icmp_parse(view_make(PING_ICMP, PING_ICMP_LEN), &h),
		   NET_DROP_NONE);
	CHECK("ping fields", h.type == ICMP_ECHO_REQUEST && h.code == 0 &&
				     h.id == 0x1234 && h.seq == 1 &&
				     h.data.len == 56 && !h.has_quote &&
				     h.data.p == PING_ICMP + 8);

	int n = icmp_emit_echo_reply(&h, mview_make(out, sizeof(out)));
	CHECK("reply length", n == 64);
	CHECK_DROP("reply parses", icmp_parse(view_make(out, 64), &r),
		   NET_DROP_NONE);
	CHECK("reply fields", r.type == ICMP_ECHO_REPLY && r.id == 0x1234 &&
				      r.seq == 1 && view_eq(r.data, h.data));
	/* RFC 1624 incremental update: type 8 -> 0 adds 0x0800 to ~sum. */
	CHECK("reply checksum is the request's + 0x0800",
	      r.csum == (uint16_t)(h.csum + 0x0800));
	CHECK("reply into a short buffer",
	      icmp_emit_echo_reply(&h, mview_make(out, 63)) == -ENOSPC);

	/* In place: the reply overwrites the request it quotes. */
	uint8_t inplace[64];
	memcpy(inplace, PING_ICMP, 64);
	CHECK_DROP("in-place request", icmp_parse(view_make(inplace, 64), &h),
		   NET_DROP_NONE);
	CHECK("in-place reply",
	      icmp_emit_echo_reply(&h, mview_make(inplace, 64)) == 64 &&
		      !memcmp(inplace, out, 64));

	CHECK_DROP("7 bytes", icmp_parse(view_make(PING_ICMP, 7), &h),
		   NET_DROP_ICMP_SHORT);
	CHECK_DROP("empty", icmp_parse(view_make(NULL, 0), &h),
		   NET_DROP_ICMP_SHORT);
	memcpy(out, PING_ICMP, PING_ICMP_LEN);
	out[20] ^= 0x40;
	CHECK_DROP("payload corrupted", icmp_parse(view_make(out, 64), &h),
		   NET_DROP_ICMP_BAD_CSUM);
	CHECK_DROP("cut short (checksum no longer matches)",
		   icmp_parse(view_make(PING_ICMP, 63), &h),
		   NET_DROP_ICMP_BAD_CSUM);

	/* An echo with no data at all, and an odd-length one. */
	struct icmp_hdr e = {.type = ICMP_ECHO_REQUEST, .id = 7, .seq = 9};
	CHECK("empty echo emits", icmp_emit(&e, mview_make(out, 8)) == 8);
	CHECK_DROP("empty echo parses", icmp_parse(view_make(out, 8), &h),
		   NET_DROP_NONE);
	CHECK("empty echo fields", h.id == 7 && h.seq == 9 && h.data.len == 0);
	e.data = view_make(PING_ICMP + 8, 13);
	CHECK("odd echo emits", icmp_emit(&e, mview_make(out, 21)) == 21);
	CHECK_DROP("odd echo parses", icmp_parse(view_make(out, 21), &h),
		   NET_DROP_NONE);
}

static void test_errors(void)
{
	uint8_t b[128], q[64];
	struct icmp_hdr h;
	size_t n;

	/* Port unreachable quoting the DNS query's header and UDP header. */
	n = mk_error(b, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, DNS_IP, 28);
	CHECK_DROP("port unreachable parses", icmp_parse(view_make(b, n), &h),
		   NET_DROP_NONE);
	CHECK("quote decoded", h.has_quote && h.quote.proto == IPV4_PROTO_UDP &&
				       h.quote.src == NET_IP4(10, 0, 0, 1) &&
				       h.quote.dst == NET_IP4(10, 0, 0, 2) &&
				       h.quote.payload.len == 8 && h.mtu == 0);
	uint16_t sport, dport;
	CHECK("quoted ports", view_be16(h.quote.payload, 0, &sport) &&
				      view_be16(h.quote.payload, 2, &dport) &&
				      sport == 40000 && dport == 53);

	/* A router may quote the whole datagram (RFC 1812). */
	n = mk_error(b, ICMP_TIME_EXCEEDED, 0, 0, DNS_IP, DNS_IP_LEN);
	CHECK_DROP("time exceeded, long quote", icmp_parse(view_make(b, n), &h),
		   NET_DROP_NONE);
	CHECK("long quote",
	      h.data.len == DNS_IP_LEN && h.quote.payload.len == 8);

	/* Fragmentation needed, next-hop MTU 1400 (RFC 1191). */
	n = mk_error(b, ICMP_DEST_UNREACH, ICMP_UNREACH_FRAG_NEEDED, 1400,
		     vec_syn + 14, 28);
	CHECK_DROP("frag needed parses", icmp_parse(view_make(b, n), &h),
		   NET_DROP_NONE);
	CHECK("frag needed mtu",
	      h.mtu == 1400 && h.quote.proto == IPV4_PROTO_TCP);

	/* Truncated quotes: header only, and header + 7. */
	n = mk_error(b, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, 0, DNS_IP, 20);
	CHECK_DROP("quote of a bare header", icmp_parse(view_make(b, n), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
	n = mk_error(b, ICMP_DEST_UNREACH, ICMP_UNREACH_HOST, 0, DNS_IP, 27);
	CHECK_DROP("quote of header + 7", icmp_parse(view_make(b, n), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
	n = mk_error(b, ICMP_PARAM_PROBLEM, 0, 0, NULL, 0);
	CHECK_DROP("no quote at all", icmp_parse(view_make(b, n), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
	/* Quoted header claims IHL 15 but only 28 bytes are quoted. */
	memcpy(q, DNS_IP, 28);
	q[0] = 0x4f;
	n = mk_error(b, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, q, 28);
	CHECK_DROP("quoted ihl past the quote", icmp_parse(view_make(b, n), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
	q[0] = 0x42;
	n = mk_error(b, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT, 0, q, 28);
	CHECK_DROP("quoted ihl 2", icmp_parse(view_make(b, n), &h),
		   NET_DROP_ICMP_BAD_QUOTE);

	/* Unknown types are reported, not dropped. */
	n = mk_error(b, 42, 0, 0xdeadbeef, DNS_IP, 4);
	CHECK_DROP("unknown type parses", icmp_parse(view_make(b, n), &h),
		   NET_DROP_NONE);
	CHECK("unknown type reported", h.type == 42 && h.rest == 0xdeadbeef &&
					       !h.has_quote && h.data.len == 4);
}

static void test_emit_unreach(void)
{
	uint8_t out[128];
	struct icmp_hdr h;

	int n = icmp_emit_port_unreach(view_make(DNS_IP, DNS_IP_LEN),
				       mview_make(out, sizeof(out)));
	CHECK("port unreach length: 8 + 20 + 8", n == 36);
	CHECK("quote is header + 8 bytes", !memcmp(out + 8, DNS_IP, 28));
	CHECK_DROP("port unreach parses", icmp_parse(view_make(out, 36), &h),
		   NET_DROP_NONE);
	CHECK("port unreach fields",
	      h.type == ICMP_DEST_UNREACH && h.code == ICMP_UNREACH_PORT &&
		      h.rest == 0 && h.quote.proto == IPV4_PROTO_UDP);
	CHECK("port unreach, short buffer",
	      icmp_emit_port_unreach(view_make(DNS_IP, DNS_IP_LEN),
				     mview_make(out, 35)) == -ENOSPC);

	/* A datagram with fewer than 8 bytes after its header. */
	n = icmp_emit_port_unreach(view_make(DNS_IP, 24),
				   mview_make(out, sizeof(out)));
	CHECK("short original quotes what there is", n == 8 + 24);
	CHECK("no header: refused",
	      icmp_emit_port_unreach(view_make(DNS_IP, 19),
				     mview_make(out, sizeof(out))) == -EINVAL);
	CHECK("empty: refused",
	      icmp_emit_port_unreach(view_make(NULL, 0),
				     mview_make(out, sizeof(out))) == -EINVAL);

	n = icmp_emit_unreach(ICMP_UNREACH_FRAG_NEEDED, 576,
			      view_make(vec_syn + 14, sizeof(vec_syn) - 14),
			      mview_make(out, sizeof(out)));
	CHECK_DROP("frag needed round trip",
		   icmp_parse(view_make(out, (size_t)n), &h), NET_DROP_NONE);
	CHECK("frag needed mtu round trip",
	      n == 36 && h.mtu == 576 && h.code == 4 &&
		      h.quote.proto == IPV4_PROTO_TCP);
}

int main(void)
{
	test_echo();
	test_errors();
	test_emit_unreach();
	return net_test_done();
}
