/*
 * The DHCP client (RFC 2131 4.4, figure 5's state machine), for ipv4=dhcp.
 *
 *   SELECTING --OFFER--> REQUESTING --ACK--> BOUND --T1--> RENEWING
 *       ^                    |NAK              ^  ACK         |T2
 *       +----NAK / expiry / no ACK-------------+---------- REBINDING
 *
 * Retransmission (4.1): 4 s before the first, doubling to at most 64 s,
 * each randomised by +-1 s. DISCOVERs go on for ever; a REQUEST that
 * draws no ACK in 4 tries (about a minute) starts over with DISCOVER.
 * While RENEWING (unicast to the server) and REBINDING (broadcast) the
 * client waits half the time left until T2 / expiry, at least 60 s (4.4.5).
 * A NAK, or the lease running out, removes the address and starts over.
 *
 * Binding applies yiaddr, the subnet mask (option 1; the classful mask if
 * the server gives none) and the first router (option 3) as the gateway,
 * logs the lease, and announces the address with a gratuitous ARP. T1
 * and T2 default to 0.5 and 0.875 of the lease (4.4.5). The client does
 * not ARP-probe the offered address before using it (2.2's SHOULD).
 *
 * The xid is fresh from kiln_entropy for each exchange. Replies must be
 * BOOTREPLY, carry our xid and our MAC; anything else is ignored.
 */
#include <string.h>

#include <kiln/addr.h>
#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/loop.h>

#include "dhcp_wire.h"
#include "stack.h"

#define SEC		   1000000000ull
#define DHCP_REQUEST_TRIES 4
#define DHCP_DEFAULT_LEASE 3600u
#define DHCP_INFINITE	   0xffffffffu

static struct {
	enum dhcp_state state;
	uint32_t xid;
	uint32_t offer, server;
	unsigned tries;	  /* transmissions in this state */
	uint64_t retx_at; /* next retransmission, UINT64_MAX: none */
	uint64_t t1_at, t2_at, expire_at;
} c;

enum dhcp_state dhcp_state(void)
{
	return c.state;
}

bool dhcp_active(void)
{
	return c.state != DHCP_OFF;
}

static uint32_t random32(void)
{
	uint32_t r = 0;

	(void)kiln_entropy(&r, sizeof r);
	return r;
}

static void send_msg(const struct dhcp_msg *m, uint32_t src, uint32_t dst)
{
	struct netbuf *nb = netbuf_alloc();
	struct mview out;
	int len;

	if (!nb) {
		net.ev.tx_nobuf++;
		return;
	}
	if (!netbuf_put(nb, DHCP_EMIT_MAX_LEN, &out) ||
	    (len = dhcp_emit(m, out)) < 0) {
		netbuf_free(nb);
		return;
	}
	netbuf_trim(nb, (size_t)len);
	(void)udp_output(nb, src, DHCP_CLIENT_PORT, dst, DHCP_SERVER_PORT);
}

static void send_current(void)
{
	struct dhcp_msg m;

	switch (c.state) {
	case DHCP_SELECTING:
		m = dhcp_make_discover(c.xid, &net.mac);
		send_msg(&m, 0, 0xffffffffu);
		break;
	case DHCP_REQUESTING:
		m = dhcp_make_request(c.xid, &net.mac, c.offer, c.server);
		send_msg(&m, 0, 0xffffffffu);
		break;
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		/* 4.3.2: ciaddr set; no requested-ip, no server id. */
		memset(&m, 0, sizeof m);
		m.op = DHCP_OP_REQUEST;
		m.xid = c.xid;
		m.chaddr = net.mac;
		m.ciaddr = net.ip.addr;
		m.type = DHCP_REQUEST;
		send_msg(&m, net.ip.addr,
			 c.state == DHCP_RENEWING ? c.server : 0xffffffffu);
		break;
	default:
		break;
	}
}

/* 4 s, 8 s, ... 64 s, +-1 s (RFC 2131 4.1). */
static void arm_backoff(uint64_t now)
{
	unsigned shift = c.tries < 5 ? c.tries : 4;
	uint64_t base = (4ull << shift) * SEC;
	int64_t jitter = (int64_t)(random32() % 2001u) - 1000;

	c.retx_at = now + base + jitter * 1000000ll;
	net_timer_at(c.retx_at);
}

/* Half the time until `until`, at least 60 s (RFC 2131 4.4.5). */
static void arm_half(uint64_t now, uint64_t until)
{
	uint64_t wait = until > now ? (until - now) / 2 : 0;

	if (wait < 60 * SEC)
		wait = 60 * SEC;
	c.retx_at = now + wait;
	net_timer_at(c.retx_at);
}

static void enter(enum dhcp_state s, uint64_t now)
{
	c.state = s;
	c.tries = 0;
	if (s == DHCP_SELECTING || s == DHCP_RENEWING || s == DHCP_REBINDING)
		c.xid = random32();
	send_current();
	if (s == DHCP_RENEWING)
		arm_half(now, c.t2_at);
	else if (s == DHCP_REBINDING)
		arm_half(now, c.expire_at);
	else
		arm_backoff(now);
}

static void unconfigure(void)
{
	net.ip.addr = net.ip.mask = net.ip.gateway = 0;
	arp_flush();
}

void dhcp_start(void)
{
	c.t1_at = c.t2_at = c.expire_at = UINT64_MAX;
	enter(DHCP_SELECTING, loop_now());
}

