/*
 * UDP (RFC 768; RFC 1122 4.1.3) on Kiln's stack, and include/kiln/udp.h.
 *
 * Sockets are a table of NET_UDP_SOCKETS. Port 0 binds a random port in
 * the IANA dynamic range 49152-65535 (RFC 6335 6; random, RFC 6056).
 * A datagram goes to the socket bound to its port and destination address,
 * else to one bound to the port on 0.0.0.0; with none, it draws an ICMP
 * port unreachable (RFC 1122 4.1.3.1, rate-limited, never for broadcasts).
 *
 * Receive batches. Inside a netif input batch (net.in_input) a datagram is
 * not delivered at once: it is parked, with its netbuf, in a table of
 * NET_UDP_RX_BATCH; when the batch ends (or the table fills) udp_rx_flush
 * calls each socket once with all of its datagrams, in arrival order, as
 * views into the received frames (no copy), and then frees the frames. A
 * DNS server thus sees a burst of queries in one call and its answers go
 * out in one netif send. A reassembled datagram (in the reassembly arena,
 * valid only while it is delivered) is delivered alone, after whatever is
 * parked, so that a socket's datagrams keep their order.
 *
 * Closing a socket from a callback: parked datagrams carry the socket's
 * generation, so none reaches a socket closed (or a slot re-bound) since.
 *
 * Send. A payload that fits one netbuf (up to NET_NB_PAYLOAD - 8 = 3960
 * bytes) is copied after the headroom and the headers are prepended; a
 * larger one, up to 65507 bytes, is checksummed where it lies and copied
 * straight into its IP fragments (ipv4_output_copy). Either way the data
 * is copied before the call returns. -EAGAIN when the pool is empty (for a
 * large datagram: fewer free buffers than fragments); -EHOSTUNREACH when
 * there is no route.
 */
#include <errno.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/loop.h>
#include <kiln/udp.h>

#include "cksum.h"
#include "dhcp_wire.h"
#include "icmp_wire.h"
#include "udp_wire.h"
#include "stack.h"

#define UDP_MAX_PAYLOAD	 65507u /* 65535 - 20 (IP) - 8 (UDP) */
#define UDP_EPHEMERAL_LO 49152u
#define UDP_EPHEMERAL_N	 16384u

struct udp_sock {
	bool used;
	uint32_t gen; /* bumped at every bind of this slot */
	struct net_addr local;
	udp_recv_fn recv;
	void *arg;
};

struct udp_parked {
	struct udp_sock *s;
	uint32_t gen;
	struct netbuf *nb;
	struct udp_dgram d;
	bool done;
};

static struct udp_sock socks[NET_UDP_SOCKETS];
static struct udp_parked parked[NET_UDP_RX_BATCH];
static unsigned nparked;
static struct udp_dgram scratch[NET_UDP_RX_BATCH];

static bool port_taken(uint16_t port, uint32_t ip)
{
	unsigned i;

	for (i = 0; i < NET_UDP_SOCKETS; i++)
		if (socks[i].used && socks[i].local.port == port &&
		    (!ip || !socks[i].local.ip || socks[i].local.ip == ip))
			return true;
	return false;
}

int udp_bind(struct udp_sock **out, const struct net_addr *local,
	     udp_recv_fn recv, void *arg)
{
	struct udp_sock *s = NULL;
	uint16_t port;
	uint32_t r = 0;
	unsigned i;

	if (!out || !local || !recv)
		return -EINVAL;
	for (i = 0; i < NET_UDP_SOCKETS && !s; i++)
		if (!socks[i].used)
			s = &socks[i];
	if (!s)
		return -ENOSPC;
	port = local->port;
	if (port == 0) {
		/* A random start, then the next free port (RFC 6056 alg. 1). */
		(void)kiln_entropy(&r, sizeof r);
		for (i = 0; i < UDP_EPHEMERAL_N; i++) {
			port = (uint16_t)(UDP_EPHEMERAL_LO +
					  (r + i) % UDP_EPHEMERAL_N);
			if (!port_taken(port, local->ip))
				break;
		}
		if (i == UDP_EPHEMERAL_N)
			return -EADDRINUSE;
	} else if (port_taken(port, local->ip)) {
		return -EADDRINUSE;
	}
	s->used = true;
	s->gen++;
	s->local.ip = local->ip;
	s->local.port = port;
	s->recv = recv;
	s->arg = arg;
	loop_ref(); /* a bound socket can still produce events */
	*out = s;
	return 0;
}

void udp_local_addr(const struct udp_sock *s, struct net_addr *out)
{
	*out = s->local;
}

void udp_close(struct udp_sock *s)
{
	if (!s || !s->used)
		return;
	s->used = false;
	loop_unref();
}

static struct udp_sock *lookup(uint16_t port, uint32_t dst)
{
	struct udp_sock *any = NULL;
	unsigned i;

	for (i = 0; i < NET_UDP_SOCKETS; i++) {
		struct udp_sock *s = &socks[i];
		if (!s->used || s->local.port != port)
			continue;
		if (s->local.ip == dst)
			return s;
		if (!s->local.ip)
			any = s;
	}
	return any;
}

