/*
 * Kiln's TCP/IP stack: the contract between its layers (internal to
 * lib/net; appliances use tcp.h and udp.h, bindings use netif.h).
 *
 * Shape. One stack per image, one IPv4 interface on one netif (the first
 * net device; a switch appliance with several devices will extend this).
 * The state is static: `net` below. Layers call each other directly:
 *
 *   netif ->input-> net_input -> eth: arp_input | ipv4_input
 *   ipv4_input (checks, reassembly) -> icmp_input | udp_input | tcp_input
 *   tcp/udp/icmp -> ipv4_output (header, fragmentation, route)
 *     -> eth_output (ARP resolve or queue) -> net_tx (batch) -> netif send
 *
 * Batching. Frames to send are appended to a transmit batch, flushed to
 * the netif by a deferred call (loop_defer) once per loop pass, and also
 * when the batch reaches NET_TX_BATCH frames, so a burst of received
 * frames produces one device call for all the answers.
 *
 * Buffers. Every function that takes a `struct netbuf *` takes ownership of
 * it, on success and on failure: it passes it on or frees it. On input,
 * nb->data points at the layer's own header when the function is called.
 * On output, nb->data points at the payload the layer must prefix (headers
 * go into the headroom with netbuf_push / the *_prepend emitters).
 *
 * Drops. Malformed or unwanted input is counted with net_drop() (one
 * counter per enum net_drop reason) and freed; never a crash, never an
 * unbounded allocation or loop.
 */
#ifndef KILN_NET_STACK_H
#define KILN_NET_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include <kiln/netbuf.h>
#include <kiln/netif.h>
#include <kiln/loop.h>

#include "drop.h"
#include "eth_wire.h"
#include "ipv4_wire.h"

/* Bounds (build-time; see DESIGN.md decision 4). */
#define NET_TX_BATCH	     64 /* frames per netif send call */
#define NET_ARP_ENTRIES	     64 /* ARP cache size; LRU replacement */
#define NET_ARP_PENDING	     8	/* frames queued per unresolved address */
#define NET_ARP_TTL_NS	     (60ull * 1000000000ull)
#define NET_REASM_DATAGRAMS  8	    /* datagrams being reassembled at once */
#define NET_REASM_BYTES	     65535u /* largest reassembled datagram */
#define NET_REASM_TIMEOUT_NS (30ull * 1000000000ull)

/* The interface's IPv4 configuration, host byte order. */
struct net_ipcfg {
	uint32_t addr;	  /* 0 while unconfigured (DHCP in progress) */
	uint32_t mask;	  /* from the prefix length */
	uint32_t gateway; /* 0 = none: off-link destinations unreachable */
	bool dhcp;	  /* configured by DHCP (renewals pending) */
};

struct net_stack {
	struct netif *dev;
	struct eth_addr mac;
	uint16_t mtu; /* IP MTU of the device */
	struct net_ipcfg ip;
	/* transmit batch */
	struct netbuf *tx_head, *tx_tail;
	unsigned tx_count;
	struct loop_defer tx_flush;
	/* counters */
	uint64_t drops[NET_DROP_COUNT];
	uint64_t rx_frames, tx_frames;
	uint64_t ip_in, ip_out, ip_frag_out, ip_reasm_ok, ip_reasm_fail;
	uint64_t icmp_in, icmp_out, udp_in, udp_out, tcp_in, tcp_out;
};

extern struct net_stack net;

/* ---- stack-wide ------------------------------------------------------- */

/*
 * Attach the stack to its device and configure it from the image's keys
 * `ipv4` (A.B.C.D/N or dhcp) and `gateway` (A.B.C.D, 0.0.0.0 = none).
 * Called once by the binding at start, before kiln_main. Sends a
 * gratuitous ARP (or starts DHCP). Declared for bindings in netif.h.
 */
int net_attach(struct netif *nif);

/* Count a drop and free the buffer (nb may be NULL). */
void net_drop(enum net_drop why, struct netbuf *nb);

/* Queue a complete Ethernet frame for transmission (batch; see above). */
void net_tx(struct netbuf *frame);

/* Send the batch now (also run by the deferred flush). */
void net_tx_flush_now(void);

/* Reset all stack state (tests and the whole-stack fuzz harness only). */
void net_reset(void);

/* ---- Ethernet and ARP (eth.c, arp.c) ------------------------------------ */

/* A received frame, nb->data at the Ethernet header. */
void eth_input(struct netbuf *nb);

/*
 * Send an IPv4 packet (nb->data at the IP header) to next_hop: resolve
 * its MAC through the ARP cache, or queue the packet (bounded) and send an
 * ARP request. Broadcast 255.255.255.255 goes to ff:ff:ff:ff:ff:ff.
 */
void eth_output_ipv4(struct netbuf *nb, uint32_t next_hop);

void arp_input(struct netbuf *nb);
void arp_announce(void); /* gratuitous ARP for net.ip.addr */

/* ---- IPv4 (ipv4.c, ipv4_frag.c) ----------------------------------------- */

void ipv4_input(struct netbuf *nb);

/*
 * Send nb (data = the L4 header and payload) from src to dst with
 * protocol proto. Adds the IP header, picks the next hop (dst on-link, else
 * the gateway), and fragments when the packet exceeds the MTU (unless df,
 * in which case it returns -EMSGSIZE). Returns 0 or a negative errno
 * (-EHOSTUNREACH: no route; -ENOMEM: no buffers for fragments); the buffer
 * is consumed either way.
 */
int ipv4_output(struct netbuf *nb, uint32_t src, uint32_t dst, uint8_t proto,
		bool df);

/* True when addr is ours (or broadcast we accept). */
bool ipv4_is_local(uint32_t addr);

/* The source address for packets to dst (our address; 0 if none). */
uint32_t ipv4_src_for(uint32_t dst);

/* ---- ICMP (icmp.c) ------------------------------------------------------ */

void icmp_input(struct netbuf *nb, const struct ipv4_hdr *ip);

/*
 * Send a destination-unreachable (code) quoting the datagram `orig` (data
 * at its IP header); orig stays the caller's. Rate-limited.
 */
void icmp_send_unreach(const struct netbuf *orig, uint8_t code);

/* ---- UDP (udp.c: also implements include/kiln/udp.h) -------------------- */

void udp_input(struct netbuf *nb, const struct ipv4_hdr *ip);

/* ---- TCP (tcp_*.c: also implements include/kiln/tcp.h) ----------------- */

void tcp_input(struct netbuf *nb, const struct ipv4_hdr *ip);

/*
 * An ICMP error quoting one of our TCP segments: `quoted` is the quoted
 * IPv4 header (src = us), `l4` its first bytes (at least 8: ports and
 * sequence number). type/code as received; mtu for fragmentation-needed.
 */
void tcp_icmp_error(const struct ipv4_hdr *quoted, struct view l4, uint8_t type,
		    uint8_t code, uint16_t mtu);

/* ---- DHCP client (dhcp.c) ----------------------------------------------- */

void dhcp_start(void);
/*
 * A checked UDP datagram to port 68 (udp_input calls it before its socket
 * lookup): nb->data at the DHCP message, i.e. the UDP payload.
 */
void dhcp_input(struct netbuf *nb, const struct ipv4_hdr *ip);

#endif /* KILN_NET_STACK_H */
