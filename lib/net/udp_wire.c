/*
 * UDP header codec (RFC 768). See udp_wire.h.
 */
#include "udp_wire.h"

#include <errno.h>

#include "cksum.h"
#include "ipv4_wire.h"

/* The largest UDP datagram a minimal IPv4 header can carry. */
#define UDP_MAX_LEN (0xffffu - IPV4_HDR_LEN)

static uint16_t udp_sum(struct view seg, uint32_t src, uint32_t dst,
			uint16_t len)
{
	struct net_csum c = net_csum_start();

	net_csum_pseudo(&c, src, dst, IPV4_PROTO_UDP, len);
	net_csum_add(&c, seg);
	return net_csum_final(&c);
}

enum net_drop udp_parse(struct view seg, uint32_t src, uint32_t dst,
			struct udp_hdr *out)
{
	return udp_parse_rx(seg, src, dst, false, out);
}

enum net_drop udp_parse_rx(struct view seg, uint32_t src, uint32_t dst,
			   bool csum_ok, struct udp_hdr *out)
{
	struct vcur c = vcur_make(seg);
	struct view dgram;

	if (seg.len < UDP_HDR_LEN)
		return NET_DROP_UDP_SHORT;
	out->sport = vcur_be16(&c);
	out->dport = vcur_be16(&c);
	out->len = vcur_be16(&c);
	out->csum = vcur_be16(&c);
	if (c.bad)
		return NET_DROP_UDP_SHORT;
	if (out->len < UDP_HDR_LEN || !view_sub(seg, 0, out->len, &dgram))
		return NET_DROP_UDP_BAD_LEN;
	/* The sum covers the UDP length's bytes, not the IP payload's. */
	if (!csum_ok && out->csum != 0 &&
	    udp_sum(dgram, src, dst, out->len) != 0)
		return NET_DROP_UDP_BAD_CSUM;
	if (!view_tail(dgram, UDP_HDR_LEN, &out->payload))
		return NET_DROP_UDP_BAD_LEN;
	return NET_DROP_NONE;
}

int udp_emit(const struct udp_hdr *h, uint32_t src, uint32_t dst,
	     struct mview seg)
{
	if (seg.len < UDP_HDR_LEN)
		return -ENOSPC;
	if (seg.len > UDP_MAX_LEN)
		return -EINVAL;
	uint16_t len = (uint16_t)seg.len;
	if (!mview_set_be16(seg, 0, h->sport) ||
	    !mview_set_be16(seg, 2, h->dport) || !mview_set_be16(seg, 4, len) ||
	    !mview_set_be16(seg, 6, 0))
		return -ENOSPC;
	uint16_t sum = udp_sum(view_of(seg), src, dst, len);
	/* RFC 768: a computed 0 is sent as all ones; 0 means "none". */
	if (sum == 0)
		sum = 0xffff;
	if (!mview_set_be16(seg, 6, sum))
		return -ENOSPC;
	return (int)UDP_HDR_LEN;
}

int udp_prepend(const struct udp_hdr *h, uint32_t src, uint32_t dst,
		struct netbuf *nb)
{
	struct mview hdr;

	if ((size_t)nb->len + UDP_HDR_LEN > UDP_MAX_LEN)
		return -EINVAL;
	if (!netbuf_push(nb, UDP_HDR_LEN, &hdr))
		return -ENOSPC;
	int rc = udp_emit(h, src, dst, netbuf_mview(nb));
	if (rc < 0) {
		/* Cannot happen (sizes checked above); leave nb as it was. */
		bool undone = netbuf_pull(nb, UDP_HDR_LEN);
		(void)undone;
		return rc;
	}
	return 0;
}
