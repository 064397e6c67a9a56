/*
 * DHCP message codec (RFC 2131, RFC 2132). See dhcp_wire.h.
 */
#include "dhcp_wire.h"

#include <errno.h>
#include <string.h>

#define DHCP_CHADDR_LEN	 16u
#define DHCP_SNAME_LEN	 64u
#define DHCP_FILE_LEN	 128u
#define DHCP_HTYPE_ETHER 1u /* RFC 1700 hardware type: Ethernet */

/* The one 4-byte address or time options carry, into *dst. */
static bool opt_u32(struct view body, uint32_t *dst)
{
	return body.len == 4 && view_be32(body, 0, dst);
}

/* Decode one option we know; false when its length is wrong. */
static bool opt_decode(uint8_t code, struct view body, struct dhcp_msg *m)
{
	switch (code) {
	case DHCP_OPT_MSG_TYPE:
		return body.len == 1 && view_u8(body, 0, &m->type);
	case DHCP_OPT_SUBNET_MASK:
		m->has |= DHCP_HAS_SUBNET_MASK;
		return opt_u32(body, &m->subnet_mask);
	case DHCP_OPT_REQUESTED_IP:
		m->has |= DHCP_HAS_REQUESTED_IP;
		return opt_u32(body, &m->requested_ip);
	case DHCP_OPT_LEASE_TIME:
		m->has |= DHCP_HAS_LEASE_TIME;
		return opt_u32(body, &m->lease_time);
	case DHCP_OPT_SERVER_ID:
		m->has |= DHCP_HAS_SERVER_ID;
		return opt_u32(body, &m->server_id);
	case DHCP_OPT_T1:
		m->has |= DHCP_HAS_T1;
		return opt_u32(body, &m->t1);
	case DHCP_OPT_T2:
		m->has |= DHCP_HAS_T2;
		return opt_u32(body, &m->t2);
	case DHCP_OPT_ROUTER:
		/* RFC 2132 3.5: a list, minimum 4, multiple of 4; prefer
		 * the first. */
		m->has |= DHCP_HAS_ROUTER;
		return body.len >= 4 && body.len % 4 == 0 &&
		       view_be32(body, 0, &m->router);
	case DHCP_OPT_DNS:
		/* RFC 2132 3.8: same shape; keep the first few. */
		if (body.len < 4 || body.len % 4 != 0)
			return false;
		m->ndns = 0;
		for (size_t off = 0; off < body.len && m->ndns < DHCP_MAX_DNS;
		     off += 4)
			if (!view_be32(body, off, &m->dns[m->ndns++]))
				return false;
		return true;
	default:
		return true;
	}
}

static enum net_drop parse_options(struct view opts, struct dhcp_msg *m)
{
	size_t off = 0;

	/* Every pass consumes >= 1 byte: bounded by opts.len. */
	while (off < opts.len) {
		uint8_t code, len;
		struct view body;

		if (!view_u8(opts, off, &code))
			return NET_DROP_DHCP_BAD_OPTION;
		if (code == DHCP_OPT_END)
			break;
		if (code == DHCP_OPT_PAD) {
			off++;
			continue;
		}
		if (!view_u8(opts, off + 1, &len) ||
		    !view_sub(opts, off + 2, len, &body) ||
		    !opt_decode(code, body, m))
			return NET_DROP_DHCP_BAD_OPTION;
		off += 2 + (size_t)len;
	}
	return m->type ? NET_DROP_NONE : NET_DROP_DHCP_NO_TYPE;
}

enum net_drop dhcp_parse(struct view msg, struct dhcp_msg *out)
{
	struct vcur c = vcur_make(msg);

	if (msg.len < DHCP_HDR_LEN)
		return NET_DROP_DHCP_SHORT;
	memset(out, 0, sizeof(*out));
	out->op = vcur_u8(&c);
	uint8_t htype = vcur_u8(&c);
	uint8_t hlen = vcur_u8(&c);
	out->hops = vcur_u8(&c);
	out->xid = vcur_be32(&c);
	out->secs = vcur_be16(&c);
	out->flags = vcur_be16(&c);
	out->ciaddr = vcur_be32(&c);
	out->yiaddr = vcur_be32(&c);
	out->siaddr = vcur_be32(&c);
	out->giaddr = vcur_be32(&c);
	struct view chaddr = vcur_take(&c, DHCP_CHADDR_LEN);
	vcur_skip(&c, DHCP_SNAME_LEN + DHCP_FILE_LEN);
	uint32_t cookie = vcur_be32(&c);
	if (c.bad)
		return NET_DROP_DHCP_SHORT;
	if (htype != DHCP_HTYPE_ETHER || hlen != ETH_ADDR_LEN)
		return NET_DROP_DHCP_BAD_HW;
	if (cookie != DHCP_COOKIE)
		return NET_DROP_DHCP_BAD_COOKIE;
	if (!view_copy_out(chaddr, 0, out->chaddr.b, ETH_ADDR_LEN))
		return NET_DROP_DHCP_SHORT;
	return parse_options(vcur_take(&c, vcur_left(&c)), out);
}

/* A sticky-error writer, the mirror of vcur (see tcp_wire.c). */
struct dwr {
	struct mview v;
	size_t off;
	bool bad;
};

