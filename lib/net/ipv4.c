/*
 * IPv4 (RFC 791; host requirements RFC 1122 3.2.1): receive checks and
 * demux, and output with routing and fragmentation. Reassembly is in
 * ipv4_frag.c.
 *
 * Receive. ipv4_parse does the header checks of RFC 1122 3.2.1.1-3.2.1.2
 * (version, IHL, lengths, checksum) and trims the Ethernet padding.
 * Options are skipped (3.2.1.8 lets a host ignore them). A host does not
 * check or decrement TTL on receive: that is a router's job. We take
 * datagrams for our address, the limited broadcast and our subnet's
 * broadcast; while unconfigured (DHCP in progress) any UDP datagram goes
 * up so that udp_input can hand port 68 to the DHCP client (RFC 2131 4.1:
 * the server may unicast to the offered address). Sources that cannot be
 * a host (broadcast, multicast, class E) are dropped (3.2.1.3).
 *
 * Send. The next hop is the destination when it is on our subnet (or a
 * broadcast), else the gateway; with no gateway an off-link destination
 * is -EHOSTUNREACH. A datagram over the MTU is fragmented (RFC 791 2.3,
 * 3.2 "Fragmentation"): fragments carry multiples of 8 bytes, MF on all
 * but the last, each in its own netbuf, copied from the payload. So that
 * payloads larger than one netbuf (a reply to a 4000-byte ping, a 60 KB
 * UDP datagram) can be sent, ipv4_output_copy takes the payload as a list
 * of views rather than a netbuf. Sending to our own address is not looped
 * back (it would ARP for itself and time out).
 */
#include <errno.h>
#include <string.h>

#include <kiln/netbuf.h>

#include "icmp_wire.h"
#include "ipv4_wire.h"
#include "stack.h"

bool ipv4_is_bcast(uint32_t ip)
{
	if (ip == 0xffffffffu)
		return true;
	return net.ip.addr && net.ip.mask != 0xffffffffu &&
	       (ip & net.ip.mask) == (net.ip.addr & net.ip.mask) &&
	       (ip | net.ip.mask) == 0xffffffffu;
}

bool ipv4_is_local(uint32_t addr)
{
	return (net.ip.addr && addr == net.ip.addr) || ipv4_is_bcast(addr);
}

uint32_t ipv4_src_for(uint32_t dst)
{
	(void)dst; /* one interface, one address */
	return net.ip.addr;
}

/* Broadcast, multicast (224/4) and class E (240/4) cannot send. */
static bool bad_source(uint32_t src)
{
	return (src >> 28) >= 0xeu;
}

void ipv4_input(struct netbuf *nb)
{
	struct ipv4_rx rx;
	enum net_drop why = ipv4_parse(netbuf_view(nb), &rx.h);

	if (why != NET_DROP_NONE) {
		net_drop(why, nb);
		return;
	}
	net.ip_in++;
	if (bad_source(rx.h.src)) {
		net.ev.ip_bad_src++;
		net_drop(NET_DROP_IPV4_NOT_FOR_US, nb);
		return;
	}
	if (net.ip.addr ? !ipv4_is_local(rx.h.dst)
			: rx.h.proto != IPV4_PROTO_UDP) {
		net_drop(NET_DROP_IPV4_NOT_FOR_US, nb);
		return;
	}
	if (ipv4_is_fragment(&rx.h)) {
		netbuf_trim(nb, rx.h.total_len);
		ipv4_reasm_input(nb, &rx.h);
		return;
	}
	rx.dgram = view_trunc(netbuf_view(nb), rx.h.total_len);
	/* nb->data to the L4 header, padding off the end. */
	if (!netbuf_pull(nb, rx.h.ihl)) {
		net_drop(NET_DROP_IPV4_TRUNCATED, nb); /* parse checked it */
		return;
	}
	netbuf_trim(nb, rx.h.payload.len);
	rx.nb = nb;
	rx.csum_ok = nb->csum_ok;
	ipv4_deliver(&rx);
}

/* TCP takes netbufs only: give a reassembled segment one, if it fits. */
static struct netbuf *tcp_netbuf_of(struct ipv4_rx *rx)
{
	struct netbuf *nb;
	struct mview m;

	if (rx->h.payload.len > NET_NB_PAYLOAD) {
		net.ev.reasm_tcp_big++;
		return NULL;
	}
	if (!(nb = netbuf_alloc())) {
		net.ev.tx_nobuf++;
		return NULL;
	}
	if (!netbuf_put(nb, rx->h.payload.len, &m) ||
	    !mview_copy_in(m, 0, rx->h.payload.p, rx->h.payload.len)) {
		netbuf_free(nb);
		return NULL;
	}
	rx->h.payload = netbuf_view(nb);
	return nb;
}

