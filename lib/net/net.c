/*
 * The stack as a whole (stack.h): attach and configure, the netif input
 * hook, the transmit batch, the one timer, drop counters and statistics
 * (TCP's own counters too, tcp_stats_log).
 *
 * Everything lives in `net` and the modules' own statics; nothing is
 * allocated after start-up. The batch shapes the cost: a netif hands us a
 * chain of received frames, each goes up through eth_input, UDP gathers
 * its datagrams per socket and delivers them when the chain is done
 * (udp_rx_flush), and every frame sent while handling the chain waits in
 * the transmit batch until the deferred flush, so one device call carries
 * all the answers (or NET_TX_BATCH of them).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <kiln/addr.h>
#include <kiln/config.h>
#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/loop.h>

#include "stack.h"
#include "tcp_int.h"

struct net_stack net;

/* The static default when the image has no `ipv4` key (issue 3). */
#define NET_DEFAULT_ADDR   NET_IP4(10, 0, 0, 2)
#define NET_DEFAULT_PREFIX 24u

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - prefix));
}

static void fmt_ip(uint32_t ip, char *buf, size_t len)
{
	struct net_addr a = {ip, 0};
	net_addr_fmt(&a, buf, len);
}

void net_drop(enum net_drop why, struct netbuf *nb)
{
	if ((unsigned)why < NET_DROP_COUNT)
		net.drops[why]++;
	netbuf_free(nb);
}

/* ---- transmit batch ----------------------------------------------------- */

void net_tx_flush_now(void)
{
	struct netbuf *chain = net.tx_head;
	unsigned n = net.tx_count;

	net.tx_head = net.tx_tail = NULL;
	net.tx_count = 0;
	loop_defer_cancel(&net.tx_flush);
	if (!chain)
		return;
	if (!net.dev) {
		netbuf_free_chain(chain);
		return;
	}
	net.tx_frames += n;
	/* The device takes the whole chain whatever it accepts. */
	(void)net.dev->ops->send(net.dev, chain);
}

static void tx_flush_deferred(struct loop_defer *d, void *arg)
{
	(void)d, (void)arg;
	net_tx_flush_now();
}

void net_tx(struct netbuf *frame)
{
	frame->next = NULL;
	if (net.tx_tail)
		net.tx_tail->next = frame;
	else
		net.tx_head = frame;
	net.tx_tail = frame;
	if (++net.tx_count >= NET_TX_BATCH)
		net_tx_flush_now();
	else
		loop_defer(&net.tx_flush);
}

/* ---- the one timer ----------------------------------------------------- */

void net_timer_at(uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return;
	if (!loop_timer_armed(&net.timer) || deadline < net.timer.deadline)
		loop_timer_arm_at(&net.timer, deadline);
}

void net_poll(void)
{
	uint64_t now = loop_now(), next, d;
	unsigned round;

	loop_timer_cancel(&net.timer);
	/* A clock that jumped past several deadlines (a suspended host, a
	 * test) is caught up here, a bounded number of rounds. */
	for (round = 0; round < 8; round++) {
		next = arp_poll(now);
		d = ipv4_reasm_poll(now);
		if (d < next)
			next = d;
		d = dhcp_poll(now);
		if (d < next)
			next = d;
		if (next > now)
			break;
	}
	net_timer_at(next);
}

static void timer_fired(struct loop_timer *t, void *arg)
{
	(void)t, (void)arg;
	net_poll();
}

/* ---- input -------------------------------------------------------------- */

void net_input(struct netif *nif, struct netbuf *chain, void *arg)
{
	struct netbuf *nb, *next;

	(void)nif, (void)arg;
	net.in_input = true;
	for (nb = chain; nb; nb = next) {
		next = nb->next;
		nb->next = NULL;
		net.rx_frames++;
		eth_input(nb);
	}
	net.in_input = false;
	udp_rx_flush();
}

/* ---- attach and configuration -------------------------------------------- */

static void log_config(const char *how)
{
	char a[24], g[24];

	fmt_ip(net.ip.addr, a, sizeof a);
	fmt_ip(net.ip.gateway, g, sizeof g);
	log_info("net: %s: %s %s/%u gateway %s mtu %u", net.dev->name, how, a,
		 (unsigned)__builtin_popcount(net.ip.mask),
		 net.ip.gateway ? g : "none", (unsigned)net.mtu);
}

