/*
 * IPv4 header codec: the real ping and SYN datagrams, every receive check
 * of RFC 1122 3.2.1 (version, IHL, total length against header and frame,
 * checksum), Ethernet padding trimmed, options skipped as a view,
 * fragments reported, the lenient parser for ICMP quotes, round trips.
 */
#include <stdint.h>

#include "cksum.h"
#include "ipv4_wire.h"
#include "net_test.h"
#include "vectors.h"

#define PING_IP	    (vec_ping + 14)
#define PING_IP_LEN (sizeof(vec_ping) - 14)

/* Copy the ping datagram into buf (zero after it); returns its length. */
static size_t ping_copy(uint8_t *buf, size_t room)
{
	memcpy(buf, PING_IP, PING_IP_LEN);
	if (room > PING_IP_LEN)
		memset(buf + PING_IP_LEN, 0, room - PING_IP_LEN);
	return PING_IP_LEN;
}

/* Recompute the header checksum after a test changed a field. */
static void refix(uint8_t *buf)
{
	size_t ihl = (size_t)(buf[0] & 15) * 4;
	buf[10] = buf[11] = 0;
	uint16_t c = net_cksum(view_make(buf, ihl < 20 ? 20 : ihl));
	buf[10] = (uint8_t)(c >> 8);
	buf[11] = (uint8_t)c;
}

static void test_parse_real(void)
{
	struct ipv4_hdr h;

	CHECK_DROP("ping parses",
		   ipv4_parse(view_make(PING_IP, PING_IP_LEN), &h),
		   NET_DROP_NONE);
	CHECK("ping fields", h.ihl == 20 && h.tos == 0 && h.total_len == 84 &&
				     h.id == 0x1c46 && h.df && !h.mf && !h.rf &&
				     h.frag_off == 0 && h.ttl == 64 &&
				     h.proto == IPV4_PROTO_ICMP &&
				     h.src == NET_IP4(10, 0, 0, 1) &&
				     h.dst == NET_IP4(10, 0, 0, 2));
	CHECK("ping: no options, 64-byte payload",
	      h.options.len == 0 && h.payload.len == 64 &&
		      h.payload.p == PING_IP + 20 && !ipv4_is_fragment(&h));

	CHECK_DROP(
		"syn parses",
		ipv4_parse(view_make(vec_syn + 14, sizeof(vec_syn) - 14), &h),
		NET_DROP_NONE);
	CHECK("syn: tcp, 40-byte segment",
	      h.proto == IPV4_PROTO_TCP && h.payload.len == 40);
}

