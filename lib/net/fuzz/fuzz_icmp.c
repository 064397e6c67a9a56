/*
 * Fuzz icmp_parse: views inside the input, quotes decoded only for error
 * types, and accepted messages re-emit (echo: as a reply; others: as
 * themselves) into messages that parse back with the same fields.
 */
#include <string.h>

#include "fuzz.h"
#include "icmp_wire.h"

static uint8_t out[65536];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_hdr h, back;
	int n;

	if (icmp_parse(view_make(data, size), &h) != NET_DROP_NONE)
		return 0;
	FUZZ_CHECK(size >= ICMP_HDR_LEN && h.data.len == size - ICMP_HDR_LEN);
	FUZZ_CHECK(fuzz_inside(h.data, data, size));
	FUZZ_CHECK(h.has_quote == icmp_is_error(h.type));
	if (h.has_quote) {
		FUZZ_CHECK(fuzz_inside(h.quote.payload, data, size));
		FUZZ_CHECK(h.quote.payload.len == IPV4_QUOTE_DATA);
	}

	if (h.type == ICMP_ECHO_REQUEST) {
		n = icmp_emit_echo_reply(&h, mview_make(out, sizeof(out)));
		FUZZ_CHECK(n == (int)size);
		FUZZ_CHECK(icmp_parse(view_make(out, (size_t)n), &back) ==
			   NET_DROP_NONE);
		FUZZ_CHECK(back.type == ICMP_ECHO_REPLY && back.id == h.id &&
			   back.seq == h.seq && view_eq(back.data, h.data));
		return 0;
	}
	n = icmp_emit(&h, mview_make(out, sizeof(out)));
	if (n < 0) /* too long for an IPv4 payload: nothing to compare */
		return 0;
	FUZZ_CHECK(n == (int)size);
	FUZZ_CHECK(icmp_parse(view_make(out, (size_t)n), &back) ==
		   NET_DROP_NONE);
	FUZZ_CHECK(back.type == h.type && back.code == h.code &&
		   view_eq(back.data, h.data) && back.mtu == h.mtu);
	/* Bytes 4..7 come back unless frag-needed drops the "unused" half. */
	if (!(h.type == ICMP_DEST_UNREACH &&
	      h.code == ICMP_UNREACH_FRAG_NEEDED))
		FUZZ_CHECK(back.rest == h.rest);
	return 0;
}
