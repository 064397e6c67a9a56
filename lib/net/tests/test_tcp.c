/*
 * TCP header codec: a SYN exactly as Linux sends it (MSS, SACK-permitted,
 * timestamps, NOP, window scale) parsed and re-emitted byte for byte;
 * SACK blocks; unknown options; and each malformed class: option length
 * 0 / 1 / past the header / missing, known options with wrong lengths,
 * data offset below 5 or past the segment, bad checksums.
 */
#include <stdint.h>

#include "cksum.h"
#include "net_test.h"
#include "tcp_wire.h"
#include "vectors.h"

#define SYN_TCP	    (vec_syn + 34)
#define SYN_TCP_LEN (sizeof(vec_syn) - 34)
#define SRC	    NET_IP4(10, 0, 0, 1)
#define DST	    NET_IP4(10, 0, 0, 2)

/*
 * A segment with the SYN's fixed header, the given raw options (a multiple
 * of 4 long) and data, with a correct checksum, so that the option checks
 * are what a test exercises. Returns its length.
 */
static size_t mk_seg(uint8_t *b, const uint8_t *opts, size_t olen,
		     size_t data_len)
{
	memcpy(b, SYN_TCP, 20);
	if (olen)
		memcpy(b + 20, opts, olen);
	memset(b + 20 + olen, 0xab, data_len);
	b[12] = (uint8_t)(((20 + olen) / 4) << 4);
	b[16] = b[17] = 0;
	size_t n = 20 + olen + data_len;
	struct net_csum c = net_csum_start();
	net_csum_pseudo(&c, SRC, DST, 6, (uint16_t)n);
	net_csum_add(&c, view_make(b, n));
	uint16_t s = net_csum_final(&c);
	b[16] = (uint8_t)(s >> 8), b[17] = (uint8_t)s;
	return n;
}

static enum net_drop parse_opts(const uint8_t *opts, size_t olen,
				struct tcp_hdr *h)
{
	uint8_t b[128];
	size_t n = mk_seg(b, opts, olen, 3);
	return tcp_parse(view_make(b, n), SRC, DST, h);
}

static void test_linux_syn(void)
{
	struct tcp_hdr h;
	uint8_t out[64];

	CHECK_DROP("linux syn parses",
		   tcp_parse(view_make(SYN_TCP, SYN_TCP_LEN), SRC, DST, &h),
		   NET_DROP_NONE);
	CHECK("syn fields", h.sport == 54321 && h.dport == 80 &&
				    h.seq == 0x12345678 && h.ack == 0 &&
				    h.doff == 40 && h.flags == TCP_FLAG_SYN &&
				    h.window == 64240 && h.urg == 0 &&
				    h.payload.len == 0 && h.options.len == 20);
	CHECK("syn options", h.opts.has_mss && h.opts.mss == 1460 &&
				     h.opts.sack_perm && h.opts.has_ts &&
				     h.opts.ts_val == 0x9a3b2c1d &&
				     h.opts.ts_ecr == 0 && h.opts.has_ws &&
				     h.opts.ws == 7 && h.opts.nsack == 0);

	CHECK("header length", tcp_hdr_len(&h) == 40);
	CHECK("emit", tcp_emit(&h, SRC, DST, mview_make(out, 40)) == 40);
	CHECK("emit == linux bytes", !memcmp(out, SYN_TCP, 40));
	CHECK("emit short",
	      tcp_emit(&h, SRC, DST, mview_make(out, 39)) == -ENOSPC);

	CHECK_DROP("wrong pseudo-header",
		   tcp_parse(view_make(SYN_TCP, SYN_TCP_LEN), SRC, DST + 1, &h),
		   NET_DROP_TCP_BAD_CSUM);
	memcpy(out, SYN_TCP, 40);
	out[4] ^= 0x80;
	CHECK_DROP("bad checksum", tcp_parse(view_make(out, 40), SRC, DST, &h),
		   NET_DROP_TCP_BAD_CSUM);
	CHECK_DROP("bad checksum, csum_ok (vouched for): not checked",
		   tcp_parse_rx(view_make(out, 40), SRC, DST, true, &h),
		   NET_DROP_NONE);
	CHECK_DROP("bad checksum, not vouched for: checked",
		   tcp_parse_rx(view_make(out, 40), SRC, DST, false, &h),
		   NET_DROP_TCP_BAD_CSUM);
}

