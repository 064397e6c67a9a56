/*
 * IPv4 header codec (RFC 791, RFC 1122 3.2.1). See ipv4_wire.h.
 */
#include "ipv4_wire.h"

#include <errno.h>

#include "cksum.h"

#define IPV4_FLAG_RF  0x8000u
#define IPV4_FLAG_DF  0x4000u
#define IPV4_FLAG_MF  0x2000u
#define IPV4_OFF_MASK 0x1fffu

/*
 * The fixed 20 bytes, common to the strict and the quoted parser. Fills
 * everything but options and payload; the caller checks lengths.
 */
static void read_fixed(struct view v, struct ipv4_hdr *out, uint8_t *version)
{
	struct vcur c = vcur_make(v);
	uint8_t vi = vcur_u8(&c);

	*version = vi >> 4;
	out->ihl = (uint8_t)((vi & 0x0f) * 4);
	out->tos = vcur_u8(&c);
	out->total_len = vcur_be16(&c);
	out->id = vcur_be16(&c);
	uint16_t fo = vcur_be16(&c);
	out->rf = (fo & IPV4_FLAG_RF) != 0;
	out->df = (fo & IPV4_FLAG_DF) != 0;
	out->mf = (fo & IPV4_FLAG_MF) != 0;
	out->frag_off = (uint16_t)((fo & IPV4_OFF_MASK) * 8);
	out->ttl = vcur_u8(&c);
	out->proto = vcur_u8(&c);
	out->csum = vcur_be16(&c);
	out->src = vcur_be32(&c);
	out->dst = vcur_be32(&c);
	/* Callers have checked v.len >= 20, so c.bad cannot be set here. */
}

enum net_drop ipv4_parse(struct view pkt, struct ipv4_hdr *out)
{
	uint8_t version;
	struct view hdr;

	if (pkt.len < IPV4_HDR_LEN)
		return NET_DROP_IPV4_SHORT;
	read_fixed(pkt, out, &version);
	if (version != 4)
		return NET_DROP_IPV4_BAD_VERSION;
	if (out->ihl < IPV4_HDR_LEN)
		return NET_DROP_IPV4_BAD_IHL;
	if (out->total_len < out->ihl)
		return NET_DROP_IPV4_BAD_LEN;
	/* Covers an IHL past the received bytes too: ihl <= total_len. */
	if (out->total_len > pkt.len)
		return NET_DROP_IPV4_TRUNCATED;
	if (!view_sub(pkt, 0, out->ihl, &hdr))
		return NET_DROP_IPV4_TRUNCATED;
	/* RFC 1071: the sum over a correct header, checksum included, is 0. */
	if (net_cksum(hdr) != 0)
		return NET_DROP_IPV4_BAD_CSUM;
	if (!view_sub(pkt, IPV4_HDR_LEN, out->ihl - IPV4_HDR_LEN,
		      &out->options) ||
	    !view_sub(pkt, out->ihl, out->total_len - out->ihl, &out->payload))
		return NET_DROP_IPV4_TRUNCATED;
	out->payload_len = (uint16_t)out->payload.len;
	return NET_DROP_NONE;
}

enum net_drop ipv4_parse_quoted(struct view quote, struct ipv4_hdr *out)
{
	uint8_t version;

	if (quote.len < IPV4_HDR_LEN + IPV4_QUOTE_DATA)
		return NET_DROP_ICMP_BAD_QUOTE;
	read_fixed(quote, out, &version);
	if (version != 4 || out->ihl < IPV4_HDR_LEN)
		return NET_DROP_ICMP_BAD_QUOTE;
	if (!view_sub(quote, IPV4_HDR_LEN, out->ihl - IPV4_HDR_LEN,
		      &out->options) ||
	    !view_sub(quote, out->ihl, IPV4_QUOTE_DATA, &out->payload))
		return NET_DROP_ICMP_BAD_QUOTE;
	out->payload_len = (uint16_t)out->payload.len;
	return NET_DROP_NONE;
}

size_t ipv4_hdr_len(const struct ipv4_hdr *h)
{
	if (h->options.len > IPV4_MAX_OPT_LEN || (h->options.len & 3))
		return 0;
	return IPV4_HDR_LEN + h->options.len;
}

int ipv4_emit(const struct ipv4_hdr *h, struct mview out)
{
	size_t hl = ipv4_hdr_len(h);
	struct mview hdr;
	struct net_csum cs = net_csum_start();

	if (!hl || hl + h->payload_len > 0xffffu)
		return -EINVAL;
	if (!mview_sub(out, 0, hl, &hdr))
		return -ENOSPC;
	uint16_t fo = (uint16_t)((h->frag_off / 8) & IPV4_OFF_MASK);
	if (h->rf)
		fo |= IPV4_FLAG_RF;
	if (h->df)
		fo |= IPV4_FLAG_DF;
	if (h->mf)
		fo |= IPV4_FLAG_MF;
	if (!mview_set_u8(hdr, 0, (uint8_t)(0x40 | hl / 4)) ||
	    !mview_set_u8(hdr, 1, h->tos) ||
	    !mview_set_be16(hdr, 2, (uint16_t)(hl + h->payload_len)) ||
	    !mview_set_be16(hdr, 4, h->id) || !mview_set_be16(hdr, 6, fo) ||
	    !mview_set_u8(hdr, 8, h->ttl) || !mview_set_u8(hdr, 9, h->proto) ||
	    !mview_set_be16(hdr, 10, 0) || !mview_set_be32(hdr, 12, h->src) ||
	    !mview_set_be32(hdr, 16, h->dst) ||
	    !mview_copy_in(hdr, IPV4_HDR_LEN, h->options.p, h->options.len))
		return -ENOSPC;
	net_csum_add(&cs, view_of(hdr));
	if (!mview_set_be16(hdr, 10, net_csum_final(&cs)))
		return -ENOSPC;
	return (int)hl;
}

int ipv4_prepend(const struct ipv4_hdr *h, struct netbuf *nb)
{
	struct ipv4_hdr copy = *h;
	struct mview hdr;
	size_t hl = ipv4_hdr_len(h);

	size_t len = netbuf_frame_len(nb);

	if (!hl || hl + len > 0xffffu)
		return -EINVAL;
	copy.payload_len = (uint16_t)len;
	if (!netbuf_push(nb, hl, &hdr))
		return -ENOSPC;
	int rc = ipv4_emit(&copy, hdr);
	if (rc < 0) {
		/* Cannot happen (sizes checked above); leave nb as it was. */
		bool undone = netbuf_pull(nb, hl);
		(void)undone;
		return rc;
	}
	return 0;
}