void udp_rx_flush(void)
{
	unsigned i, j, n, count = nparked;

	/* Callbacks only send, and sending never receives: nothing is
	 * parked while this runs. */
	for (i = 0; i < count; i++) {
		struct udp_parked *p = &parked[i];
		if (p->done)
			continue;
		for (n = 0, j = i; j < count; j++) {
			if (!parked[j].done && parked[j].s == p->s &&
			    parked[j].gen == p->gen) {
				scratch[n++] = parked[j].d;
				parked[j].done = true;
			}
		}
		if (p->s->used && p->s->gen == p->gen)
			p->s->recv(p->s, scratch, n, p->s->arg);
	}
	for (i = 0; i < count; i++)
		netbuf_free(parked[i].nb);
	nparked = 0;
}

void udp_input(struct ipv4_rx *rx)
{
	struct udp_hdr u;
	struct udp_sock *s;
	struct udp_dgram d;
	enum net_drop why = udp_parse_rx(rx->h.payload, rx->h.src, rx->h.dst,
					 rx->csum_ok, &u);

	if (why != NET_DROP_NONE) {
		net_drop(why, rx->nb);
		return;
	}
	if (u.dport == DHCP_CLIENT_PORT && dhcp_active()) {
		dhcp_input(u.payload, rx);
		netbuf_free(rx->nb);
		return;
	}
	if (!net.ip.addr) {
		net_drop(NET_DROP_IPV4_NOT_FOR_US, rx->nb);
		return;
	}
	s = lookup(u.dport, rx->h.dst);
	if (!s) {
		icmp_send_error(rx, ICMP_DEST_UNREACH, ICMP_UNREACH_PORT);
		net_drop(NET_DROP_UDP_NO_PORT, rx->nb);
		return;
	}
	d.data = u.payload;
	d.src.ip = rx->h.src;
	d.src.port = u.sport;
	d.dst.ip = rx->h.dst;
	d.dst.port = u.dport;
	if (rx->nb && net.in_input) {
		if (nparked == NET_UDP_RX_BATCH)
			udp_rx_flush();
		parked[nparked].s = s;
		parked[nparked].gen = s->gen;
		parked[nparked].nb = rx->nb;
		parked[nparked].d = d;
		parked[nparked].done = false;
		nparked++;
		return;
	}
	udp_rx_flush();
	s->recv(s, &d, 1, s->arg);
	netbuf_free(rx->nb);
}

int udp_output(struct netbuf *nb, uint32_t src, uint16_t sport, uint32_t dst,
	       uint16_t dport)
{
	struct udp_hdr h = {0};
	int rc;

	h.sport = sport;
	h.dport = dport;
	if ((rc = udp_prepend(&h, src, dst, nb)) != 0) {
		netbuf_free(nb);
		return rc;
	}
	return ipv4_output(nb, src, dst, IPV4_PROTO_UDP, false);
}

/* A datagram larger than one netbuf: checksum here, copy into fragments. */
static int send_large(uint32_t src, uint16_t sport, const struct net_addr *dst,
		      const void *data, size_t len)
{
	uint8_t hdr[UDP_HDR_LEN];
	struct net_csum c = net_csum_start();
	struct view parts[2];
	uint16_t ulen = (uint16_t)(len + UDP_HDR_LEN), sum;

	hdr[0] = (uint8_t)(sport >> 8);
	hdr[1] = (uint8_t)sport;
	hdr[2] = (uint8_t)(dst->port >> 8);
	hdr[3] = (uint8_t)dst->port;
	hdr[4] = (uint8_t)(ulen >> 8);
	hdr[5] = (uint8_t)ulen;
	hdr[6] = hdr[7] = 0;
	parts[0] = view_make(hdr, sizeof hdr);
	parts[1] = view_make(data, len);
	net_csum_pseudo(&c, src, dst->ip, IPV4_PROTO_UDP, ulen);
	net_csum_add(&c, parts[0]);
	net_csum_add(&c, parts[1]);
	sum = net_csum_final(&c);
	if (sum == 0)
		sum = 0xffff; /* RFC 768: 0 means "no checksum" */
	hdr[6] = (uint8_t)(sum >> 8);
	hdr[7] = (uint8_t)sum;
	return ipv4_output_copy(src, dst->ip, IPV4_PROTO_UDP, parts, 2);
}

int udp_sendto(struct udp_sock *s, const struct net_addr *dst, const void *data,
	       size_t len)
{
	struct netbuf *nb;
	struct mview m;
	uint32_t src;
	int rc;

	if (!s || !s->used || !dst || !dst->ip || !dst->port || (!data && len))
		return -EINVAL;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	src = s->local.ip ? s->local.ip : ipv4_src_for(dst->ip);
	if (len + UDP_HDR_LEN > NET_NB_PAYLOAD) {
		rc = send_large(src, s->local.port, dst, data, len);
	} else {
		if (!(nb = netbuf_alloc())) {
			net.ev.tx_nobuf++;
			return -EAGAIN;
		}
		if (!netbuf_put(nb, len, &m) ||
		    !mview_copy_in(m, 0, data, len)) {
			netbuf_free(nb);
			return -EINVAL;
		}
		rc = udp_output(nb, src, s->local.port, dst->ip, dst->port);
	}
	if (rc == 0)
		net.udp_out++;
	return rc;
}

int udp_send_batch(struct udp_sock *s, const struct udp_msg *msgs, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = udp_sendto(s, &msgs[i].dst, msgs[i].data, msgs[i].len);
		if (rc == -EAGAIN)
			break;
		if (rc < 0)
			return i ? (int)i : rc;
	}
	return (int)i;
}

void udp_reset(void)
{
	unsigned i;

	for (i = 0; i < NET_UDP_SOCKETS; i++)
		udp_close(&socks[i]);
	for (i = 0; i < nparked; i++)
		netbuf_free(parked[i].nb);
	nparked = 0;
}
