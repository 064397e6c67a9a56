/*
 * ICMPv4 codec (RFC 792, RFC 1191). See icmp_wire.h.
 */
#include "icmp_wire.h"

#include <errno.h>

#include "cksum.h"

bool icmp_is_error(uint8_t type)
{
	switch (type) {
	case ICMP_DEST_UNREACH:
	case ICMP_SOURCE_QUENCH:
	case ICMP_REDIRECT:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAM_PROBLEM:
		return true;
	default:
		return false;
	}
}

static bool is_echo(uint8_t type)
{
	return type == ICMP_ECHO_REQUEST || type == ICMP_ECHO_REPLY;
}

enum net_drop icmp_parse(struct view msg, struct icmp_hdr *out)
{
	struct vcur c = vcur_make(msg);

	if (msg.len < ICMP_HDR_LEN)
		return NET_DROP_ICMP_SHORT;
	if (net_cksum(msg) != 0)
		return NET_DROP_ICMP_BAD_CSUM;
	out->type = vcur_u8(&c);
	out->code = vcur_u8(&c);
	out->csum = vcur_be16(&c);
	out->rest = vcur_be32(&c);
	out->data = vcur_take(&c, vcur_left(&c));
	if (c.bad)
		return NET_DROP_ICMP_SHORT;
	out->id = 0;
	out->seq = 0;
	out->mtu = 0;
	out->has_quote = false;
	if (is_echo(out->type)) {
		out->id = (uint16_t)(out->rest >> 16);
		out->seq = (uint16_t)out->rest;
	} else if (icmp_is_error(out->type)) {
		/* RFC 1191 4: the MTU sits in the low half of "unused". */
		if (out->type == ICMP_DEST_UNREACH &&
		    out->code == ICMP_UNREACH_FRAG_NEEDED)
			out->mtu = (uint16_t)out->rest;
		if (ipv4_parse_quoted(out->data, &out->quote) != NET_DROP_NONE)
			return NET_DROP_ICMP_BAD_QUOTE;
		out->has_quote = true;
	}
	return NET_DROP_NONE;
}

int icmp_emit(const struct icmp_hdr *h, struct mview out)
{
	struct mview msg;
	uint32_t rest = h->rest;

	/* The IPv4 payload limit: 65535 minus a minimal header. */
	if (h->data.len > 0xffffu - IPV4_HDR_LEN - ICMP_HDR_LEN)
		return -EINVAL;
	size_t n = ICMP_HDR_LEN + h->data.len;
	if (!mview_sub(out, 0, n, &msg))
		return -ENOSPC;
	if (is_echo(h->type))
		rest = (uint32_t)h->id << 16 | h->seq;
	else if (h->type == ICMP_DEST_UNREACH &&
		 h->code == ICMP_UNREACH_FRAG_NEEDED)
		rest = h->mtu;
	/* Data first: it may overlap the header bytes of a reused buffer. */
	if (!mview_copy_in(msg, ICMP_HDR_LEN, h->data.p, h->data.len) ||
	    !mview_set_u8(msg, 0, h->type) || !mview_set_u8(msg, 1, h->code) ||
	    !mview_set_be16(msg, 2, 0) || !mview_set_be32(msg, 4, rest))
		return -ENOSPC;
	if (!mview_set_be16(msg, 2, net_cksum(view_of(msg))))
		return -ENOSPC;
	return (int)n;
}

int icmp_emit_echo_reply(const struct icmp_hdr *req, struct mview out)
{
	struct icmp_hdr r = {0};

	r.type = ICMP_ECHO_REPLY;
	r.code = 0;
	r.id = req->id;
	r.seq = req->seq;
	r.data = req->data;
	return icmp_emit(&r, out);
}

bool icmp_quote_of(struct view orig, struct view *quote)
{
	uint8_t vi;

	if (!view_u8(orig, 0, &vi))
		return false;
	size_t ihl = (size_t)(vi & 0x0f) * 4;
	if (ihl < IPV4_HDR_LEN || orig.len < ihl)
		return false;
	*quote = view_trunc(orig, ihl + IPV4_QUOTE_DATA);
	return true;
}

int icmp_emit_unreach(uint8_t code, uint16_t mtu, struct view orig,
		      struct mview out)
{
	struct icmp_hdr h = {0};

	if (!icmp_quote_of(orig, &h.data))
		return -EINVAL;
	h.type = ICMP_DEST_UNREACH;
	h.code = code;
	h.mtu = mtu;
	h.rest = 0; /* "unused", RFC 792 */
	return icmp_emit(&h, out);
}

int icmp_emit_port_unreach(struct view orig, struct mview out)
{
	return icmp_emit_unreach(ICMP_UNREACH_PORT, 0, orig, out);
}
