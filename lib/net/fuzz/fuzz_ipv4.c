/*
 * Fuzz ipv4_parse and ipv4_parse_quoted: views inside the input, lengths
 * consistent, and an accepted header re-emits with the same fields (the
 * checksum may differ only as 0x0000 vs 0xffff, RFC 1071's two zeros).
 */
#include <string.h>

#include "fuzz.h"
#include "ipv4_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipv4_hdr h, q, back;
	uint8_t out[IPV4_MAX_HDR_LEN];
	struct view in = view_make(data, size);

	if (ipv4_parse_quoted(in, &q) == NET_DROP_NONE) {
		FUZZ_CHECK(fuzz_inside(q.options, data, size));
		FUZZ_CHECK(fuzz_inside(q.payload, data, size));
		FUZZ_CHECK(q.payload.len == IPV4_QUOTE_DATA);
		FUZZ_CHECK(q.ihl + IPV4_QUOTE_DATA <= size);
	}
	if (ipv4_parse(in, &h) != NET_DROP_NONE)
		return 0;
	FUZZ_CHECK(fuzz_inside(h.options, data, size));
	FUZZ_CHECK(fuzz_inside(h.payload, data, size));
	FUZZ_CHECK(h.ihl >= IPV4_HDR_LEN && h.ihl <= h.total_len &&
		   h.total_len <= size);
	FUZZ_CHECK(h.ihl + h.payload.len == h.total_len);
	FUZZ_CHECK(h.options.len == h.ihl - IPV4_HDR_LEN);

	FUZZ_CHECK(ipv4_hdr_len(&h) == h.ihl);
	FUZZ_CHECK(ipv4_emit(&h, mview_make(out, sizeof(out))) == h.ihl);
	FUZZ_CHECK(!memcmp(out, data, 10) &&
		   !memcmp(out + 12, data + 12, h.ihl - 12u));

	/* Header and payload again: parses, same checksum modulo 0xffff. */
	static uint8_t dgram[65536];
	memcpy(dgram, out, h.ihl);
	memcpy(dgram + h.ihl, h.payload.p, h.payload.len);
	FUZZ_CHECK(ipv4_parse(view_make(dgram, h.total_len), &back) ==
		   NET_DROP_NONE);
	FUZZ_CHECK(back.csum == h.csum ||
		   (uint16_t)(back.csum + h.csum) == 0xffff);
	FUZZ_CHECK(back.payload.len == h.payload.len);
	return 0;
}
