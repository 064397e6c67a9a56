/*
 * ARP (RFC 826) for IPv4 over Ethernet: the cache, requests and replies.
 *
 * The cache is a fixed table of NET_ARP_ENTRIES. An entry is INCOMPLETE
 * while a request is outstanding (it holds up to NET_ARP_PENDING packets
 * waiting for the answer; past that the oldest is dropped and counted) or
 * RESOLVED with an expiry NET_ARP_TTL_NS after the last confirmation.
 * When the table is full the least recently used entry is replaced.
 *
 * Requests are retransmitted every NET_ARP_RETRY_NS, NET_ARP_TRIES times
 * in all (RFC 1122 2.3.2.1 asks for a rate limit of about one per second
 * per address); then the waiting packets are dropped and counted. An entry
 * in use NET_ARP_REFRESH_NS before it expires is refreshed with a unicast
 * request (RFC 1122 2.3.2.1, "unicast poll"), so busy peers never stall.
 *
 * Learning follows RFC 826's "Packet Reception": the sender's mapping
 * updates an entry we already have (the merge flag), and creates one only
 * when the packet is addressed to us. A packet claiming our own address,
 * or a multicast sender MAC, is never learned.
 *
 * Time: deadlines live in the entries; arp_poll() runs the due ones and
 * the stack's one timer calls it (stack.h).
 */
#include <errno.h>
#include <string.h>

#include <kiln/log.h>
#include <kiln/loop.h>

#include "arp_wire.h"
#include "stack.h"

enum arp_state { ARP_FREE = 0, ARP_INCOMPLETE, ARP_RESOLVED };

struct arp_entry {
	uint32_t ip;
	struct eth_addr mac;
	uint8_t state;
	uint8_t tries;	   /* requests sent while INCOMPLETE */
	bool refreshing;   /* a unicast poll is out (RESOLVED) */
	uint64_t deadline; /* INCOMPLETE: next retry; RESOLVED: expiry */
	uint64_t used;	   /* last use or creation, for LRU */
	struct netbuf *q_head, *q_tail; /* packets waiting (IPv4, no L2) */
	unsigned nq;
};

static struct arp_entry cache[NET_ARP_ENTRIES];
static unsigned last_hit; /* index of the last entry found: bursts hit it */

static struct arp_entry *find(uint32_t ip)
{
	unsigned i;

	if (cache[last_hit].state != ARP_FREE && cache[last_hit].ip == ip)
		return &cache[last_hit];
	for (i = 0; i < NET_ARP_ENTRIES; i++) {
		if (cache[i].state != ARP_FREE && cache[i].ip == ip) {
			last_hit = i;
			return &cache[i];
		}
	}
	return NULL;
}

static void drop_queue(struct arp_entry *e)
{
	net.ev.arp_unresolved += e->nq;
	netbuf_free_chain(e->q_head);
	e->q_head = e->q_tail = NULL;
	e->nq = 0;
}

static void entry_free(struct arp_entry *e)
{
	drop_queue(e);
	memset(e, 0, sizeof *e);
}

/* A free entry for ip, replacing the least recently used when full. */
static struct arp_entry *entry_new(uint32_t ip, uint64_t now)
{
	struct arp_entry *e = NULL;
	unsigned i;

	for (i = 0; i < NET_ARP_ENTRIES; i++) {
		if (cache[i].state == ARP_FREE) {
			e = &cache[i];
			break;
		}
		if (!e || cache[i].used < e->used)
			e = &cache[i];
	}
	if (e->state != ARP_FREE) {
		net.ev.arp_evicted++;
		entry_free(e);
	}
	e->ip = ip;
	e->used = now;
	return e;
}

static void send_request(uint32_t target, const struct eth_addr *dst)
{
	struct netbuf *nb = netbuf_alloc();
	struct arp_pkt p;
	struct mview m;

	if (!nb) {
		net.ev.tx_nobuf++;
		return;
	}
	p = arp_make_request(&net.mac, net.ip.addr, target);
	if (!netbuf_put(nb, ARP_LEN, &m) || arp_emit(&p, m) < 0) {
		netbuf_free(nb);
		return;
	}
	eth_send(nb, dst, ETH_TYPE_ARP);
}

/* The mapping is confirmed: refresh it and release what waited for it. */
static void entry_confirm(struct arp_entry *e, const struct eth_addr *mac,
			  uint64_t now)
{
	struct netbuf *q = e->q_head, *next;

	e->mac = *mac;
	e->state = ARP_RESOLVED;
	e->tries = 0;
	e->refreshing = false;
	e->deadline = now + NET_ARP_TTL_NS;
	e->q_head = e->q_tail = NULL;
	e->nq = 0;
	for (; q; q = next) {
		next = q->next;
		q->next = NULL;
		eth_send(q, mac, ETH_TYPE_IPV4);
	}
	net_timer_at(e->deadline);
}

static void enqueue(struct arp_entry *e, struct netbuf *nb)
{
	if (e->nq >= NET_ARP_PENDING) {
		struct netbuf *old = e->q_head;
		e->q_head = old->next;
		if (!e->q_head)
			e->q_tail = NULL;
		e->nq--;
		net.ev.arp_queue_full++;
		netbuf_free(old);
	}
	nb->next = NULL;
	if (e->q_tail)
		e->q_tail->next = nb;
	else
		e->q_head = nb;
	e->q_tail = nb;
	e->nq++;
}

