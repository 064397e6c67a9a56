/*
 * Fuzz udp_parse. The first 8 bytes are the pseudo-header's source and
 * destination, the rest the datagram. An accepted datagram re-emits with
 * the same bytes (the checksum may change only from "none" or between
 * RFC 1071's two zeros) and parses back.
 */
#include <string.h>

#include "fuzz.h"
#include "udp_wire.h"

static uint8_t out[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view in = view_make(data, size), seg;
	struct udp_hdr h, back;
	uint32_t src, dst;

	if (!view_be32(in, 0, &src) || !view_be32(in, 4, &dst) ||
	    !view_tail(in, 8, &seg))
		return 0;
	if (udp_parse(seg, src, dst, &h) != NET_DROP_NONE)
		return 0;
	FUZZ_CHECK(h.len >= UDP_HDR_LEN && h.len <= seg.len);
	FUZZ_CHECK(h.payload.len == h.len - UDP_HDR_LEN);
	FUZZ_CHECK(fuzz_inside(h.payload, data, size));

	memcpy(out + UDP_HDR_LEN, h.payload.p, h.payload.len);
	if (udp_emit(&h, src, dst, mview_make(out, h.len)) < 0)
		return 0; /* over 65515 bytes: not an IPv4 payload */
	FUZZ_CHECK(!memcmp(out, seg.p, 6));
	FUZZ_CHECK(udp_parse(view_make(out, h.len), src, dst, &back) ==
		   NET_DROP_NONE);
	FUZZ_CHECK(back.csum != 0);
	FUZZ_CHECK(h.csum == 0 || back.csum == h.csum ||
		   (uint16_t)(back.csum + h.csum) == 0xffff);
	return 0;
}
