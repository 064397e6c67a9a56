/*
 * A fake network device for lib/net's stack tests and the whole-stack fuzz
 * harness: a netif whose send records the frames, helpers that build the
 * frames a peer (a Linux host at 10.0.0.1) would send, and a clock step
 * that runs the stack's timers (fakeplat.h's fake_mono, then net_poll).
 *
 * The stack is driven without loop_run: fakenet_inject hands a frame to
 * the input hook and flushes the transmit batch, as one loop pass would.
 */
#ifndef KILN_FAKENET_H
#define KILN_FAKENET_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/addr.h>
#include <kiln/netbuf.h>
#include <kiln/netif.h>

#include "stack.h"

#define FAKENET_MAX_SENT 256

#define FAKENET_US   NET_IP4(10, 0, 0, 2)
#define FAKENET_PEER NET_IP4(10, 0, 0, 1)
#define FAKENET_GW   NET_IP4(10, 0, 0, 254)

extern struct netif fakenet_nif;
/* The fake device's netif.tso_max as fakenet_setup makes it (default 0). */
extern uint32_t fakenet_tso_max;
extern const struct eth_addr fakenet_mac;      /* ours, 02:00:00:00:00:02 */
extern const struct eth_addr fakenet_peer_mac; /* 02:00:00:00:00:01 */

/* Frames the stack sent since the last fakenet_clear, in order. */
extern struct netbuf *fakenet_sent[FAKENET_MAX_SENT];
extern unsigned fakenet_nsent;
extern unsigned long fakenet_lost;	 /* sent past FAKENET_MAX_SENT */
extern unsigned long fakenet_send_calls; /* netif send calls, ever */

/*
 * net_reset, then attach to the fake device: static 10.0.0.2/24 with
 * gateway (0 for none), or DHCP when dhcp. The sent frames are then what
 * attaching sent (the gratuitous ARP, or the DHCPDISCOVER).
 */
void fakenet_setup(uint32_t addr, unsigned prefix, uint32_t gateway, bool dhcp);
void fakenet_clear(void);

/* Deliver one frame (copied into a netbuf) and flush the answers. */
void fakenet_inject(const void *frame, size_t len);
/* Queue a frame for a batch; fakenet_inject_batch delivers the chain. */
void fakenet_queue(const void *frame, size_t len);
void fakenet_inject_batch(void);

/* Move the fake clock and run what is due, then flush. */
void fakenet_advance_ns(uint64_t ns);
#define fakenet_advance_ms(ms) fakenet_advance_ns((uint64_t)(ms)*1000000ull)

/* ---- frames from the peer (return the frame length) ---- */

size_t fakenet_eth(uint8_t *out, const struct eth_addr *src,
		   const struct eth_addr *dst, uint16_t type,
		   const void *payload, size_t len);
/* An ARP packet from (sha, spa) about tpa; dst broadcast for requests. */
size_t fakenet_arp(uint8_t *out, uint16_t op, const struct eth_addr *sha,
		   uint32_t spa, uint32_t tpa);
/* An IPv4 datagram (one fragment) from the peer MAC to ours. */
size_t fakenet_ipv4(uint8_t *out, uint32_t src, uint32_t dst, uint8_t proto,
		    uint16_t id, bool mf, uint16_t frag_off,
		    const void *payload, size_t len);
/* An ICMP echo request's ICMP message (not a frame) of n data bytes. */
size_t fakenet_echo_msg(uint8_t *out, uint16_t id, uint16_t seq, size_t n);
/* A whole ping frame from the peer to us. */
size_t fakenet_ping(uint8_t *out, uint16_t id, uint16_t seq, size_t n);
/* A UDP datagram frame. */
size_t fakenet_udp(uint8_t *out, uint32_t src, uint16_t sport, uint32_t dst,
		   uint16_t dport, const void *data, size_t len);

/* ---- sent frames ---- */

/* Parse sent frame i as Ethernet + IPv4: true when it is one. */
bool fakenet_sent_ipv4(unsigned i, struct eth_hdr *eth, struct ipv4_hdr *ip);
/* Index of the first sent frame with this ethertype (and IP proto when
 * ethertype is IPv4 and proto != 0), or -1. */
int fakenet_find(uint16_t type, uint8_t proto);

#endif /* KILN_FAKENET_H */