int net_attach_cfg(struct netif *nif, const struct net_ipcfg *cfg)
{
	uint32_t id;

	if (net.dev)
		return -EBUSY;
	if (!nif || !nif->ops || !nif->ops->send)
		return -EINVAL;
	net.dev = nif;
	loop_defer_init(&net.tx_flush, tx_flush_deferred, NULL);
	loop_timer_init(&net.timer, timer_fired, NULL);
	memcpy(net.mac.b, nif->mac, ETH_ADDR_LEN);
	/*
	 * RFC 791: every host takes 576-byte datagrams, so 68..; a frame
	 * must fit one netbuf after the headroom, so ..NET_NB_PAYLOAD - 14.
	 */
	net.mtu = nif->mtu ? nif->mtu : 1500;
	if (net.mtu < 68)
		net.mtu = 68;
	if (net.mtu > NET_NB_PAYLOAD - ETH_HDR_LEN)
		net.mtu = NET_NB_PAYLOAD - ETH_HDR_LEN;
	net.tso_max = nif->tso_max > 0xffffu ? 0xffffu : nif->tso_max;
	if (net.tso_max && net.tso_max < 2u * net.mtu)
		net.tso_max = 0; /* not worth the frag pieces */
	if (kiln_entropy(&id, sizeof id) == 0)
		net.ip_id = (uint16_t)id;
	nif->input = net_input;
	nif->input_arg = NULL;
	if (cfg->dhcp) {
		memset(&net.ip, 0, sizeof net.ip);
		net.ip.dhcp = true;
		log_info("net: %s: ipv4 by dhcp", nif->name);
		dhcp_start();
	} else {
		net.ip = *cfg;
		log_config("static");
		arp_announce();
	}
	return 0;
}

int net_attach(struct netif *nif)
{
	struct net_ipcfg cfg = {0};
	unsigned prefix = NET_DEFAULT_PREFIX;
	uint32_t addr = NET_DEFAULT_ADDR;

	if (cfg_has("ipv4")) {
		cfg.dhcp = !cfg_ipv4net("ipv4", &addr, &prefix);
	} else {
		log_info("net: no ipv4 key: default 10.0.0.2/24, no gateway");
	}
	cfg.addr = addr;
	cfg.mask = prefix_mask(prefix);
	/* 0.0.0.0 means none (stack.h); so does a missing key. */
	if (cfg_has("gateway"))
		cfg.gateway = cfg_ipv4("gateway");
	return net_attach_cfg(nif, &cfg);
}

/* ---- reset and statistics ------------------------------------------------ */

void net_reset(void)
{
	tcp_reset();
	dhcp_reset();
	udp_reset();
	icmp_reset();
	ipv4_reasm_reset();
	arp_reset();
	netbuf_free_chain(net.tx_head);
	loop_defer_cancel(&net.tx_flush);
	loop_timer_cancel(&net.timer);
	if (net.dev) {
		net.dev->input = NULL;
		net.dev->input_arg = NULL;
	}
	memset(&net, 0, sizeof net);
	loop_defer_init(&net.tx_flush, tx_flush_deferred, NULL);
	loop_timer_init(&net.timer, timer_fired, NULL);
}

#define EV(name)                                                               \
	{                                                                      \
#name, offsetof(struct net_events, name)                       \
	}
static const struct {
	const char *name;
	size_t off;
} ev_names[] = {
	EV(eth_multicast),    EV(arp_conflict), EV(arp_queue_full),
	EV(arp_unresolved),   EV(arp_evicted),	EV(ip_bad_src),
	EV(ip_unknown_proto), EV(ip_no_route),	EV(ip_df_too_big),
	EV(reasm_overlap),    EV(reasm_dup),	EV(reasm_timeout),
	EV(reasm_evicted),    EV(reasm_bad),	EV(reasm_tcp_big),
	EV(icmp_ratelimited), EV(icmp_ignored), EV(tx_nobuf),
};

void net_stats_log(void)
{
	unsigned i;
	uint64_t v;

	log_info("net: rx %" PRIu64 " tx %" PRIu64 " frames; ip in %" PRIu64
		 " out %" PRIu64 " frag-out %" PRIu64 " reasm %" PRIu64
		 "/%" PRIu64 " failed",
		 net.rx_frames, net.tx_frames, net.ip_in, net.ip_out,
		 net.ip_frag_out, net.ip_reasm_ok, net.ip_reasm_fail);
	log_info("net: icmp %" PRIu64 "/%" PRIu64 " udp %" PRIu64 "/%" PRIu64
		 " tcp %" PRIu64 "/%" PRIu64 " (in/out)",
		 net.icmp_in, net.icmp_out, net.udp_in, net.udp_out, net.tcp_in,
		 net.tcp_out);
	for (i = 1; i < NET_DROP_COUNT; i++)
		if (net.drops[i])
			log_info("net: drop %s %" PRIu64,
				 net_drop_name((enum net_drop)i), net.drops[i]);
	for (i = 0; i < sizeof ev_names / sizeof ev_names[0]; i++) {
		memcpy(&v, (const char *)&net.ev + ev_names[i].off, sizeof v);
		if (v)
			log_info("net: %s %" PRIu64, ev_names[i].name, v);
	}
	tcp_stats_log();
}