static void test_malformed(void)
{
	uint8_t b[128];
	struct ipv4_hdr h;
	size_t n;

	n = ping_copy(b, sizeof(b));
	/* Ethernet padding: 10 extra bytes past total length are trimmed. */
	CHECK_DROP("trailing padding", ipv4_parse(view_make(b, n + 10), &h),
		   NET_DROP_NONE);
	CHECK("padding trimmed", h.payload.len == 64);

	CHECK_DROP("19 bytes", ipv4_parse(view_make(b, 19), &h),
		   NET_DROP_IPV4_SHORT);
	CHECK_DROP("empty", ipv4_parse(view_make(NULL, 0), &h),
		   NET_DROP_IPV4_SHORT);

	n = ping_copy(b, sizeof(b));
	b[0] = 0x65;
	refix(b);
	CHECK_DROP("version 6", ipv4_parse(view_make(b, n), &h),
		   NET_DROP_IPV4_BAD_VERSION);

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		n = ping_copy(b, sizeof(b));
		b[0] = (uint8_t)(0x40 | ihl);
		CHECK_DROP("ihl below 5", ipv4_parse(view_make(b, n), &h),
			   NET_DROP_IPV4_BAD_IHL);
	}

	n = ping_copy(b, sizeof(b));
	b[2] = 0, b[3] = 19; /* total length < 20-byte header */
	refix(b);
	CHECK_DROP("total length below ihl", ipv4_parse(view_make(b, n), &h),
		   NET_DROP_IPV4_BAD_LEN);

	n = ping_copy(b, sizeof(b));
	b[0] = 0x4f;	     /* IHL 60 */
	b[2] = 0, b[3] = 40; /* total length 40 < IHL */
	refix(b);
	CHECK_DROP("ihl past total length", ipv4_parse(view_make(b, n), &h),
		   NET_DROP_IPV4_BAD_LEN);

	n = ping_copy(b, sizeof(b));
	b[3] = 85; /* one byte more than the frame holds */
	refix(b);
	CHECK_DROP("total length past the frame",
		   ipv4_parse(view_make(b, n), &h), NET_DROP_IPV4_TRUNCATED);
	CHECK_DROP("frame cut short", ipv4_parse(view_make(PING_IP, 60), &h),
		   NET_DROP_IPV4_TRUNCATED);
	n = ping_copy(b, sizeof(b));
	b[0] = 0x4f;
	b[2] = 0, b[3] = 60; /* header-only datagram, options = garbage */
	refix(b);
	CHECK_DROP("ihl 15 with 24 bytes", ipv4_parse(view_make(b, 24), &h),
		   NET_DROP_IPV4_TRUNCATED);

	n = ping_copy(b, sizeof(b));
	b[11] ^= 1;
	CHECK_DROP("bad checksum", ipv4_parse(view_make(b, n), &h),
		   NET_DROP_IPV4_BAD_CSUM);
	n = ping_copy(b, sizeof(b));
	b[8] = 63; /* TTL changed, checksum not updated */
	CHECK_DROP("stale checksum", ipv4_parse(view_make(b, n), &h),
		   NET_DROP_IPV4_BAD_CSUM);
}

static void test_options_fragments(void)
{
	uint8_t b[128];
	struct ipv4_hdr h;

	/* Insert a router alert option (RFC 2113): 94 04 00 00, IHL 6. */
	b[0] = 0x46;
	memcpy(b + 1, PING_IP + 1, 19);
	b[20] = 0x94, b[21] = 0x04, b[22] = 0, b[23] = 0;
	memcpy(b + 24, PING_IP + 20, 64);
	b[2] = 0, b[3] = 88;
	refix(b);
	CHECK_DROP("options parse", ipv4_parse(view_make(b, 88), &h),
		   NET_DROP_NONE);
	CHECK("options view",
	      h.ihl == 24 && h.options.len == 4 && h.options.p == b + 20 &&
		      h.payload.p == b + 24 && h.payload.len == 64);

	/* Re-emit with the same options: identical bytes. */
	uint8_t out[24];
	CHECK("emit with options", ipv4_emit(&h, mview_make(out, 24)) == 24);
	CHECK("emit == original", !memcmp(out, b, 24));

	/* A middle fragment: MF set, offset 1480. */
	memcpy(b, PING_IP, PING_IP_LEN);
	b[6] = 0x20 | (185 >> 8), b[7] = 185 & 0xff;
	refix(b);
	CHECK_DROP("fragment parses", ipv4_parse(view_make(b, PING_IP_LEN), &h),
		   NET_DROP_NONE);
	CHECK("fragment reported",
	      h.mf && !h.df && h.frag_off == 1480 && ipv4_is_fragment(&h));
	b[6] = 0x80, b[7] = 0;
	refix(b);
	CHECK_DROP("reserved flag", ipv4_parse(view_make(b, PING_IP_LEN), &h),
		   NET_DROP_NONE);
	CHECK("reserved flag reported", h.rf && !ipv4_is_fragment(&h));
}

