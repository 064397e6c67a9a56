/*
 * DHCP codec: a real DHCPOFFER frame walked down the whole stack of
 * parsers (Ethernet, IPv4, UDP, DHCP), discover and request emitted and
 * parsed back, and malformed messages: options running off the end, a
 * code without its length byte, wrong lengths, a missing message type,
 * bad cookie and hardware type, short messages.
 */
#include <stdint.h>

#include "dhcp_wire.h"
#include "eth_wire.h"
#include "ipv4_wire.h"
#include "net_test.h"
#include "udp_wire.h"
#include "vectors.h"

static const struct eth_addr mac = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

/* The offer's DHCP payload, found by the real parsers. */
static struct view offer_msg(void)
{
	struct eth_hdr e;
	struct ipv4_hdr ip;
	struct udp_hdr u;

	if (eth_parse(VEC(vec_dhcp_offer), &e) != NET_DROP_NONE ||
	    ipv4_parse(e.payload, &ip) != NET_DROP_NONE ||
	    udp_parse(ip.payload, ip.src, ip.dst, &u) != NET_DROP_NONE ||
	    u.sport != DHCP_SERVER_PORT || u.dport != DHCP_CLIENT_PORT)
		return view_make(NULL, 0);
	return u.payload;
}

/* Field by field: struct padding is not part of the value. */
static bool msg_eq(const struct dhcp_msg *a, const struct dhcp_msg *b)
{
	return a->op == b->op && a->hops == b->hops && a->xid == b->xid &&
	       a->secs == b->secs && a->flags == b->flags &&
	       a->ciaddr == b->ciaddr && a->yiaddr == b->yiaddr &&
	       a->siaddr == b->siaddr && a->giaddr == b->giaddr &&
	       eth_addr_eq(&a->chaddr, &b->chaddr) && a->type == b->type &&
	       a->has == b->has && a->subnet_mask == b->subnet_mask &&
	       a->router == b->router && a->requested_ip == b->requested_ip &&
	       a->lease_time == b->lease_time && a->t1 == b->t1 &&
	       a->t2 == b->t2 && a->server_id == b->server_id &&
	       a->ndns == b->ndns &&
	       !memcmp(a->dns, b->dns, a->ndns * sizeof(a->dns[0]));
}

/* A message of the offer's fixed part and the given options. */
static size_t mk_msg(uint8_t *b, const uint8_t *opts, size_t olen)
{
	struct view o = offer_msg();
	memcpy(b, o.p, DHCP_HDR_LEN);
	memcpy(b + DHCP_HDR_LEN, opts, olen);
	return DHCP_HDR_LEN + olen;
}

static void test_offer(void)
{
	struct dhcp_msg m;
	struct view o = offer_msg();

	CHECK("offer found under eth/ipv4/udp", o.len >= 300);
	CHECK_DROP("offer parses", dhcp_parse(o, &m), NET_DROP_NONE);
	CHECK("fixed fields", m.op == DHCP_OP_REPLY && m.xid == 0x3903f326 &&
				      m.flags == DHCP_FLAG_BROADCAST &&
				      m.yiaddr == NET_IP4(10, 0, 0, 50) &&
				      m.siaddr == NET_IP4(10, 0, 0, 254) &&
				      eth_addr_eq(&m.chaddr, &mac));
	CHECK("options",
	      m.type == DHCP_OFFER && m.server_id == NET_IP4(10, 0, 0, 254) &&
		      m.lease_time == 3600 && m.t1 == 1800 && m.t2 == 3150 &&
		      m.subnet_mask == NET_IP4(255, 255, 255, 0) &&
		      m.router == NET_IP4(10, 0, 0, 254) && m.ndns == 2 &&
		      m.dns[1] == NET_IP4(9, 9, 9, 9));
	CHECK("has bits",
	      m.has == (DHCP_HAS_SERVER_ID | DHCP_HAS_LEASE_TIME | DHCP_HAS_T1 |
			DHCP_HAS_T2 | DHCP_HAS_SUBNET_MASK | DHCP_HAS_ROUTER));

	/* Re-emitting the parsed offer and parsing again gives it back. */
	uint8_t out[DHCP_EMIT_MAX_LEN];
	struct dhcp_msg back;
	int n = dhcp_emit(&m, mview_make(out, sizeof(out)));
	CHECK("offer re-emits", n >= (int)DHCP_MIN_LEN);
	CHECK_DROP("re-emitted offer parses",
		   dhcp_parse(view_make(out, (size_t)n), &back), NET_DROP_NONE);
	CHECK("round trip == parsed", msg_eq(&back, &m));
}