static void test_round_trips(void)
{
	uint8_t b[128], page[NETBUF_SIZE];
	struct tcp_hdr h = {.sport = 80,
			    .dport = 54321,
			    .seq = 1,
			    .ack = 0x12345679,
			    .flags = TCP_FLAG_ACK | TCP_FLAG_PSH,
			    .window = 502},
		       back;

	/* Established: NOP NOP TS and two SACK blocks. */
	h.opts.has_ts = true, h.opts.ts_val = 100, h.opts.ts_ecr = 0x9a3b2c1d;
	h.opts.nsack = 2;
	h.opts.sack[0].left = 1000, h.opts.sack[0].right = 2000;
	h.opts.sack[1].left = 3000, h.opts.sack[1].right = 4000;
	size_t hl = tcp_hdr_len(&h);
	CHECK("ts + 2 sack: 20 + 12 + 20", hl == 52);
	memset(b, 0x5a, sizeof(b));
	CHECK("emit with data",
	      tcp_emit(&h, SRC, DST, mview_make(b, hl + 7)) == (int)hl);
	CHECK_DROP("parses back",
		   tcp_parse(view_make(b, hl + 7), SRC, DST, &back),
		   NET_DROP_NONE);
	CHECK("fixed fields back",
	      back.sport == 80 && back.dport == 54321 && back.seq == 1 &&
		      back.ack == 0x12345679 && back.flags == h.flags &&
		      back.window == 502 && back.payload.len == 7);
	CHECK("options back",
	      back.opts.has_ts && back.opts.ts_val == 100 &&
		      back.opts.ts_ecr == 0x9a3b2c1d && back.opts.nsack == 2 &&
		      back.opts.sack[1].right == 4000 && !back.opts.has_mss &&
		      !back.opts.sack_perm);

	/* Every flag incl. AE, and SACK-permitted without timestamps. */
	struct tcp_hdr f = {.flags = 0x1ff};
	f.opts.sack_perm = true, f.opts.has_mss = true, f.opts.mss = 536;
	CHECK("all flags emit",
	      tcp_emit(&f, SRC, DST, mview_make(b, 28)) == 28);
	CHECK_DROP("all flags parse",
		   tcp_parse(view_make(b, 28), SRC, DST, &back), NET_DROP_NONE);
	CHECK("all flags back", back.flags == 0x1ff && back.opts.sack_perm &&
					back.opts.mss == 536);

	/* Too many options. */
	h.opts.nsack = 4;
	CHECK("ts + 4 sack does not fit",
	      tcp_hdr_len(&h) == 0 &&
		      tcp_emit(&h, SRC, DST, mview_make(b, 128)) == -EINVAL);
	h.opts.has_ts = false;
	CHECK("4 sack alone fits", tcp_hdr_len(&h) == 56);
	h.opts.nsack = 5;
	CHECK("5 sack refused", tcp_opts_len(&h.opts) == -EINVAL);

	/* Prepend in front of data in a netbuf. */
	struct netbuf nb;
	struct mview pl;
	h.opts.nsack = 0, h.opts.has_ts = true;
	net_test_netbuf(&nb, page);
	if (!netbuf_put(&nb, 100, &pl) || !mview_fill(pl, 0, 'x', 100))
		CHECK("netbuf_put", false);
	CHECK("prepend", tcp_prepend(&h, SRC, DST, &nb) == 0 && nb.len == 132);
	CHECK_DROP("prepend parses",
		   tcp_parse(netbuf_view(&nb), SRC, DST, &back), NET_DROP_NONE);
	CHECK("prepend payload",
	      back.payload.len == 100 && back.payload.p == nb.data + 32);
	nb.data = nb.buf + 8;
	CHECK("prepend without headroom",
	      tcp_prepend(&h, SRC, DST, &nb) == -ENOSPC &&
		      nb.data == nb.buf + 8);
}