void ipv4_deliver(struct ipv4_rx *rx)
{
	struct netbuf *nb;

	rx->bcast = ipv4_is_bcast(rx->h.dst);
	switch (rx->h.proto) {
	case IPV4_PROTO_ICMP:
		net.icmp_in++;
		icmp_input(rx);
		return;
	case IPV4_PROTO_UDP:
		net.udp_in++;
		udp_input(rx);
		return;
	case IPV4_PROTO_TCP:
		/* RFC 9293 3.10.7.1: no connection is ever broadcast. */
		if (rx->bcast) {
			net_drop(NET_DROP_IPV4_NOT_FOR_US, rx->nb);
			return;
		}
		nb = rx->nb ? rx->nb : tcp_netbuf_of(rx);
		if (!nb) {
			net.drops[NET_DROP_IPV4_FRAGMENT]++;
			return;
		}
		tcp_input(nb, &rx->h); /* TCP counts net.tcp_in */
		return;
	default:
		/* RFC 1122 3.2.2.1: protocol unreachable (not for
		 * broadcasts; icmp_send_error checks). */
		net.ev.ip_unknown_proto++;
		icmp_send_error(rx, ICMP_DEST_UNREACH, ICMP_UNREACH_PROTO);
		netbuf_free(rx->nb);
		return;
	}
}

/* The next hop for dst, or 0 when there is none. */
static uint32_t route(uint32_t dst)
{
	if (dst == 0xffffffffu)
		return dst;
	if (!net.ip.addr || dst == 0)
		return 0;
	if ((dst & net.ip.mask) == (net.ip.addr & net.ip.mask))
		return dst;
	return net.ip.gateway;
}

static void hdr_init(struct ipv4_hdr *h, uint32_t src, uint32_t dst,
		     uint8_t proto)
{
	memset(h, 0, sizeof *h);
	h->ttl = IPV4_DEFAULT_TTL;
	h->proto = proto;
	h->src = src;
	h->dst = dst;
	h->id = net.ip_id++;
}

int ipv4_output(struct netbuf *nb, uint32_t src, uint32_t dst, uint8_t proto,
		bool df)
{
	struct ipv4_hdr h;
	uint32_t hop = route(dst);
	struct view all;
	int rc;

	if (!hop) {
		net.ev.ip_no_route++;
		netbuf_free(nb);
		return -EHOSTUNREACH;
	}
	/* An offload frame is cut to the MTU by the device (netbuf.h). */
	if (nb->gso_size && netbuf_frame_len(nb) + IPV4_HDR_LEN > net.tso_max) {
		net.ev.ip_df_too_big++;
		netbuf_free(nb);
		return -EMSGSIZE;
	}
	if (!nb->gso_size && nb->len + IPV4_HDR_LEN > net.mtu) {
		if (df) {
			net.ev.ip_df_too_big++;
			netbuf_free(nb);
			return -EMSGSIZE;
		}
		all = netbuf_view(nb);
		rc = ipv4_output_copy(src, dst, proto, &all, 1);
		netbuf_free(nb);
		return rc;
	}
	hdr_init(&h, src, dst, proto);
	h.df = df;
	if ((rc = ipv4_prepend(&h, nb)) != 0) {
		netbuf_free(nb);
		return rc;
	}
	net.ip_out++;
	eth_output_ipv4(nb, hop);
	return 0;
}

/* Copy n bytes from the parts, resuming at (*pi, *po), into out. */
static void gather(const struct view *parts, unsigned *pi, size_t *po,
		   uint8_t *out, size_t n)
{
	while (n) {
		size_t k = parts[*pi].len - *po;

		if (k > n)
			k = n;
		if (k)
			memcpy(out, parts[*pi].p + *po, k);
		out += k;
		n -= k;
		*po += k;
		if (*po == parts[*pi].len) {
			(*pi)++;
			*po = 0;
		}
	}
}

int ipv4_output_copy(uint32_t src, uint32_t dst, uint8_t proto,
		     const struct view *parts, unsigned n)
{
	size_t total = 0, off, len, per, nfrag;
	uint32_t hop = route(dst);
	struct ipv4_hdr h;
	struct netbuf *nb;
	struct mview m;
	unsigned pi = 0;
	size_t po = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		total += parts[i].len;
	if (total > 0xffffu - IPV4_HDR_LEN)
		return -EMSGSIZE;
	if (!hop) {
		net.ev.ip_no_route++;
		return -EHOSTUNREACH;
	}
	/* RFC 791: every fragment but the last carries 8k bytes. */
	per = total + IPV4_HDR_LEN <= net.mtu
		      ? total
		      : ((net.mtu - IPV4_HDR_LEN) & ~(size_t)7);
	nfrag = per ? (total + per - 1) / per : 1;
	if (netbuf_avail() < nfrag) {
		net.ev.tx_nobuf++;
		return -EAGAIN;
	}
	hdr_init(&h, src, dst, proto);
	off = 0;
	do {
		len = total - off < per ? total - off : per;
		nb = netbuf_alloc(); /* cannot fail: counted above */
		if (!nb || !netbuf_put(nb, len, &m))
			return -EAGAIN;
		gather(parts, &pi, &po, m.p, len);
		h.mf = off + len < total;
		h.frag_off = (uint16_t)off;
		if (ipv4_prepend(&h, nb) != 0) {
			netbuf_free(nb);
			return -EMSGSIZE;
		}
		if (nfrag > 1)
			net.ip_frag_out++;
		eth_output_ipv4(nb, hop);
		off += len;
	} while (off < total);
	net.ip_out++;
	return 0;
}
