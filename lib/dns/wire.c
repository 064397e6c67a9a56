/*
 * Query parsing: untrusted bytes in, a struct dns_query out. Everything
 * goes through view.h's checked accessors; nothing here can read outside
 * the message or loop, whatever the bytes say.
 */
#include <string.h>

#include "wire.h"

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

bool dns_read_name(struct view msg, size_t *off, uint8_t *out, size_t *len)
{
	size_t pos = *off, n = 0, end = 0;
	bool jumped = false;
	/* A pointer must aim before the label that holds it (RFC 1035
	 * section 4.1.4 speaks of a "prior occurrence"): positions then
	 * strictly decrease from jump to jump, so the walk ends. */
	size_t limit = pos;

	for (;;) {
		uint8_t b;

		if (!view_u8(msg, pos, &b))
			return false;
		if ((b & 0xc0) == 0xc0) {
			uint8_t b2;
			size_t to;

			if (!view_u8(msg, pos + 1, &b2))
				return false;
			to = (size_t)(b & 0x3f) << 8 | b2;
			if (to >= limit)
				return false;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			limit = to;
			pos = to;
			continue;
		}
		/* 0x40 and 0x80: extended and reserved label types (RFC 6891
		 * section 5): refused, which also refuses "labels over 63". */
		if (b & 0xc0)
			return false;
		if (n + 1 + b > DNS_NAME_MAX)
			return false;
		if (!view_copy_out(msg, pos, out + n, 1u + b))
			return false;
		n += 1u + b;
		pos += 1u + b;
		if (b == 0)
			break;
	}
	*len = n;
	*off = jumped ? end : pos;
	return true;
}

/* Skip one resource record; on OPT, read EDNS into q. */
static enum dns_verdict read_rr(struct view msg, size_t *off,
				struct dns_query *q, bool additional)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen;
	struct vcur c;
	uint16_t type, cls, rdlen;
	uint32_t ttl;

	if (!dns_read_name(msg, off, name, &nlen))
		return DNS_V_FORMERR;
	if (!view_tail(msg, *off, &c.v))
		return DNS_V_FORMERR;
	c = vcur_make(c.v);
	type = vcur_be16(&c);
	cls = vcur_be16(&c);
	ttl = vcur_be32(&c);
	rdlen = vcur_be16(&c);
	struct view rdata = vcur_take(&c, rdlen);
	if (c.bad)
		return DNS_V_FORMERR;
	*off += c.off;
	if (type != DNS_T_OPT)
		return DNS_V_OK;
	/* RFC 6891 section 6.1.1: one OPT, in the additional section,
	 * owned by the root. */
	if (!additional || q->edns || nlen != 1)
		return DNS_V_FORMERR;
	q->edns = true;
	q->edns_size = cls;
	q->edns_version = (uint8_t)(ttl >> 16);
	q->edns_do = (ttl & 0x8000) != 0;
	/* The options must tile the RDATA exactly (section 6.1.2). Unknown
	 * ones are ignored and not echoed (section 6.1.2 again). */
	struct vcur o = vcur_make(rdata);
	while (vcur_left(&o) > 0) {
		(void)vcur_be16(&o);
		vcur_skip(&o, vcur_be16(&o));
		if (o.bad)
			return DNS_V_FORMERR;
	}
	return DNS_V_OK;
}

enum dns_verdict dns_parse_query(struct view msg, struct dns_query *q)
{
	struct vcur h = vcur_make(msg);
	uint16_t qd, an, ns, ar;
	size_t off = DNS_HDR, nlen;

	memset(q, 0, offsetof(struct dns_query, lname));
	q->edns = false;
	q->edns_do = false;
	q->edns_size = 0;
	q->edns_version = 0;
	q->id = vcur_be16(&h);
	q->flags = vcur_be16(&h);
	qd = vcur_be16(&h);
	an = vcur_be16(&h);
	ns = vcur_be16(&h);
	ar = vcur_be16(&h);
	/* Too short for a header: nothing to answer to (no ID). A response
	 * (QR=1) is never answered: two servers could ping-pong forever. */
	if (h.bad || (q->flags & DNS_F_QR))
		return DNS_V_DROP;
	if (DNS_OPCODE(q->flags) != 0)
		return DNS_V_NOTIMP;
	/* One question (RFC 9619); answers have no place in a query; the
	 * authority section may carry at most an SOA (IXFR, RFC 1995). */
	if (qd != 1 || an != 0 || ns > 1)
		return DNS_V_FORMERR;
	if (!dns_read_name(msg, &off, q->qname, &nlen))
		return DNS_V_FORMERR;
	struct vcur c = vcur_make(msg);
	c.off = off;
	q->qtype = vcur_be16(&c);
	q->qclass = vcur_be16(&c);
	if (c.bad)
		return DNS_V_FORMERR;
	off = c.off;
	q->qlen = (uint8_t)nlen;
	for (size_t i = 0; i < nlen; i++)
		q->lname[i] = lower(q->qname[i]);
	for (unsigned i = 0; i < (unsigned)ns + ar; i++) {
		enum dns_verdict v = read_rr(msg, &off, q, i >= ns);
		if (v != DNS_V_OK)
			return v;
	}
	if (q->edns && q->edns_version != 0)
		return DNS_V_BADVERS;
	return DNS_V_OK;
}