static void test_options(void)
{
	struct tcp_hdr h;

	static const uint8_t unknown[] = {30, 6, 1, 2,	  3, 4,
					  2,  4, 5, 0xb4, 1, 1};
	CHECK_DROP("unknown option skipped", parse_opts(unknown, 12, &h),
		   NET_DROP_NONE);
	CHECK("mss after unknown", h.opts.has_mss && h.opts.mss == 1460);

	static const uint8_t eol[] = {2, 4, 5, 0xb4, 0, 0xff, 0xff, 0xff};
	CHECK_DROP("eol ends the list (garbage after)", parse_opts(eol, 8, &h),
		   NET_DROP_NONE);
	static const uint8_t sack3[] = {1, 1, 5, 26, 0, 0, 0, 1, 0, 0,
					0, 2, 0, 0,  0, 3, 0, 0, 0, 4,
					0, 0, 0, 5,  0, 0, 0, 6};
	CHECK_DROP("three sack blocks", parse_opts(sack3, 28, &h),
		   NET_DROP_NONE);
	CHECK("sack blocks", h.opts.nsack == 3 && h.opts.sack[0].left == 1 &&
				     h.opts.sack[2].right == 6);
	static const uint8_t big_ws[] = {1, 3, 3, 200};
	CHECK_DROP("ws 200 reported raw", parse_opts(big_ws, 4, &h),
		   NET_DROP_NONE);
	CHECK("ws raw", h.opts.has_ws && h.opts.ws == 200);

	struct {
		uint8_t o[8];
		const char *name;
	} bad[] = {
		{{30, 0, 1, 1, 1, 1, 1, 1}, "option length 0"},
		{{30, 1, 1, 1, 1, 1, 1, 1}, "option length 1"},
		{{1, 1, 30, 7, 0, 0, 0, 0}, "option past the header"},
		{{1, 1, 1, 1, 1, 1, 1, 30}, "kind without a length byte"},
		{{2, 3, 5, 1, 1, 1, 1, 1}, "mss length 3"},
		{{2, 6, 5, 0xb4, 0, 0, 1, 1}, "mss length 6"},
		{{3, 4, 7, 0, 1, 1, 1, 1}, "ws length 4"},
		{{4, 3, 0, 1, 1, 1, 1, 1}, "sack-perm length 3"},
		{{8, 8, 0, 0, 0, 0, 0, 0}, "timestamps length 8"},
		{{5, 2, 1, 1, 1, 1, 1, 1}, "sack with no blocks"},
		{{5, 6, 0, 0, 0, 0, 1, 1}, "sack length 6"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_DROP(bad[i].name, parse_opts(bad[i].o, 8, &h),
			   NET_DROP_TCP_BAD_OPTION);
	static const uint8_t ts_over[] = {1, 1, 1, 1, 1, 1, 8, 10, 0, 0, 0, 0};
	CHECK_DROP("timestamps running past the header",
		   parse_opts(ts_over, 12, &h), NET_DROP_TCP_BAD_OPTION);
	struct tcp_opts o;
	CHECK_DROP("parse_opts alone",
		   tcp_parse_opts(view_make(ts_over, 8), &o),
		   NET_DROP_TCP_BAD_OPTION);
	CHECK_DROP("empty options", tcp_parse_opts(view_make(NULL, 0), &o),
		   NET_DROP_NONE);
}

static void test_offsets(void)
{
	uint8_t b[128];
	struct tcp_hdr h;
	size_t n;

	CHECK_DROP("19 bytes", tcp_parse(view_make(SYN_TCP, 19), SRC, DST, &h),
		   NET_DROP_TCP_SHORT);
	CHECK_DROP("empty", tcp_parse(view_make(NULL, 0), SRC, DST, &h),
		   NET_DROP_TCP_SHORT);
	for (uint8_t d = 0; d < 5; d++) {
		n = mk_seg(b, NULL, 0, 4);
		b[12] = (uint8_t)(d << 4);
		CHECK_DROP("data offset below 5",
			   tcp_parse(view_make(b, n), SRC, DST, &h),
			   NET_DROP_TCP_BAD_DOFF);
	}
	n = mk_seg(b, NULL, 0, 4);
	b[12] = 0x60; /* 24 bytes of header in a 24-byte segment: fine */
	CHECK_DROP("data offset == segment length passes to the checksum",
		   tcp_parse(view_make(b, 24), SRC, DST, &h),
		   NET_DROP_TCP_BAD_CSUM);
	b[12] = 0x70; /* 28 > 24 */
	CHECK_DROP("data offset past the segment",
		   tcp_parse(view_make(b, n), SRC, DST, &h),
		   NET_DROP_TCP_BAD_DOFF);
	b[12] = 0xf0;
	CHECK_DROP("data offset 15 in 24 bytes",
		   tcp_parse(view_make(b, n), SRC, DST, &h),
		   NET_DROP_TCP_BAD_DOFF);
	n = mk_seg(b, NULL, 0, 0);
	CHECK_DROP("bare 20-byte header",
		   tcp_parse(view_make(b, n), SRC, DST, &h), NET_DROP_NONE);
	CHECK("bare header: no options, no data",
	      h.options.len == 0 && h.payload.len == 0 && !h.opts.has_mss);
}

int main(void)
{
	test_linux_syn();
	test_round_trips();
	test_options();
	test_offsets();
	return net_test_done();
}
