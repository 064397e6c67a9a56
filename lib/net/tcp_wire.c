/*
 * TCP header and option codec (RFC 9293 3.1, RFC 7323, RFC 2018). See
 * tcp_wire.h for the contract.
 */
#include "tcp_wire.h"

#include <errno.h>
#include <string.h>

#include "cksum.h"
#include "ipv4_wire.h"

#define TCP_MAX_SEG_LEN (0xffffu - IPV4_HDR_LEN)

/* The exact lengths RFC 9293, 7323 and 2018 give each known option. */
static bool opt_len_ok(uint8_t kind, uint8_t len)
{
	switch (kind) {
	case TCP_OPT_MSS:
		return len == 4;
	case TCP_OPT_WS:
		return len == 3;
	case TCP_OPT_SACK_PERM:
		return len == 2;
	case TCP_OPT_TS:
		return len == 10;
	case TCP_OPT_SACK:
		return len >= 10 && (len - 2) % 8 == 0;
	default:
		return true; /* unknown: skipped by its length */
	}
}

static void opt_decode(uint8_t kind, struct view body, struct tcp_opts *o)
{
	struct vcur c = vcur_make(body);

	switch (kind) {
	case TCP_OPT_MSS:
		o->has_mss = true;
		o->mss = vcur_be16(&c);
		break;
	case TCP_OPT_WS:
		o->has_ws = true;
		o->ws = vcur_u8(&c);
		break;
	case TCP_OPT_SACK_PERM:
		o->sack_perm = true;
		break;
	case TCP_OPT_TS:
		o->has_ts = true;
		o->ts_val = vcur_be32(&c);
		o->ts_ecr = vcur_be32(&c);
		break;
	case TCP_OPT_SACK:
		/* A later SACK option replaces an earlier one. */
		o->nsack = 0;
		while (vcur_left(&c) >= 8 && o->nsack < TCP_MAX_SACK) {
			o->sack[o->nsack].left = vcur_be32(&c);
			o->sack[o->nsack].right = vcur_be32(&c);
			o->nsack++;
		}
		break;
	default:
		break;
	}
}

enum net_drop tcp_parse_opts(struct view opts, struct tcp_opts *out)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	/* Each pass consumes >= 1 byte (>= 2 for TLVs): at most 40 passes. */
	while (off < opts.len) {
		uint8_t kind, len;
		struct view body;

		if (!view_u8(opts, off, &kind))
			return NET_DROP_TCP_BAD_OPTION;
		if (kind == TCP_OPT_EOL)
			break; /* the rest is padding, RFC 9293 3.1 */
		if (kind == TCP_OPT_NOP) {
			off++;
			continue;
		}
		if (!view_u8(opts, off + 1, &len) || len < 2 ||
		    !view_sub(opts, off + 2, (size_t)len - 2, &body) ||
		    !opt_len_ok(kind, len))
			return NET_DROP_TCP_BAD_OPTION;
		opt_decode(kind, body, out);
		off += len;
	}
	return NET_DROP_NONE;
}

enum net_drop tcp_parse(struct view seg, uint32_t src, uint32_t dst,
			struct tcp_hdr *out)
{
	return tcp_parse_rx(seg, src, dst, false, out);
}

enum net_drop tcp_parse_rx(struct view seg, uint32_t src, uint32_t dst,
			   bool csum_ok, struct tcp_hdr *out)
{
	struct vcur c = vcur_make(seg);
	struct net_csum cs = net_csum_start();

	if (seg.len < TCP_HDR_LEN)
		return NET_DROP_TCP_SHORT;
	out->sport = vcur_be16(&c);
	out->dport = vcur_be16(&c);
	out->seq = vcur_be32(&c);
	out->ack = vcur_be32(&c);
	uint8_t b12 = vcur_u8(&c);
	uint8_t b13 = vcur_u8(&c);
	out->window = vcur_be16(&c);
	out->csum = vcur_be16(&c);
	out->urg = vcur_be16(&c);
	if (c.bad)
		return NET_DROP_TCP_SHORT;
	out->doff = (uint8_t)((b12 >> 4) * 4);
	out->flags = (uint16_t)((b12 & 1u) << 8 | b13);
	if (out->doff < TCP_HDR_LEN || out->doff > seg.len)
		return NET_DROP_TCP_BAD_DOFF;
	/*
	 * The pseudo-header carries the length in 16 bits; an IPv4 payload
	 * always fits. A longer view cannot be a real segment.
	 */
	if (seg.len > 0xffffu)
		return NET_DROP_TCP_SHORT;
	if (!csum_ok) {
		net_csum_pseudo(&cs, src, dst, IPV4_PROTO_TCP,
				(uint16_t)seg.len);
		net_csum_add(&cs, seg);
		if (net_csum_final(&cs) != 0)
			return NET_DROP_TCP_BAD_CSUM;
	}
	if (!view_sub(seg, TCP_HDR_LEN, out->doff - TCP_HDR_LEN,
		      &out->options) ||
	    !view_tail(seg, out->doff, &out->payload))
		return NET_DROP_TCP_BAD_DOFF;
	return tcp_parse_opts(out->options, &out->opts);
}

int tcp_opts_len(const struct tcp_opts *o)
{
	int n = 0;

	if (o->has_mss)
		n += 4;
	if (o->has_ts)
		n += 12; /* SACK-perm or NOP NOP, then TS */
	else if (o->sack_perm)
		n += 4; /* NOP NOP SACK-perm */
	if (o->has_ws)
		n += 4; /* NOP WS */
	if (o->nsack > TCP_MAX_SACK)
		return -EINVAL;
	if (o->nsack)
		n += 4 + 8 * o->nsack; /* NOP NOP SACK */
	return n > (int)TCP_MAX_OPT_LEN ? -EINVAL : n;
}

