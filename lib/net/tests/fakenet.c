/*
 * The fake network device of fakenet.h. Host test code: frames are built
 * with the wire emitters, so a test states what a peer sends, not bytes.
 */
#include <string.h>

#include <kiln/loop.h>

#include "arp_wire.h"
#include "cksum.h"
#include "eth_wire.h"
#include "fakenet.h"
#include "fakeplat.h"
#include "icmp_wire.h"
#include "ipv4_wire.h"
#include "udp_wire.h"

struct netbuf *fakenet_sent[FAKENET_MAX_SENT];
unsigned fakenet_nsent;
unsigned long fakenet_lost;
unsigned long fakenet_send_calls;

const struct eth_addr fakenet_mac = {{0x02, 0, 0, 0, 0, 0x02}};
const struct eth_addr fakenet_peer_mac = {{0x02, 0, 0, 0, 0, 0x01}};

static struct netbuf *batch_head, *batch_tail;

static unsigned fake_send(struct netif *nif, struct netbuf *chain)
{
	unsigned n = 0;
	struct netbuf *nb, *next;

	fakenet_send_calls++;
	for (nb = chain; nb; nb = next) {
		next = nb->next;
		nb->next = NULL;
		n++;
		nif->tx_frames++;
		if (fakenet_nsent < FAKENET_MAX_SENT) {
			fakenet_sent[fakenet_nsent++] = nb;
		} else {
			fakenet_lost++;
			netbuf_free(nb);
		}
	}
	return n;
}

static const struct netif_ops fake_ops = {.send = fake_send};
struct netif fakenet_nif;

uint32_t fakenet_tso_max;

void fakenet_clear(void)
{
	unsigned i;

	for (i = 0; i < fakenet_nsent; i++)
		netbuf_free(fakenet_sent[i]);
	fakenet_nsent = 0;
	fakenet_lost = 0;
}

void fakenet_setup(uint32_t addr, unsigned prefix, uint32_t gateway, bool dhcp)
{
	struct net_ipcfg cfg = {0};

	net_reset();
	fakenet_clear();
	netbuf_free_chain(batch_head);
	batch_head = batch_tail = NULL;
	memset(&fakenet_nif, 0, sizeof fakenet_nif);
	fakenet_nif.ops = &fake_ops;
	fakenet_nif.name = "net0";
	memcpy(fakenet_nif.mac, fakenet_mac.b, 6);
	fakenet_nif.mtu = 1500;
	fakenet_nif.tso_max = fakenet_tso_max;
	cfg.addr = addr;
	cfg.mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
	cfg.gateway = gateway;
	cfg.dhcp = dhcp;
	(void)net_attach_cfg(&fakenet_nif, &cfg);
	net_tx_flush_now();
	/* What attach sent (announce, DISCOVER) stays for the caller. */
}

static struct netbuf *copy_frame(const void *frame, size_t len)
{
	struct netbuf *nb = netbuf_alloc();
	struct mview m;

	if (!nb)
		return NULL;
	if (!netbuf_put(nb, len, &m) || !mview_copy_in(m, 0, frame, len)) {
		netbuf_free(nb);
		return NULL;
	}
	return nb;
}

void fakenet_inject(const void *frame, size_t len)
{
	struct netbuf *nb = copy_frame(frame, len);

	if (nb && fakenet_nif.input)
		fakenet_nif.input(&fakenet_nif, nb, fakenet_nif.input_arg);
	else
		netbuf_free(nb);
	net_tx_flush_now();
}

void fakenet_queue(const void *frame, size_t len)
{
	struct netbuf *nb = copy_frame(frame, len);

	if (!nb)
		return;
	if (batch_tail)
		batch_tail->next = nb;
	else
		batch_head = nb;
	batch_tail = nb;
}

void fakenet_inject_batch(void)
{
	struct netbuf *chain = batch_head;

	batch_head = batch_tail = NULL;
	if (chain && fakenet_nif.input)
		fakenet_nif.input(&fakenet_nif, chain, fakenet_nif.input_arg);
	else
		netbuf_free_chain(chain);
	net_tx_flush_now();
}

void fakenet_advance_ns(uint64_t ns)
{
	fake_mono += ns;
	net_poll();
	net_tx_flush_now();
}

