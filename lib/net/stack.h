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
#define NET_REASM_TOTAL                                                        \
	(256u * 1024u)			 /* fragment bytes held, all datagrams \
					  */
#define NET_ARP_RETRY_NS   1000000000ull /* request retransmission interval */
#define NET_ARP_TRIES	   3		 /* requests before giving up */
#define NET_ARP_REFRESH_NS (5ull * 1000000000ull) /* re-ask before expiry */
#define NET_UDP_SOCKETS	   64			  /* bound UDP sockets */
#define NET_UDP_RX_BATCH   64  /* datagrams gathered per input batch */
#define NET_ICMP_ERR_RATE  100 /* ICMP errors sent per second (bucket) */
#define NET_ICMP_ERR_BURST 100 /* ... and the bucket's depth */

/* The largest IP payload one netbuf carries after the headroom. */
#define NET_NB_PAYLOAD (NETBUF_SIZE - NETBUF_HEADROOM)

/* The interface's IPv4 configuration, host byte order. */
struct net_ipcfg {
	uint32_t addr;	  /* 0 while unconfigured (DHCP in progress) */
	uint32_t mask;	  /* from the prefix length */
	uint32_t gateway; /* 0 = none: off-link destinations unreachable */
	bool dhcp;	  /* configured by DHCP (renewals pending) */
};

/*
 * Events counted besides the per-reason drops of drop.h (which has no
 * reasons for the stack's own policies yet): net_stats_log prints both.
 */
struct net_events {
	uint64_t eth_multicast;	   /* multicast frames (also ETH_NOT_FOR_US) */
	uint64_t arp_conflict;	   /* someone else claims our address */
	uint64_t arp_queue_full;   /* queued packet dropped: oldest evicted */
	uint64_t arp_unresolved;   /* queued packets dropped: no reply */
	uint64_t arp_evicted;	   /* cache entries replaced (LRU) */
	uint64_t ip_bad_src;	   /* source broadcast / multicast */
	uint64_t ip_unknown_proto; /* answered (rate permitting) by ICMP */
	uint64_t ip_no_route;	   /* output: off-link and no gateway */
	uint64_t ip_df_too_big;	   /* output: DF set and over the MTU */
	uint64_t reasm_overlap;	   /* datagram dropped: overlapping fragments */
	uint64_t reasm_dup;	   /* exact duplicate fragment ignored */
	uint64_t reasm_timeout;	   /* datagram dropped: 30 s passed */
	uint64_t reasm_evicted;	   /* datagram dropped: no slot / byte budget */
	uint64_t reasm_bad;	   /* fragment past 65535, unaligned, etc. */
	uint64_t reasm_tcp_big;	   /* reassembled TCP larger than a netbuf */
	uint64_t icmp_ratelimited; /* errors not sent: bucket empty */
	uint64_t icmp_ignored;	   /* types we do not act on */
	uint64_t tx_nobuf;	   /* output dropped: netbuf pool empty */
};

struct net_stack {
	struct netif *dev;
	struct eth_addr mac;
	uint16_t mtu;	  /* IP MTU of the device */
	uint32_t tso_max; /* the device's netif.tso_max (0: no offload) */
	struct net_ipcfg ip;
	/* transmit batch */
	struct netbuf *tx_head, *tx_tail;
	unsigned tx_count;
	struct loop_defer tx_flush;
	/* the stack's one timer: fires net_poll at the earliest deadline */
	struct loop_timer timer;
	uint16_t ip_id; /* next IPv4 identification */
	bool in_input;	/* inside a netif input batch (UDP gathers) */
	/* counters */
	uint64_t drops[NET_DROP_COUNT];
	uint64_t rx_frames, tx_frames;
	uint64_t ip_in, ip_out, ip_frag_out, ip_reasm_ok, ip_reasm_fail;
	uint64_t icmp_in, icmp_out, udp_in, udp_out, tcp_in, tcp_out;
	struct net_events ev;
};

extern struct net_stack net;

/* ---- stack-wide ------------------------------------------------------- */

/*
 * Attach the stack to its device and configure it from the image's keys
 * `ipv4` (A.B.C.D/N or dhcp) and `gateway` (A.B.C.D, 0.0.0.0 = none),
 * and TCP's pools from tcp_conns, tcp_sndpool and tcp_sndbuf (tcp_pool.c).
 * Called once by the binding at start, before kiln_main. Sends a
 * gratuitous ARP (or starts DHCP). Declared for bindings in netif.h.
 */
int net_attach(struct netif *nif);