size_t tcp_hdr_len(const struct tcp_hdr *h)
{
	int n = tcp_opts_len(&h->opts);
	return n < 0 ? 0 : TCP_HDR_LEN + (size_t)n;
}

/* A sticky-error writer for the options area, the mirror of vcur. */
struct owr {
	struct mview v;
	size_t off;
	bool bad;
};

static void put8(struct owr *w, unsigned x)
{
	w->bad = w->bad || !mview_set_u8(w->v, w->off, (uint8_t)x);
	w->off += 1;
}

static void put32(struct owr *w, uint32_t x)
{
	w->bad = w->bad || !mview_set_be32(w->v, w->off, x);
	w->off += 4;
}

/* Write the options of o into out (sized by tcp_opts_len). */
static bool opts_write(const struct tcp_opts *o, struct mview out)
{
	struct owr w = {out, 0, false};

	if (o->has_mss) {
		put8(&w, TCP_OPT_MSS);
		put8(&w, 4);
		put8(&w, o->mss >> 8);
		put8(&w, o->mss & 0xff);
	}
	if (o->has_ts) {
		/* Linux packs SACK-permitted into the NOP NOP before TS. */
		put8(&w, o->sack_perm ? TCP_OPT_SACK_PERM : TCP_OPT_NOP);
		put8(&w, o->sack_perm ? 2 : TCP_OPT_NOP);
		put8(&w, TCP_OPT_TS);
		put8(&w, 10);
		put32(&w, o->ts_val);
		put32(&w, o->ts_ecr);
	} else if (o->sack_perm) {
		put8(&w, TCP_OPT_NOP);
		put8(&w, TCP_OPT_NOP);
		put8(&w, TCP_OPT_SACK_PERM);
		put8(&w, 2);
	}
	if (o->has_ws) {
		put8(&w, TCP_OPT_NOP);
		put8(&w, TCP_OPT_WS);
		put8(&w, 3);
		put8(&w, o->ws);
	}
	if (o->nsack) {
		put8(&w, TCP_OPT_NOP);
		put8(&w, TCP_OPT_NOP);
		put8(&w, TCP_OPT_SACK);
		put8(&w, 2 + 8u * o->nsack);
		for (unsigned i = 0; i < o->nsack; i++) {
			put32(&w, o->sack[i].left);
			put32(&w, o->sack[i].right);
		}
	}
	return !w.bad && w.off == out.len;
}

/* The header (checksum field zero) at the start of seg; -errno or 0. */
static int hdr_write(const struct tcp_hdr *h, size_t hl, struct mview seg)
{
	struct mview opts;

	if (!mview_sub(seg, TCP_HDR_LEN, hl - TCP_HDR_LEN, &opts))
		return -ENOSPC;
	uint8_t b12 = (uint8_t)((hl / 4) << 4 | ((h->flags >> 8) & 1u));
	if (!mview_set_be16(seg, 0, h->sport) ||
	    !mview_set_be16(seg, 2, h->dport) ||
	    !mview_set_be32(seg, 4, h->seq) ||
	    !mview_set_be32(seg, 8, h->ack) || !mview_set_u8(seg, 12, b12) ||
	    !mview_set_u8(seg, 13, (uint8_t)h->flags) ||
	    !mview_set_be16(seg, 14, h->window) ||
	    !mview_set_be16(seg, 16, 0) || !mview_set_be16(seg, 18, h->urg) ||
	    !opts_write(&h->opts, opts))
		return -ENOSPC;
	return 0;
}

int tcp_emit(const struct tcp_hdr *h, uint32_t src, uint32_t dst,
	     struct mview seg)
{
	size_t hl = tcp_hdr_len(h);
	struct net_csum cs = net_csum_start();
	int rc;

	if (!hl || seg.len > TCP_MAX_SEG_LEN)
		return -EINVAL;
	if ((rc = hdr_write(h, hl, seg)) < 0)
		return rc;
	net_csum_pseudo(&cs, src, dst, IPV4_PROTO_TCP, (uint16_t)seg.len);
	net_csum_add(&cs, view_of(seg));
	if (!mview_set_be16(seg, 16, net_csum_final(&cs)))
		return -ENOSPC;
	return (int)hl;
}

int tcp_prepend(const struct tcp_hdr *h, uint32_t src, uint32_t dst,
		struct netbuf *nb)
{
	size_t hl = tcp_hdr_len(h);
	size_t len = netbuf_frame_len(nb);
	struct mview hdr;

	if (!hl || len + hl > TCP_MAX_SEG_LEN)
		return -EINVAL;
	if (!netbuf_push(nb, hl, &hdr))
		return -ENOSPC;
	if (nb->gso_size) {
		/* Offload (netbuf.h): the header, and in the checksum field
		 * the folded pseudo-header sum of the whole frame, which the
		 * device completes for each segment it cuts. */
		struct net_csum cs = net_csum_start();
		int rc = hdr_write(h, hl, hdr);

		net_csum_pseudo(&cs, src, dst, IPV4_PROTO_TCP,
				(uint16_t)(len + hl));
		if (rc == 0 &&
		    !mview_set_be16(hdr, 16, (uint16_t)~net_csum_final(&cs)))
			rc = -ENOSPC;
		if (rc < 0) {
			bool undone = netbuf_pull(nb, hl);
			(void)undone;
		}
		return rc;
	}
	int rc = tcp_emit(h, src, dst, netbuf_mview(nb));
	if (rc < 0) {
		/* Cannot happen (sizes checked above); leave nb as it was. */
		bool undone = netbuf_pull(nb, hl);
		(void)undone;
		return rc;
	}
	return 0;
}