static void test_emit(void)
{
	uint8_t out[DHCP_EMIT_MAX_LEN];
	struct dhcp_msg d = dhcp_make_discover(0xabcdef01, &mac), back;

	int n = dhcp_emit(&d, mview_make(out, sizeof(out)));
	CHECK("discover: padded to 300", n == (int)DHCP_MIN_LEN);
	CHECK("discover: cookie, type first",
	      out[236] == 99 && out[237] == 130 && out[238] == 83 &&
		      out[239] == 99 && out[240] == 53 && out[241] == 1 &&
		      out[242] == DHCP_DISCOVER);
	CHECK("discover: htype, hlen, chaddr",
	      out[0] == 1 && out[1] == 1 && out[2] == 6 &&
		      !memcmp(out + 28, mac.b, 6) && out[34] == 0);
	CHECK_DROP("discover parses",
		   dhcp_parse(view_make(out, (size_t)n), &back), NET_DROP_NONE);
	CHECK("discover round trip", msg_eq(&back, &d));

	struct dhcp_msg r =
		dhcp_make_request(0xabcdef02, &mac, NET_IP4(10, 0, 0, 50),
				  NET_IP4(10, 0, 0, 254));
	n = dhcp_emit(&r, mview_make(out, sizeof(out)));
	CHECK("request emits", n == (int)DHCP_MIN_LEN);
	CHECK_DROP("request parses",
		   dhcp_parse(view_make(out, (size_t)n), &back), NET_DROP_NONE);
	CHECK("request round trip", msg_eq(&back, &r));
	CHECK("request, short buffer",
	      dhcp_emit(&r, mview_make(out, 260)) == -ENOSPC);

	/* Everything at once still fits DHCP_EMIT_MAX_LEN. */
	struct dhcp_msg all = r;
	all.has = 0x7f;
	all.ndns = DHCP_MAX_DNS;
	for (unsigned i = 0; i < DHCP_MAX_DNS; i++)
		all.dns[i] = NET_IP4(10, 1, 0, i + 1);
	n = dhcp_emit(&all, mview_make(out, sizeof(out)));
	CHECK("all options fit",
	      n > (int)DHCP_MIN_LEN && n <= (int)DHCP_EMIT_MAX_LEN);
	CHECK_DROP("all options parse",
		   dhcp_parse(view_make(out, (size_t)n), &back), NET_DROP_NONE);
	CHECK("all options round trip", msg_eq(&back, &all));
	all.ndns = DHCP_MAX_DNS + 1;
	CHECK("too many dns",
	      dhcp_emit(&all, mview_make(out, sizeof(out))) == -EINVAL);
}