static uint32_t classful_mask(uint32_t a)
{
	if ((a >> 31) == 0)
		return 0xff000000u;
	if ((a >> 30) == 2)
		return 0xffff0000u;
	return 0xffffff00u;
}

static uint64_t at(uint64_t now, uint32_t secs)
{
	return secs == DHCP_INFINITE ? UINT64_MAX : now + secs * SEC;
}

static void bind_lease(const struct dhcp_msg *m, uint64_t now)
{
	uint32_t lease, t1, t2;
	bool changed = net.ip.addr != m->yiaddr;
	struct net_addr a = {m->yiaddr, 0}, g = {0, 0}, s = {0, 0};
	char as[24], gs[24], ss[24];

	lease = m->has & DHCP_HAS_LEASE_TIME ? m->lease_time
					     : DHCP_DEFAULT_LEASE;
	t2 = m->has & DHCP_HAS_T2 ? m->t2 : lease / 8 * 7;
	t1 = m->has & DHCP_HAS_T1 ? m->t1 : lease / 2;
	if (lease != DHCP_INFINITE && (t2 > lease || t1 > t2)) {
		t2 = lease / 8 * 7; /* nonsense from the server: defaults */
		t1 = lease / 2;
	}
	if (m->has & DHCP_HAS_SERVER_ID)
		c.server = m->server_id;
	net.ip.addr = m->yiaddr;
	net.ip.mask = m->has & DHCP_HAS_SUBNET_MASK ? m->subnet_mask
						    : classful_mask(m->yiaddr);
	net.ip.gateway = m->has & DHCP_HAS_ROUTER ? m->router : 0;
	net.ip.dhcp = true;
	c.state = DHCP_BOUND;
	c.tries = 0;
	c.retx_at = UINT64_MAX;
	c.t1_at = at(now, t1);
	c.t2_at = at(now, t2);
	c.expire_at = at(now, lease);
	net_timer_at(c.t1_at);
	g.ip = net.ip.gateway;
	s.ip = c.server;
	net_addr_fmt(&a, as, sizeof as);
	net_addr_fmt(&g, gs, sizeof gs);
	net_addr_fmt(&s, ss, sizeof ss);
	log_info("dhcp: %s %s/%u gateway %s from %s, lease %u s",
		 changed ? "bound" : "renewed", as,
		 (unsigned)__builtin_popcount(net.ip.mask),
		 net.ip.gateway ? gs : "none", ss, lease);
	if (changed) {
		arp_flush();
		arp_announce();
	}
}

void dhcp_input(struct view msg, const struct ipv4_rx *rx)
{
	struct dhcp_msg m;
	enum net_drop why = dhcp_parse(msg, &m);
	uint64_t now = loop_now();

	(void)rx;
	if (why != NET_DROP_NONE) {
		net.drops[why]++;
		return;
	}
	if (m.op != DHCP_OP_REPLY || m.xid != c.xid ||
	    !eth_addr_eq(&m.chaddr, &net.mac))
		return;
	switch (m.type) {
	case DHCP_OFFER:
		/* The first acceptable offer wins (4.4.1 lets us choose). */
		if (c.state != DHCP_SELECTING || !m.yiaddr ||
		    !(m.has & DHCP_HAS_SERVER_ID))
			return;
		c.offer = m.yiaddr;
		c.server = m.server_id;
		enter(DHCP_REQUESTING, now);
		return;
	case DHCP_ACK:
		if (c.state < DHCP_REQUESTING || c.state == DHCP_BOUND ||
		    !m.yiaddr)
			return;
		bind_lease(&m, now);
		return;
	case DHCP_NAK:
		if (c.state < DHCP_REQUESTING || c.state == DHCP_BOUND)
			return;
		log_warn("dhcp: NAK from the server: starting over");
		unconfigure();
		dhcp_start();
		return;
	default:
		return;
	}
}

uint64_t dhcp_poll(uint64_t now)
{
	uint64_t next;

	if (c.state == DHCP_OFF)
		return UINT64_MAX;
	if (c.state >= DHCP_BOUND && now >= c.expire_at) {
		log_warn("dhcp: lease expired: starting over");
		unconfigure();
		dhcp_start();
	} else if (c.state >= DHCP_BOUND && c.state < DHCP_REBINDING &&
		   now >= c.t2_at) {
		enter(DHCP_REBINDING, now);
	} else if (c.state == DHCP_BOUND && now >= c.t1_at) {
		enter(DHCP_RENEWING, now);
	} else if (now >= c.retx_at) {
		c.tries++;
		if (c.state == DHCP_REQUESTING &&
		    c.tries >= DHCP_REQUEST_TRIES) {
			dhcp_start();
		} else {
			send_current();
			if (c.state == DHCP_RENEWING)
				arm_half(now, c.t2_at);
			else if (c.state == DHCP_REBINDING)
				arm_half(now, c.expire_at);
			else
				arm_backoff(now);
		}
	}
	/* Only the events still ahead in this state: a past T1 or T2 must
	 * not keep the timer firing. */
	next = c.retx_at;
	if (c.state == DHCP_BOUND && c.t1_at < next)
		next = c.t1_at;
	if (c.state >= DHCP_BOUND && c.state < DHCP_REBINDING && c.t2_at < next)
		next = c.t2_at;
	if (c.state >= DHCP_BOUND && c.expire_at < next)
		next = c.expire_at;
	return next;
}

void dhcp_reset(void)
{
	memset(&c, 0, sizeof c);
}
