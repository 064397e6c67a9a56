/*
 * Ethernet II header codec. See eth_wire.h for the contract.
 */
#include "eth_wire.h"

#include <errno.h>
#include <string.h>

const struct eth_addr eth_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static bool is_tag_type(uint16_t type)
{
	return type == ETH_TYPE_VLAN || type == ETH_TYPE_QINQ;
}

enum net_drop eth_parse(struct view frame, struct eth_hdr *out)
{
	struct vcur c = vcur_make(frame);

	if (frame.len < ETH_HDR_LEN)
		return NET_DROP_ETH_RUNT;
	if (!view_copy_out(frame, 0, out->dst.b, ETH_ADDR_LEN) ||
	    !view_copy_out(frame, 6, out->src.b, ETH_ADDR_LEN))
		return NET_DROP_ETH_RUNT;
	vcur_skip(&c, 12);
	out->type = vcur_be16(&c);
	out->vlan = false;
	out->vlan_tci = 0;
	if (is_tag_type(out->type)) {
		/* 802.1Q 9.6: TPID we just read, then TCI, then the type. */
		out->vlan = true;
		out->vlan_tci = vcur_be16(&c);
		out->type = vcur_be16(&c);
	}
	if (c.bad)
		return NET_DROP_ETH_RUNT;
	out->payload = vcur_take(&c, vcur_left(&c));
	return NET_DROP_NONE;
}

size_t eth_hdr_len(const struct eth_hdr *h)
{
	return ETH_HDR_LEN + (h->vlan ? ETH_VLAN_TAG_LEN : 0);
}

int eth_emit(const struct eth_hdr *h, struct mview out)
{
	size_t off = 12;

	if (!mview_has(out, 0, eth_hdr_len(h)))
		return -ENOSPC;
	if (!mview_copy_in(out, 0, h->dst.b, ETH_ADDR_LEN) ||
	    !mview_copy_in(out, 6, h->src.b, ETH_ADDR_LEN))
		return -ENOSPC;
	if (h->vlan) {
		if (!mview_set_be16(out, off, ETH_TYPE_VLAN) ||
		    !mview_set_be16(out, off + 2, h->vlan_tci))
			return -ENOSPC;
		off += ETH_VLAN_TAG_LEN;
	}
	if (!mview_set_be16(out, off, h->type))
		return -ENOSPC;
	return (int)(off + 2);
}

int eth_prepend(const struct eth_hdr *h, struct netbuf *nb)
{
	struct mview hdr;
	size_t n = eth_hdr_len(h);

	if (!netbuf_push(nb, n, &hdr))
		return -ENOSPC;
	int rc = eth_emit(h, hdr);
	return rc < 0 ? rc : 0;
}

bool eth_addr_is_broadcast(const struct eth_addr *a)
{
	return eth_addr_eq(a, &eth_broadcast);
}

bool eth_addr_is_multicast(const struct eth_addr *a)
{
	/* The I/G bit: least significant bit of the first octet. */
	return (a->b[0] & 1) != 0;
}

bool eth_addr_eq(const struct eth_addr *a, const struct eth_addr *b)
{
	return memcmp(a->b, b->b, ETH_ADDR_LEN) == 0;
}