/*
 * net_attach with an explicit configuration instead of the image's keys
 * (tests, the fuzz harness; net_attach calls it). cfg->dhcp starts DHCP
 * and ignores the rest. Returns 0, or -EBUSY when already attached.
 */
int net_attach_cfg(struct netif *nif, const struct net_ipcfg *cfg);

/* The netif input hook net_attach installs (tests may call it). */
void net_input(struct netif *nif, struct netbuf *chain, void *arg);

/*
 * Timers. The stack keeps one loop timer; each module keeps its own
 * deadlines (ARP retries and expiry, reassembly timeouts, DHCP) and a
 * poll function that runs what is due at `now` and returns its next
 * deadline (UINT64_MAX: none). net_timer_at(d) makes the timer fire by d;
 * net_poll() runs every module's poll and re-arms. Tests and the fuzz
 * harness move the fake clock and call net_poll() without a loop.
 */
void net_timer_at(uint64_t deadline);
void net_poll(void);
uint64_t arp_poll(uint64_t now);
uint64_t ipv4_reasm_poll(uint64_t now);
uint64_t dhcp_poll(uint64_t now);

/* Log every non-zero counter at info level (at exit, or on demand). */
void net_stats_log(void);

/* Count a drop and free the buffer (nb may be NULL). */
void net_drop(enum net_drop why, struct netbuf *nb);

/* Queue a complete Ethernet frame for transmission (batch; see above). */
void net_tx(struct netbuf *frame);

/* Send the batch now (also run by the deferred flush). */
void net_tx_flush_now(void);

/*
 * Reset all stack state (tests and the whole-stack fuzz harness only):
 * frees queued buffers, closes sockets, detaches the device. The per-module
 * parts below are net_reset's; tcp_reset is TCP's (tcp_conn.c).
 */
void net_reset(void);
void arp_reset(void);
void ipv4_reasm_reset(void);
void icmp_reset(void);
void udp_reset(void);
void dhcp_reset(void);
void tcp_reset(void);

/* ---- Ethernet and ARP (eth.c, arp.c) ------------------------------------ */

/* A received frame, nb->data at the Ethernet header. */
void eth_input(struct netbuf *nb);

/*
 * Send an IPv4 packet (nb->data at the IP header) to next_hop: resolve
 * its MAC through the ARP cache, or queue the packet (bounded) and send an
 * ARP request. Broadcast 255.255.255.255 goes to ff:ff:ff:ff:ff:ff.
 */
void eth_output_ipv4(struct netbuf *nb, uint32_t next_hop);

/* Prepend an Ethernet header (us -> dst, type) and net_tx. Consumes nb. */
void eth_send(struct netbuf *nb, const struct eth_addr *dst, uint16_t type);

/*
 * The MAC for ip: true and *mac when the cache knows it (nb stays the
 * caller's); false when nb was taken, queued behind an ARP request
 * (bounded; the oldest is dropped) or dropped and counted.
 */
bool arp_resolve(uint32_t ip, struct eth_addr *mac, struct netbuf *nb);

void arp_input(struct netbuf *nb);
void arp_announce(void); /* gratuitous ARP for net.ip.addr */

/*
 * The cache entry for ip (tests, statistics): 0 and *mac when resolved,
 * -EAGAIN while a request is outstanding (*queued = packets waiting),
 * -ENOENT when there is none. mac and queued may be NULL.
 */
int arp_lookup(uint32_t ip, struct eth_addr *mac, unsigned *queued);
/* Forget every entry (address change); queued packets are dropped. */
void arp_flush(void);

/* ---- IPv4 (ipv4.c, ipv4_frag.c) ----------------------------------------- */

/*
 * A received datagram on its way up, after the IPv4 checks (and
 * reassembly). Two shapes, because reassembled datagrams (up to 65535
 * bytes) do not fit a 4 KiB netbuf:
 *  - nb != NULL: an ordinary datagram; nb->data is at the L4 header and
 *    nb->len == h.payload.len. The L4 input takes nb (frees or keeps it).
 *  - nb == NULL: a reassembled datagram in the reassembly arena; h.payload
 *    and dgram view the arena and are valid only until the L4 input
 *    returns (copy what must be kept).
 * dgram is the whole datagram from its IP header (what an ICMP error
 * quotes). TCP keeps the netbuf form (zero-copy receive): ipv4.c copies a
 * reassembled TCP datagram into a netbuf when it fits (NET_NB_PAYLOAD
 * bytes) and drops and counts it (ev.reasm_tcp_big) otherwise.
 */