static void put8(struct dwr *w, unsigned x)
{
	w->bad = w->bad || !mview_set_u8(w->v, w->off, (uint8_t)x);
	w->off += 1;
}

static void put16(struct dwr *w, unsigned x)
{
	w->bad = w->bad || !mview_set_be16(w->v, w->off, (uint16_t)x);
	w->off += 2;
}

static void put32(struct dwr *w, uint32_t x)
{
	w->bad = w->bad || !mview_set_be32(w->v, w->off, x);
	w->off += 4;
}

static void put_zero(struct dwr *w, size_t n)
{
	w->bad = w->bad || !mview_fill(w->v, w->off, 0, n);
	w->off += n;
}

static void put_opt32(struct dwr *w, unsigned code, uint32_t x)
{
	put8(w, code);
	put8(w, 4);
	put32(w, x);
}

/* What a client asks for (RFC 2132 9.8): mask, router, DNS, times. */
static const uint8_t param_list[] = {DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER,
				     DHCP_OPT_DNS,	   DHCP_OPT_LEASE_TIME,
				     DHCP_OPT_T1,	   DHCP_OPT_T2};

int dhcp_emit(const struct dhcp_msg *m, struct mview out)
{
	struct dwr w = {out, 0, false};

	if (m->ndns > DHCP_MAX_DNS)
		return -EINVAL;
	put8(&w, m->op);
	put8(&w, DHCP_HTYPE_ETHER);
	put8(&w, ETH_ADDR_LEN);
	put8(&w, m->hops);
	put32(&w, m->xid);
	put16(&w, m->secs);
	put16(&w, m->flags);
	put32(&w, m->ciaddr);
	put32(&w, m->yiaddr);
	put32(&w, m->siaddr);
	put32(&w, m->giaddr);
	w.bad = w.bad || !mview_copy_in(out, w.off, m->chaddr.b, ETH_ADDR_LEN);
	w.off += ETH_ADDR_LEN;
	put_zero(&w, DHCP_CHADDR_LEN - ETH_ADDR_LEN + DHCP_SNAME_LEN +
			     DHCP_FILE_LEN);
	put32(&w, DHCP_COOKIE);

	/* RFC 2131 4.1: the message type comes first by convention. */
	put8(&w, DHCP_OPT_MSG_TYPE);
	put8(&w, 1);
	put8(&w, m->type);
	if (m->has & DHCP_HAS_REQUESTED_IP)
		put_opt32(&w, DHCP_OPT_REQUESTED_IP, m->requested_ip);
	if (m->has & DHCP_HAS_SERVER_ID)
		put_opt32(&w, DHCP_OPT_SERVER_ID, m->server_id);
	if (m->has & DHCP_HAS_LEASE_TIME)
		put_opt32(&w, DHCP_OPT_LEASE_TIME, m->lease_time);
	if (m->has & DHCP_HAS_T1)
		put_opt32(&w, DHCP_OPT_T1, m->t1);
	if (m->has & DHCP_HAS_T2)
		put_opt32(&w, DHCP_OPT_T2, m->t2);
	if (m->has & DHCP_HAS_SUBNET_MASK)
		put_opt32(&w, DHCP_OPT_SUBNET_MASK, m->subnet_mask);
	if (m->has & DHCP_HAS_ROUTER)
		put_opt32(&w, DHCP_OPT_ROUTER, m->router);
	if (m->ndns) {
		put8(&w, DHCP_OPT_DNS);
		put8(&w, 4u * m->ndns);
		for (unsigned i = 0; i < m->ndns; i++)
			put32(&w, m->dns[i]);
	}
	if (m->op == DHCP_OP_REQUEST) {
		put8(&w, DHCP_OPT_PARAM_LIST);
		put8(&w, sizeof(param_list));
		for (size_t i = 0; i < sizeof(param_list); i++)
			put8(&w, param_list[i]);
	}
	put8(&w, DHCP_OPT_END);
	if (w.off < DHCP_MIN_LEN)
		put_zero(&w, DHCP_MIN_LEN - w.off);
	return w.bad ? -ENOSPC : (int)w.off;
}

struct dhcp_msg dhcp_make_discover(uint32_t xid, const struct eth_addr *mac)
{
	struct dhcp_msg m;

	memset(&m, 0, sizeof(m));
	m.op = DHCP_OP_REQUEST;
	m.xid = xid;
	/* We cannot receive unicast before we have an address: ask for
	 * broadcast replies (RFC 2131 4.1). */
	m.flags = DHCP_FLAG_BROADCAST;
	m.chaddr = *mac;
	m.type = DHCP_DISCOVER;
	return m;
}

struct dhcp_msg dhcp_make_request(uint32_t xid, const struct eth_addr *mac,
				  uint32_t requested_ip, uint32_t server_id)
{
	struct dhcp_msg m = dhcp_make_discover(xid, mac);

	m.type = DHCP_REQUEST;
	m.has = DHCP_HAS_REQUESTED_IP | DHCP_HAS_SERVER_ID;
	m.requested_ip = requested_ip;
	m.server_id = server_id;
	return m;
}