static void test_emit(void)
{
	struct ipv4_hdr h, back;
	uint8_t out[20], page[NETBUF_SIZE];
	struct netbuf nb;
	struct mview pl;

	CHECK_DROP("ping parses",
		   ipv4_parse(view_make(PING_IP, PING_IP_LEN), &h),
		   NET_DROP_NONE);
	CHECK("emit 20", ipv4_emit(&h, mview_make(out, 20)) == 20);
	CHECK("emit == ping header", !memcmp(out, PING_IP, 20));
	CHECK("emit short", ipv4_emit(&h, mview_make(out, 19)) == -ENOSPC);

	struct ipv4_hdr big = h;
	big.payload_len = 65535 - 19;
	CHECK("emit over 65535",
	      ipv4_emit(&big, mview_make(out, 20)) == -EINVAL);
	uint8_t opt3[3] = {1, 1, 1};
	struct ipv4_hdr odd = h;
	odd.options = view_make(opt3, 3);
	CHECK("options not a multiple of 4",
	      ipv4_hdr_len(&odd) == 0 &&
		      ipv4_emit(&odd, mview_make(out, 20)) == -EINVAL);

	/* Prepend in front of the ICMP payload. */
	net_test_netbuf(&nb, page);
	if (!netbuf_put(&nb, 64, &pl) ||
	    !mview_copy_in(pl, 0, PING_IP + 20, 64))
		CHECK("netbuf_put", false);
	h.payload_len = 0; /* taken from the buffer */
	CHECK("prepend", ipv4_prepend(&h, &nb) == 0);
	CHECK("prepend == ping datagram",
	      nb.len == PING_IP_LEN && !memcmp(nb.data, PING_IP, PING_IP_LEN));
	CHECK_DROP("round trip", ipv4_parse(netbuf_view(&nb), &back),
		   NET_DROP_NONE);
	CHECK("round trip fields",
	      back.src == h.src && back.dst == h.dst && back.id == h.id &&
		      back.ttl == h.ttl && back.proto == h.proto &&
		      back.df == h.df && back.payload.len == 64);
	nb.data = nb.buf + 4;
	nb.len = 8;
	CHECK("prepend without headroom",
	      ipv4_prepend(&h, &nb) == -ENOSPC && nb.data == nb.buf + 4);
}

static void test_quoted(void)
{
	struct ipv4_hdr h;
	uint8_t b[64];

	CHECK_DROP("quote of 28 bytes",
		   ipv4_parse_quoted(view_make(PING_IP, 28), &h),
		   NET_DROP_NONE);
	CHECK("quote fields", h.total_len == 84 && h.proto == IPV4_PROTO_ICMP &&
				      h.dst == NET_IP4(10, 0, 0, 2) &&
				      h.payload.len == 8 &&
				      h.payload.p == PING_IP + 20);
	CHECK_DROP("quote of 27 bytes",
		   ipv4_parse_quoted(view_make(PING_IP, 27), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
	CHECK_DROP("quote of the header alone",
		   ipv4_parse_quoted(view_make(PING_IP, 20), &h),
		   NET_DROP_ICMP_BAD_QUOTE);

	/* A quote need not have a right checksum or total length. */
	memcpy(b, PING_IP, 28);
	b[10] ^= 0xff;
	b[3] = 200;
	CHECK_DROP("quote: checksum and length not checked",
		   ipv4_parse_quoted(view_make(b, 28), &h), NET_DROP_NONE);

	/* IHL 6 needs 24 + 8 bytes. */
	memcpy(b, PING_IP, 28);
	b[0] = 0x46;
	CHECK_DROP("quote with options, truncated",
		   ipv4_parse_quoted(view_make(b, 28), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
	memcpy(b, PING_IP, 20);
	b[0] = 0x46;
	memset(b + 20, 1, 4);
	memcpy(b + 24, PING_IP + 20, 8);
	CHECK_DROP("quote with options",
		   ipv4_parse_quoted(view_make(b, 32), &h), NET_DROP_NONE);
	CHECK("quote options view",
	      h.options.len == 4 && h.payload.p == b + 24);
	b[0] = 0x44;
	CHECK_DROP("quote ihl 4", ipv4_parse_quoted(view_make(b, 32), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
	b[0] = 0x66;
	CHECK_DROP("quote version 6", ipv4_parse_quoted(view_make(b, 32), &h),
		   NET_DROP_ICMP_BAD_QUOTE);
}

int main(void)
{
	test_parse_real();
	test_malformed();
	test_options_fragments();
	test_emit();
	test_quoted();
	return net_test_done();
}