struct ipv4_rx {
	struct ipv4_hdr h; /* h.payload = the L4 message, trimmed */
	struct view dgram;
	struct netbuf *nb;
	bool bcast;   /* sent to 255.255.255.255 or our subnet broadcast */
	bool csum_ok; /* the L4 checksum is vouched for (netbuf.h) */
};

/* A frame's IP datagram, nb->data at the IP header. */
void ipv4_input(struct netbuf *nb);

/* Hand a checked, whole datagram to its protocol (ipv4_frag.c calls it). */
void ipv4_deliver(struct ipv4_rx *rx);

/*
 * A fragment (h parsed from nb, nb->data at the IP header): kept in the
 * reassembly arena (nb is freed); when it completes a datagram, the
 * datagram goes to ipv4_deliver with rx.nb == NULL.
 */
void ipv4_reasm_input(struct netbuf *nb, const struct ipv4_hdr *h);

/* Datagrams being reassembled now (tests). */
unsigned ipv4_reasm_active(void);

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

/*
 * Send a datagram whose payload is the concatenation of parts[0..n),
 * copied into fresh netbufs (one per fragment when it exceeds the MTU):
 * for payloads that do not fit one netbuf, up to 65515 bytes (a
 * reassembled echo request's reply, a large UDP datagram). Never sets DF.
 * Returns 0, -EMSGSIZE (over 65515), -EHOSTUNREACH, or -EAGAIN when the
 * pool lacks buffers for every fragment (then nothing is sent).
 */
int ipv4_output_copy(uint32_t src, uint32_t dst, uint8_t proto,
		     const struct view *parts, unsigned n);

/* True when addr is ours (or broadcast we accept). */
bool ipv4_is_local(uint32_t addr);

/* True for 255.255.255.255 and our subnet's broadcast address. */
bool ipv4_is_bcast(uint32_t addr);

/* The source address for packets to dst (our address; 0 if none). */
uint32_t ipv4_src_for(uint32_t dst);

/* ---- ICMP (icmp.c) ------------------------------------------------------ */

/* Takes rx->nb (see struct ipv4_rx). */
void icmp_input(struct ipv4_rx *rx);

/*
 * Send an ICMP error (type 3 destination unreachable with code, or 11
 * time exceeded) quoting the received datagram orig (which stays the
 * caller's). Not sent, per RFC 1122 3.2.2, about a broadcast, a
 * non-initial fragment, an ICMP error or a non-unicast source; and at
 * most NET_ICMP_ERR_RATE a second (token bucket, ev.icmp_ratelimited).
 */
void icmp_send_error(const struct ipv4_rx *orig, uint8_t type, uint8_t code);

/* ---- UDP (udp.c: also implements include/kiln/udp.h) -------------------- */

/*
 * Takes rx->nb. Inside a netif input batch (net.in_input) datagrams in
 * netbufs are gathered per socket and delivered by udp_rx_flush, one
 * callback per socket; reassembled ones are delivered at once.
 */
void udp_input(struct ipv4_rx *rx);
/* Deliver the gathered datagrams (net_input calls it after each batch). */
void udp_rx_flush(void);

/*
 * Send nb (data = the UDP payload) from src:sport to dst:dport: header,
 * checksum, ipv4_output. Consumes nb. For the stack's own clients (DHCP,
 * which sends from 0.0.0.0 before it has an address). Returns as
 * ipv4_output.
 */
int udp_output(struct netbuf *nb, uint32_t src, uint16_t sport, uint32_t dst,
	       uint16_t dport);

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
/* True while the client runs (udp_input then hands port 68 to it). */
bool dhcp_active(void);
/*
 * A checked UDP datagram to port 68 (udp_input calls it before its socket
 * lookup): msg is the DHCP message (the UDP payload), valid during the
 * call; the caller keeps its buffer.
 */
void dhcp_input(struct view msg, const struct ipv4_rx *rx);

/* The client's state, for tests and logs. */
enum dhcp_state {
	DHCP_OFF = 0,	 /* static configuration */
	DHCP_SELECTING,	 /* DISCOVER sent, waiting for an OFFER */
	DHCP_REQUESTING, /* REQUEST sent, waiting for the ACK */
	DHCP_BOUND,
	DHCP_RENEWING,	/* past T1: unicast REQUEST to the server */
	DHCP_REBINDING, /* past T2: broadcast REQUEST */
};
enum dhcp_state dhcp_state(void);

#endif /* KILN_NET_STACK_H */
