/*
 * Ethernet II and ARP codecs: real frames (a ping, an ARP request padded
 * to 60 bytes), runts, 802.1Q tags, every ARP field check, round trips.
 */
#include <stdint.h>

#include "arp_wire.h"
#include "eth_wire.h"
#include "ipv4_wire.h"
#include "net_test.h"
#include "vectors.h"

static const struct eth_addr mac_a = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct eth_addr mac_b = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};

static void test_eth_parse(void)
{
	struct eth_hdr h;

	CHECK_DROP("ping frame parses", eth_parse(VEC(vec_ping), &h),
		   NET_DROP_NONE);
	CHECK("ping dst", eth_addr_eq(&h.dst, &mac_b));
	CHECK("ping src", eth_addr_eq(&h.src, &mac_a));
	CHECK("ping type ipv4", h.type == ETH_TYPE_IPV4 && !h.vlan);
	CHECK("ping payload", h.payload.len == sizeof(vec_ping) - 14 &&
				      h.payload.p == vec_ping + 14);

	CHECK_DROP("empty frame is a runt", eth_parse(view_make(NULL, 0), &h),
		   NET_DROP_ETH_RUNT);
	CHECK_DROP("13 bytes is a runt", eth_parse(view_make(vec_ping, 13), &h),
		   NET_DROP_ETH_RUNT);
	CHECK_DROP("14 bytes is a header alone",
		   eth_parse(view_make(vec_ping, 14), &h), NET_DROP_NONE);
	CHECK("14 bytes: empty payload", h.payload.len == 0);

	CHECK_DROP("arp request parses", eth_parse(VEC(vec_arp_req), &h),
		   NET_DROP_NONE);
	CHECK("arp: broadcast dst, type arp",
	      eth_addr_is_broadcast(&h.dst) && eth_addr_is_multicast(&h.dst) &&
		      h.type == ETH_TYPE_ARP);
	CHECK("unicast is not multicast", !eth_addr_is_multicast(&mac_b));
}