static void test_malformed(void)
{
	uint8_t b[512];
	struct dhcp_msg m;
	size_t n;
	struct view o = offer_msg();

	CHECK_DROP("239 bytes", dhcp_parse(view_trunc(o, 239), &m),
		   NET_DROP_DHCP_SHORT);
	CHECK_DROP("empty", dhcp_parse(view_make(NULL, 0), &m),
		   NET_DROP_DHCP_SHORT);
	CHECK_DROP("240 bytes, no options", dhcp_parse(view_trunc(o, 240), &m),
		   NET_DROP_DHCP_NO_TYPE);

	n = mk_msg(b, (const uint8_t[]){53, 1, 5}, 3);
	CHECK_DROP("no end option", dhcp_parse(view_make(b, n), &m),
		   NET_DROP_NONE);
	CHECK("no end option: type", m.type == DHCP_ACK);
	n = mk_msg(b, (const uint8_t[]){0, 0, 53, 1, 5, 0, 255, 7, 7}, 9);
	CHECK_DROP("pads and bytes after end", dhcp_parse(view_make(b, n), &m),
		   NET_DROP_NONE);

	struct {
		uint8_t o[16];
		size_t len;
		enum net_drop want;
		const char *name;
	} bad[] = {
		{{53, 1, 2, 51, 4, 0, 0},
		 7,
		 NET_DROP_DHCP_BAD_OPTION,
		 "lease time running off the end"},
		{{53, 1, 2, 12, 200, 'k', 'i', 'l', 'n'},
		 9,
		 NET_DROP_DHCP_BAD_OPTION,
		 "overlong hostname"},
		{{53, 1, 2, 6},
		 4,
		 NET_DROP_DHCP_BAD_OPTION,
		 "code without a length byte"},
		{{53, 2, 2, 0, 255},
		 5,
		 NET_DROP_DHCP_BAD_OPTION,
		 "message type of length 2"},
		{{53, 1, 2, 54, 3, 1, 2, 3, 255},
		 9,
		 NET_DROP_DHCP_BAD_OPTION,
		 "server id of length 3"},
		{{53, 1, 2, 3, 5, 1, 2, 3, 4, 5, 255},
		 11,
		 NET_DROP_DHCP_BAD_OPTION,
		 "router of length 5"},
		{{53, 1, 2, 6, 0, 255},
		 6,
		 NET_DROP_DHCP_BAD_OPTION,
		 "dns of length 0"},
		{{53, 1, 2, 1, 8, 255, 255, 255, 0, 1, 2, 3, 4, 255},
		 14,
		 NET_DROP_DHCP_BAD_OPTION,
		 "subnet mask of length 8"},
		{{54, 4, 10, 0, 0, 1, 255},
		 7,
		 NET_DROP_DHCP_NO_TYPE,
		 "no message type"},
		{{53, 0, 255},
		 3,
		 NET_DROP_DHCP_BAD_OPTION,
		 "message type of length 0"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = mk_msg(b, bad[i].o, bad[i].len);
		CHECK_DROP(bad[i].name, dhcp_parse(view_make(b, n), &m),
			   bad[i].want);
	}

	/* Eight DNS servers: the first four kept. */
	uint8_t dns8[2 + 32 + 3 + 1] = {6, 32};
	for (int i = 0; i < 8; i++)
		dns8[2 + 4 * i] = 10, dns8[5 + 4 * i] = (uint8_t)(i + 1);
	dns8[34] = 53, dns8[35] = 1, dns8[36] = 5, dns8[37] = 255;
	n = mk_msg(b, dns8, sizeof(dns8));
	CHECK_DROP("eight dns servers", dhcp_parse(view_make(b, n), &m),
		   NET_DROP_NONE);
	CHECK("first four kept",
	      m.ndns == 4 && m.dns[3] == NET_IP4(10, 0, 0, 4));

	n = mk_msg(b, (const uint8_t[]){53, 1, 2, 255}, 4);
	b[236] = 0x63, b[239] = 0x64;
	CHECK_DROP("bad cookie", dhcp_parse(view_make(b, n), &m),
		   NET_DROP_DHCP_BAD_COOKIE);
	n = mk_msg(b, (const uint8_t[]){53, 1, 2, 255}, 4);
	b[1] = 6;
	CHECK_DROP("htype 6", dhcp_parse(view_make(b, n), &m),
		   NET_DROP_DHCP_BAD_HW);
	b[1] = 1, b[2] = 16;
	CHECK_DROP("hlen 16", dhcp_parse(view_make(b, n), &m),
		   NET_DROP_DHCP_BAD_HW);
}

int main(void)
{
	test_offer();
	test_emit();
	test_malformed();
	return net_test_done();
}
