/*
 * Fuzz tcp_parse and tcp_parse_opts. The first 8 bytes are the
 * pseudo-header's addresses, the rest the segment. The option walker is
 * also run on the segment's first 40 bytes directly, so the fuzzer reaches
 * it without having to forge checksums. Whatever parses re-emits (when the
 * options fit Linux's layout) and parses back to the same values.
 */
#include <string.h>

#include "fuzz.h"
#include "tcp_wire.h"

static uint8_t out[65536];

static int opts_eq(const struct tcp_opts *a, const struct tcp_opts *b)
{
	if (a->has_mss != b->has_mss || (a->has_mss && a->mss != b->mss) ||
	    a->has_ws != b->has_ws || (a->has_ws && a->ws != b->ws) ||
	    a->sack_perm != b->sack_perm || a->has_ts != b->has_ts ||
	    (a->has_ts && (a->ts_val != b->ts_val || a->ts_ecr != b->ts_ecr)) ||
	    a->nsack != b->nsack)
		return 0;
	for (unsigned i = 0; i < a->nsack; i++)
		if (a->sack[i].left != b->sack[i].left ||
		    a->sack[i].right != b->sack[i].right)
			return 0;
	return 1;
}

/* Emit o alone after a bare header and parse it back. */
static void opts_round_trip(const struct tcp_opts *o)
{
	struct tcp_hdr h = {.opts = *o}, back;
	size_t hl = tcp_hdr_len(&h);

	if (!hl)
		return; /* does not fit the emitter's layout */
	FUZZ_CHECK(tcp_emit(&h, 1, 2, mview_make(out, hl)) == (int)hl);
	FUZZ_CHECK(tcp_parse(view_make(out, hl), 1, 2, &back) == NET_DROP_NONE);
	FUZZ_CHECK(opts_eq(o, &back.opts));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view in = view_make(data, size), seg;
	struct tcp_hdr h, back;
	struct tcp_opts o;
	uint32_t src, dst;

	if (!view_be32(in, 0, &src) || !view_be32(in, 4, &dst) ||
	    !view_tail(in, 8, &seg))
		return 0;
	if (tcp_parse_opts(view_trunc(seg, TCP_MAX_OPT_LEN), &o) ==
	    NET_DROP_NONE) {
		FUZZ_CHECK(o.nsack <= TCP_MAX_SACK);
		opts_round_trip(&o);
	}
	if (tcp_parse(seg, src, dst, &h) != NET_DROP_NONE)
		return 0;
	FUZZ_CHECK(h.doff >= TCP_HDR_LEN && h.doff <= seg.len);
	FUZZ_CHECK(h.options.len + TCP_HDR_LEN == h.doff);
	FUZZ_CHECK(h.payload.len == seg.len - h.doff);
	FUZZ_CHECK(fuzz_inside(h.options, data, size));
	FUZZ_CHECK(fuzz_inside(h.payload, data, size));

	size_t hl = tcp_hdr_len(&h);
	if (!hl)
		return 0;
	memcpy(out + hl, h.payload.p, h.payload.len);
	if (tcp_emit(&h, src, dst, mview_make(out, hl + h.payload.len)) < 0)
		return 0; /* longer than an IPv4 payload */
	FUZZ_CHECK(tcp_parse(view_make(out, hl + h.payload.len), src, dst,
			     &back) == NET_DROP_NONE);
	FUZZ_CHECK(back.sport == h.sport && back.dport == h.dport &&
		   back.seq == h.seq && back.ack == h.ack &&
		   back.flags == h.flags && back.window == h.window &&
		   back.urg == h.urg && view_eq(back.payload, h.payload));
	FUZZ_CHECK(opts_eq(&back.opts, &h.opts));
	return 0;
}