size_t fakenet_eth(uint8_t *out, const struct eth_addr *src,
		   const struct eth_addr *dst, uint16_t type,
		   const void *payload, size_t len)
{
	struct eth_hdr h = {0};

	h.src = *src;
	h.dst = *dst;
	h.type = type;
	(void)eth_emit(&h, mview_make(out, ETH_HDR_LEN));
	memmove(out + ETH_HDR_LEN, payload, len);
	return ETH_HDR_LEN + len;
}

size_t fakenet_arp(uint8_t *out, uint16_t op, const struct eth_addr *sha,
		   uint32_t spa, uint32_t tpa)
{
	struct arp_pkt p = arp_make_request(sha, spa, tpa);
	uint8_t pkt[ARP_LEN];

	p.op = op;
	if (op == ARP_OP_REPLY)
		p.tha = fakenet_mac;
	(void)arp_emit(&p, mview_make(pkt, sizeof pkt));
	return fakenet_eth(out, sha,
			   op == ARP_OP_REQUEST ? &eth_broadcast : &fakenet_mac,
			   ETH_TYPE_ARP, pkt, sizeof pkt);
}

size_t fakenet_ipv4(uint8_t *out, uint32_t src, uint32_t dst, uint8_t proto,
		    uint16_t id, bool mf, uint16_t frag_off,
		    const void *payload, size_t len)
{
	struct ipv4_hdr h = {0};
	uint8_t *ip = out + ETH_HDR_LEN;
	struct eth_hdr e = {0};

	h.ttl = 64;
	h.proto = proto;
	h.src = src;
	h.dst = dst;
	h.id = id;
	h.mf = mf;
	h.frag_off = frag_off;
	h.payload_len = (uint16_t)len;
	memmove(ip + IPV4_HDR_LEN, payload, len);
	(void)ipv4_emit(&h, mview_make(ip, IPV4_HDR_LEN));
	e.src = fakenet_peer_mac;
	e.dst = fakenet_mac;
	e.type = ETH_TYPE_IPV4;
	(void)eth_emit(&e, mview_make(out, ETH_HDR_LEN));
	return ETH_HDR_LEN + IPV4_HDR_LEN + len;
}

size_t fakenet_echo_msg(uint8_t *out, uint16_t id, uint16_t seq, size_t n)
{
	struct icmp_hdr h = {0};
	static uint8_t data[65536];
	size_t i;

	for (i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	h.type = ICMP_ECHO_REQUEST;
	h.id = id;
	h.seq = seq;
	h.data = view_make(data, n);
	return (size_t)icmp_emit(&h, mview_make(out, ICMP_HDR_LEN + n));
}

size_t fakenet_ping(uint8_t *out, uint16_t id, uint16_t seq, size_t n)
{
	static uint8_t msg[65536];
	size_t len = fakenet_echo_msg(msg, id, seq, n);

	return fakenet_ipv4(out, FAKENET_PEER, FAKENET_US, IPV4_PROTO_ICMP, seq,
			    false, 0, msg, len);
}

size_t fakenet_udp(uint8_t *out, uint32_t src, uint16_t sport, uint32_t dst,
		   uint16_t dport, const void *data, size_t len)
{
	static uint8_t seg[65536];
	struct udp_hdr h = {0};

	h.sport = sport;
	h.dport = dport;
	memcpy(seg + UDP_HDR_LEN, data, len);
	(void)udp_emit(&h, src, dst, mview_make(seg, UDP_HDR_LEN + len));
	return fakenet_ipv4(out, src, dst, IPV4_PROTO_UDP, 1, false, 0, seg,
			    UDP_HDR_LEN + len);
}

bool fakenet_sent_ipv4(unsigned i, struct eth_hdr *eth, struct ipv4_hdr *ip)
{
	if (i >= fakenet_nsent ||
	    eth_parse(netbuf_view(fakenet_sent[i]), eth) != NET_DROP_NONE ||
	    eth->type != ETH_TYPE_IPV4)
		return false;
	return ipv4_parse(eth->payload, ip) == NET_DROP_NONE;
}

int fakenet_find(uint16_t type, uint8_t proto)
{
	struct eth_hdr e;
	struct ipv4_hdr ip;
	unsigned i;

	for (i = 0; i < fakenet_nsent; i++) {
		if (eth_parse(netbuf_view(fakenet_sent[i]), &e) !=
			    NET_DROP_NONE ||
		    e.type != type)
			continue;
		if (type != ETH_TYPE_IPV4 || !proto)
			return (int)i;
		if (ipv4_parse(e.payload, &ip) == NET_DROP_NONE &&
		    ip.proto == proto)
			return (int)i;
	}
	return -1;
}
