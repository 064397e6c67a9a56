/*
 * ARP (RFC 826) packet codec for Ethernet/IPv4. See arp_wire.h.
 */
#include "arp_wire.h"

#include <errno.h>
#include <string.h>

enum net_drop arp_parse(struct view pkt, struct arp_pkt *out)
{
	struct vcur c = vcur_make(pkt);

	if (pkt.len < ARP_LEN)
		return NET_DROP_ARP_SHORT;
	uint16_t htype = vcur_be16(&c);
	uint16_t ptype = vcur_be16(&c);
	uint8_t hlen = vcur_u8(&c);
	uint8_t plen = vcur_u8(&c);
	out->op = vcur_be16(&c);
	/* Check the lengths before trusting the layout they describe. */
	if (htype != ARP_HTYPE_ETHER || hlen != ETH_ADDR_LEN)
		return NET_DROP_ARP_BAD_HW;
	if (ptype != ETH_TYPE_IPV4 || plen != 4)
		return NET_DROP_ARP_BAD_PROTO;
	if (out->op != ARP_OP_REQUEST && out->op != ARP_OP_REPLY)
		return NET_DROP_ARP_BAD_OP;
	if (!view_copy_out(vcur_take(&c, ETH_ADDR_LEN), 0, out->sha.b,
			   ETH_ADDR_LEN))
		return NET_DROP_ARP_SHORT;
	out->spa = vcur_be32(&c);
	if (!view_copy_out(vcur_take(&c, ETH_ADDR_LEN), 0, out->tha.b,
			   ETH_ADDR_LEN))
		return NET_DROP_ARP_SHORT;
	out->tpa = vcur_be32(&c);
	return c.bad ? NET_DROP_ARP_SHORT : NET_DROP_NONE;
}

int arp_emit(const struct arp_pkt *p, struct mview out)
{
	if (!mview_has(out, 0, ARP_LEN))
		return -ENOSPC;
	if (!mview_set_be16(out, 0, ARP_HTYPE_ETHER) ||
	    !mview_set_be16(out, 2, ETH_TYPE_IPV4) ||
	    !mview_set_u8(out, 4, ETH_ADDR_LEN) || !mview_set_u8(out, 5, 4) ||
	    !mview_set_be16(out, 6, p->op) ||
	    !mview_copy_in(out, 8, p->sha.b, ETH_ADDR_LEN) ||
	    !mview_set_be32(out, 14, p->spa) ||
	    !mview_copy_in(out, 18, p->tha.b, ETH_ADDR_LEN) ||
	    !mview_set_be32(out, 24, p->tpa))
		return -ENOSPC;
	return (int)ARP_LEN;
}

struct arp_pkt arp_make_reply(const struct arp_pkt *req,
			      const struct eth_addr *our_mac, uint32_t our_ip)
{
	struct arp_pkt r;

	r.op = ARP_OP_REPLY;
	r.sha = *our_mac;
	r.spa = our_ip;
	r.tha = req->sha;
	r.tpa = req->spa;
	return r;
}

struct arp_pkt arp_make_request(const struct eth_addr *our_mac, uint32_t our_ip,
				uint32_t target_ip)
{
	struct arp_pkt r;

	r.op = ARP_OP_REQUEST;
	r.sha = *our_mac;
	r.spa = our_ip;
	memset(r.tha.b, 0, ETH_ADDR_LEN);
	r.tpa = target_ip;
	return r;
}
