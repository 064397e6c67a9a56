/*
 * UDP codec: the real DNS query, length lies in both directions, a zero
 * (absent) checksum, bad checksums, a computed 0 sent as 0xffff, the
 * emitter against the real bytes, and prepending into a netbuf.
 */
#include <stdint.h>

#include "cksum.h"
#include "net_test.h"
#include "udp_wire.h"
#include "vectors.h"

#define DNS_UDP	    (vec_dns + 34)
#define DNS_UDP_LEN (sizeof(vec_dns) - 34)
#define SRC	    NET_IP4(10, 0, 0, 1)
#define DST	    NET_IP4(10, 0, 0, 2)

static void test_parse(void)
{
	struct udp_hdr h;
	uint8_t b[128];

	CHECK_DROP("dns query parses",
		   udp_parse(view_make(DNS_UDP, DNS_UDP_LEN), SRC, DST, &h),
		   NET_DROP_NONE);
	CHECK("dns fields", h.sport == 40000 && h.dport == 53 &&
				    h.len == DNS_UDP_LEN && h.csum != 0 &&
				    h.payload.p == DNS_UDP + 8 &&
				    h.payload.len == DNS_UDP_LEN - 8);

	CHECK_DROP("wrong source address (pseudo-header)",
		   udp_parse(view_make(DNS_UDP, DNS_UDP_LEN), SRC + 1, DST, &h),
		   NET_DROP_UDP_BAD_CSUM);
	memcpy(b, DNS_UDP, DNS_UDP_LEN);
	b[DNS_UDP_LEN - 1] ^= 1;
	CHECK_DROP("payload corrupted",
		   udp_parse(view_make(b, DNS_UDP_LEN), SRC, DST, &h),
		   NET_DROP_UDP_BAD_CSUM);
	CHECK_DROP("payload corrupted, csum_ok (vouched for): not checked",
		   udp_parse_rx(view_make(b, DNS_UDP_LEN), SRC, DST, true, &h),
		   NET_DROP_NONE);
	CHECK_DROP("payload corrupted, not vouched for: checked",
		   udp_parse_rx(view_make(b, DNS_UDP_LEN), SRC, DST, false, &h),
		   NET_DROP_UDP_BAD_CSUM);
	b[6] = b[7] = 0;
	CHECK_DROP("checksum 0: not verified",
		   udp_parse(view_make(b, DNS_UDP_LEN), SRC, DST, &h),
		   NET_DROP_NONE);

	CHECK_DROP("7 bytes", udp_parse(view_make(DNS_UDP, 7), SRC, DST, &h),
		   NET_DROP_UDP_SHORT);
	CHECK_DROP("empty", udp_parse(view_make(NULL, 0), SRC, DST, &h),
		   NET_DROP_UDP_SHORT);

	/* Length lies: longer than the IP payload, shorter than a header. */
	memcpy(b, DNS_UDP, DNS_UDP_LEN);
	b[4] = 0, b[5] = (uint8_t)(DNS_UDP_LEN + 1);
	CHECK_DROP("length past the ip payload",
		   udp_parse(view_make(b, DNS_UDP_LEN), SRC, DST, &h),
		   NET_DROP_UDP_BAD_LEN);
	b[4] = 0xff, b[5] = 0xff;
	CHECK_DROP("length 65535",
		   udp_parse(view_make(b, DNS_UDP_LEN), SRC, DST, &h),
		   NET_DROP_UDP_BAD_LEN);
	for (uint8_t l = 0; l < 8; l++) {
		b[4] = 0, b[5] = l;
		CHECK_DROP("length below 8",
			   udp_parse(view_make(b, DNS_UDP_LEN), SRC, DST, &h),
			   NET_DROP_UDP_BAD_LEN);
	}

	/* Length shorter than the IP payload: the rest is ignored. */
	memcpy(b, DNS_UDP, DNS_UDP_LEN);
	memset(b + DNS_UDP_LEN, 0xee, 6);
	CHECK_DROP("bytes past the udp length ignored",
		   udp_parse(view_make(b, DNS_UDP_LEN + 6), SRC, DST, &h),
		   NET_DROP_NONE);
	CHECK("payload stops at the udp length",
	      h.payload.len == DNS_UDP_LEN - 8);
}

static void test_emit(void)
{
	struct udp_hdr h = {.sport = 40000, .dport = 53}, back;
	uint8_t b[128], page[NETBUF_SIZE];
	struct netbuf nb;
	struct mview pl;

	memset(b, 0, sizeof(b));
	memcpy(b + 8, DNS_UDP + 8, DNS_UDP_LEN - 8);
	CHECK("emit", udp_emit(&h, SRC, DST, mview_make(b, DNS_UDP_LEN)) == 8);
	CHECK("emit == real bytes", !memcmp(b, DNS_UDP, DNS_UDP_LEN));
	CHECK("emit short",
	      udp_emit(&h, SRC, DST, mview_make(b, 7)) == -ENOSPC);

	net_test_netbuf(&nb, page);
	if (!netbuf_put(&nb, DNS_UDP_LEN - 8, &pl) ||
	    !mview_copy_in(pl, 0, DNS_UDP + 8, DNS_UDP_LEN - 8))
		CHECK("netbuf_put", false);
	CHECK("prepend", udp_prepend(&h, SRC, DST, &nb) == 0);
	CHECK("prepend == real bytes",
	      nb.len == DNS_UDP_LEN && !memcmp(nb.data, DNS_UDP, DNS_UDP_LEN));
	CHECK_DROP("round trip", udp_parse(netbuf_view(&nb), SRC, DST, &back),
		   NET_DROP_NONE);
	CHECK("round trip fields",
	      back.sport == 40000 && back.dport == 53 &&
		      view_eq(back.payload,
			      view_make(DNS_UDP + 8, DNS_UDP_LEN - 8)));
	nb.len = 65530;
	CHECK("prepend too long", udp_prepend(&h, SRC, DST, &nb) == -EINVAL);

	/* An empty datagram, and an odd-length one. */
	CHECK("empty datagram", udp_emit(&h, SRC, DST, mview_make(b, 8)) == 8);
	CHECK_DROP("empty round trip",
		   udp_parse(view_make(b, 8), SRC, DST, &back), NET_DROP_NONE);
	CHECK("odd datagram", udp_emit(&h, SRC, DST, mview_make(b, 13)) == 8);
	CHECK_DROP("odd round trip",
		   udp_parse(view_make(b, 13), SRC, DST, &back), NET_DROP_NONE);

	/*
	 * Choose a 2-byte payload that makes the sum 0xffff, i.e. the
	 * checksum 0: RFC 768 says send 0xffff, since 0 means "none".
	 */
	b[8] = b[9] = 0;
	CHECK("zero payload emits",
	      udp_emit(&h, SRC, DST, mview_make(b, 10)) == 8);
	b[8] = b[6], b[9] = b[7];
	CHECK("computed zero", udp_emit(&h, SRC, DST, mview_make(b, 10)) == 8);
	CHECK("sent as 0xffff", b[6] == 0xff && b[7] == 0xff);
	CHECK_DROP("0xffff verifies",
		   udp_parse(view_make(b, 10), SRC, DST, &back), NET_DROP_NONE);
}

int main(void)
{
	test_parse();
	test_emit();
	return net_test_done();
}