static void test_eth_vlan(void)
{
	uint8_t f[sizeof(vec_ping) + 4];
	struct eth_hdr h;

	/* Insert an 802.1Q tag, PCP 0, VID 5, before the ethertype. */
	memcpy(f, vec_ping, 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x05;
	memcpy(f + 16, vec_ping + 12, sizeof(vec_ping) - 12);
	CHECK_DROP("tagged frame parses", eth_parse(VEC(f), &h), NET_DROP_NONE);
	CHECK("tag reported", h.vlan && h.vlan_tci == 5);
	CHECK("inner type and payload",
	      h.type == ETH_TYPE_IPV4 && h.payload.p == f + 18 &&
		      h.payload.len == sizeof(f) - 18);
	CHECK_DROP("tagged runt (17 bytes)", eth_parse(view_make(f, 17), &h),
		   NET_DROP_ETH_RUNT);
	CHECK_DROP("tagged runt (15 bytes)", eth_parse(view_make(f, 15), &h),
		   NET_DROP_ETH_RUNT);
	f[12] = 0x88, f[13] = 0xa8;
	CHECK_DROP("802.1ad tag parses", eth_parse(VEC(f), &h), NET_DROP_NONE);
	CHECK("802.1ad reported as vlan", h.vlan && h.type == ETH_TYPE_IPV4);

	/* Emit the tag back. */
	uint8_t out[18];
	h.type = ETH_TYPE_IPV4;
	CHECK("emit tagged", eth_emit(&h, mview_make(out, 18)) == 18);
	CHECK("tag bytes", out[12] == 0x81 && out[13] == 0 && out[15] == 5 &&
				   out[16] == 0x08 && out[17] == 0);
}

static void test_eth_emit(void)
{
	struct eth_hdr h = {.dst = mac_b, .src = mac_a, .type = ETH_TYPE_IPV4};
	uint8_t out[14], page[NETBUF_SIZE];
	struct netbuf nb;
	struct eth_hdr back;

	CHECK("emit 14", eth_emit(&h, mview_make(out, 14)) == 14);
	CHECK("emit == ping header", memcmp(out, vec_ping, 14) == 0);
	CHECK("emit short", eth_emit(&h, mview_make(out, 13)) == -ENOSPC);

	net_test_netbuf(&nb, page);
	struct mview pl;
	if (!netbuf_put(&nb, sizeof(vec_ping) - 14, &pl) ||
	    !mview_copy_in(pl, 0, vec_ping + 14, sizeof(vec_ping) - 14))
		CHECK("netbuf_put", false);
	CHECK("prepend", eth_prepend(&h, &nb) == 0);
	CHECK("prepend == ping frame",
	      nb.len == sizeof(vec_ping) &&
		      !memcmp(nb.data, vec_ping, sizeof(vec_ping)));
	CHECK_DROP("round trip parses", eth_parse(netbuf_view(&nb), &back),
		   NET_DROP_NONE);
	CHECK("round trip fields", eth_addr_eq(&back.dst, &h.dst) &&
					   eth_addr_eq(&back.src, &h.src) &&
					   back.type == h.type && !back.vlan);

	/* No headroom left: refused, buffer untouched. */
	nb.data = nb.buf + 10;
	nb.len = 4;
	CHECK("prepend without headroom", eth_prepend(&h, &nb) == -ENOSPC &&
						  nb.data == nb.buf + 10 &&
						  nb.len == 4);
}

static void test_arp(void)
{
	struct arp_pkt p, back;
	struct view pkt = view_make(vec_arp_req + 14, sizeof(vec_arp_req) - 14);
	uint8_t buf[64];

	CHECK_DROP("request parses (with padding)", arp_parse(pkt, &p),
		   NET_DROP_NONE);
	CHECK("request fields", p.op == ARP_OP_REQUEST &&
					eth_addr_eq(&p.sha, &mac_a) &&
					p.spa == NET_IP4(10, 0, 0, 1) &&
					p.tpa == NET_IP4(10, 0, 0, 2));
	CHECK_DROP("exactly 28 bytes", arp_parse(view_trunc(pkt, 28), &p),
		   NET_DROP_NONE);
	CHECK_DROP("27 bytes", arp_parse(view_trunc(pkt, 27), &p),
		   NET_DROP_ARP_SHORT);

	/* Emit the request back: same 28 bytes. */
	CHECK("emit request", arp_emit(&p, mview_make(buf, 28)) == 28 &&
				      !memcmp(buf, pkt.p, 28));
	CHECK("emit short", arp_emit(&p, mview_make(buf, 27)) == -ENOSPC);

	struct arp_pkt r = arp_make_reply(&p, &mac_b, NET_IP4(10, 0, 0, 2));
	CHECK("reply emits", arp_emit(&r, mview_make(buf, sizeof(buf))) == 28);
	CHECK_DROP("reply parses", arp_parse(view_make(buf, 28), &back),
		   NET_DROP_NONE);
	CHECK("reply round trip", back.op == ARP_OP_REPLY &&
					  eth_addr_eq(&back.sha, &mac_b) &&
					  back.spa == NET_IP4(10, 0, 0, 2) &&
					  eth_addr_eq(&back.tha, &mac_a) &&
					  back.tpa == NET_IP4(10, 0, 0, 1));

	struct arp_pkt q = arp_make_request(&mac_b, NET_IP4(10, 0, 0, 2),
					    NET_IP4(10, 0, 0, 1));
	CHECK("request emits", arp_emit(&q, mview_make(buf, 28)) == 28);
	CHECK_DROP("request round trip", arp_parse(view_make(buf, 28), &back),
		   NET_DROP_NONE);
	CHECK("request tha zero",
	      back.op == ARP_OP_REQUEST && back.tha.b[0] == 0 &&
		      back.tha.b[5] == 0 && back.tpa == NET_IP4(10, 0, 0, 1));

	/* Each field check, on a copy of the real request. */
	struct {
		size_t off;
		uint8_t val;
		enum net_drop want;
		const char *name;
	} bad[] = {
		{1, 6, NET_DROP_ARP_BAD_HW, "htype 6 (IEEE 802)"},
		{4, 8, NET_DROP_ARP_BAD_HW, "hlen 8"},
		{2, 0x86, NET_DROP_ARP_BAD_PROTO, "ptype 0x86dd"},
		{5, 16, NET_DROP_ARP_BAD_PROTO, "plen 16"},
		{7, 3, NET_DROP_ARP_BAD_OP, "op 3 (rarp)"},
		{7, 0, NET_DROP_ARP_BAD_OP, "op 0"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(buf, pkt.p, 28);
		buf[bad[i].off] = bad[i].val;
		if (bad[i].off == 2)
			buf[3] = 0xdd;
		CHECK_DROP(bad[i].name, arp_parse(view_make(buf, 28), &back),
			   bad[i].want);
	}
}

int main(void)
{
	test_eth_parse();
	test_eth_vlan();
	test_eth_emit();
	test_arp();
	return net_test_done();
}