/*
 * The MAC for ip: true and *mac when known (nb stays the caller's), false
 * when nb was queued behind a request (or dropped, counted).
 */
bool arp_resolve(uint32_t ip, struct eth_addr *mac, struct netbuf *nb)
{
	uint64_t now = loop_now();
	struct arp_entry *e = find(ip);

	if (e && e->state == ARP_RESOLVED && now < e->deadline) {
		e->used = now;
		if (!e->refreshing && now + NET_ARP_REFRESH_NS >= e->deadline) {
			e->refreshing = true;
			send_request(ip, &e->mac);
		}
		*mac = e->mac;
		return true;
	}
	if (!e) {
		e = entry_new(ip, now);
		e->state = ARP_INCOMPLETE;
	}
	if (e->state == ARP_RESOLVED) {
		/* Expired and not yet reaped: ask again from scratch. */
		e->state = ARP_INCOMPLETE;
		e->refreshing = false;
		e->tries = 0;
	}
	enqueue(e, nb);
	if (e->tries == 0) {
		e->tries = 1;
		e->deadline = now + NET_ARP_RETRY_NS;
		send_request(ip, &eth_broadcast);
		net_timer_at(e->deadline);
	}
	return false;
}

void arp_input(struct netbuf *nb)
{
	uint64_t now = loop_now();
	struct arp_entry *e;
	struct arp_pkt p, reply;
	struct mview m;
	enum net_drop why = arp_parse(netbuf_view(nb), &p);
	bool merge = false;

	if (why != NET_DROP_NONE) {
		net_drop(why, nb);
		return;
	}
	if (eth_addr_is_multicast(&p.sha)) {
		net_drop(NET_DROP_ARP_BAD_HW, nb);
		return;
	}
	if (!net.ip.addr) {
		/* No address yet (DHCP): nothing to answer, nobody to ask. */
		netbuf_free(nb);
		return;
	}
	if (p.spa == net.ip.addr) {
		/* RFC 5227 2.4: a conflict; we keep our address, count it. */
		net.ev.arp_conflict++;
		netbuf_free(nb);
		return;
	}
	/* RFC 826: "If the pair <protocol type, sender protocol address>
	 * is already in my translation table, update ... set Merge_flag". A
	 * sender address of 0 is an RFC 5227 probe: nothing to learn. */
	if (p.spa != 0 && (e = find(p.spa)) != NULL) {
		entry_confirm(e, &p.sha, now);
		merge = true;
	}
	if (p.tpa != net.ip.addr) {
		netbuf_free(nb);
		return;
	}
	if (!merge && p.spa != 0) {
		e = entry_new(p.spa, now);
		entry_confirm(e, &p.sha, now);
	}
	if (p.op != ARP_OP_REQUEST) {
		netbuf_free(nb);
		return;
	}
	/* The reply reuses the request's buffer. */
	reply = arp_make_reply(&p, &net.mac, net.ip.addr);
	netbuf_reset(nb);
	if (!netbuf_put(nb, ARP_LEN, &m) || arp_emit(&reply, m) < 0) {
		netbuf_free(nb);
		return;
	}
	eth_send(nb, &p.sha, ETH_TYPE_ARP);
}

void arp_announce(void)
{
	struct netbuf *nb;
	struct arp_pkt p;
	struct mview m;

	if (!net.ip.addr || !(nb = netbuf_alloc())) {
		if (net.ip.addr)
			net.ev.tx_nobuf++;
		return;
	}
	/* RFC 5227 3: an announcement is a request with spa = tpa = us. */
	p = arp_make_request(&net.mac, net.ip.addr, net.ip.addr);
	if (!netbuf_put(nb, ARP_LEN, &m) || arp_emit(&p, m) < 0) {
		netbuf_free(nb);
		return;
	}
	eth_send(nb, &eth_broadcast, ETH_TYPE_ARP);
}

uint64_t arp_poll(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned i;

	for (i = 0; i < NET_ARP_ENTRIES; i++) {
		struct arp_entry *e = &cache[i];

		if (e->state == ARP_FREE)
			continue;
		if (now >= e->deadline) {
			if (e->state == ARP_RESOLVED ||
			    e->tries >= NET_ARP_TRIES) {
				entry_free(e);
				continue;
			}
			e->tries++;
			e->deadline = now + NET_ARP_RETRY_NS;
			send_request(e->ip, &eth_broadcast);
		}
		if (e->deadline < next)
			next = e->deadline;
	}
	return next;
}

int arp_lookup(uint32_t ip, struct eth_addr *mac, unsigned *queued)
{
	struct arp_entry *e = find(ip);

	if (!e)
		return -ENOENT;
	if (queued)
		*queued = e->nq;
	if (e->state != ARP_RESOLVED || loop_now() >= e->deadline)
		return -EAGAIN;
	if (mac)
		*mac = e->mac;
	return 0;
}

void arp_flush(void)
{
	unsigned i;

	for (i = 0; i < NET_ARP_ENTRIES; i++)
		if (cache[i].state != ARP_FREE)
			entry_free(&cache[i]);
	last_hit = 0;
}

void arp_reset(void)
{
	arp_flush();
}
