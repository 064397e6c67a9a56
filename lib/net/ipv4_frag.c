/*
 * IPv4 reassembly (RFC 791 3.2 "Reassembly"; RFC 1122 3.3.2; RFC 815's
 * idea of tracking what is still missing, here as a bitmap).
 *
 * Fragments are copied into one of NET_REASM_DATAGRAMS fixed slots, each
 * large enough for the largest datagram (NET_REASM_BYTES), keyed by
 * (source, destination, protocol, identification). A slot holds:
 *   buf: [ up to 60 bytes: the first fragment's header | payload ... ]
 * with the header placed right before the payload, so the whole datagram
 * is one contiguous view (what ICMP errors quote), and a bitmap of the
 * 8-byte blocks received. The netbuf pool is not used: a reassembled
 * datagram is up to 64 KiB, a netbuf 4 KiB.
 *
 * Bounds: a slot per datagram (the oldest is evicted when a new one needs
 * room), NET_REASM_TOTAL bytes held over all slots (the oldest datagrams
 * are evicted first), and NET_REASM_TIMEOUT_NS per datagram (RFC 1122
 * 3.3.2: 60 s at most; we use 30 s), after which the datagram is dropped
 * and, if its first fragment came, an ICMP time exceeded (code 1) is sent.
 *
 * Overlaps. A fragment that overlaps what we hold with different bytes
 * drops the whole datagram (RFC 5722's rule for IPv6, which closes the
 * overlapping-fragment attacks on IPv4 too); an exact duplicate (same
 * range, same bytes: a retransmission) is ignored. A fragment past the
 * end given by the last fragment, a second "last" with another end, or a
 * non-final fragment whose length is not a multiple of 8 drops the
 * datagram as well.
 *
 * Slots are memory the BSS reserves but pages only a datagram touches are
 * used; on bare targets that matters (DESIGN.md 8).
 */
#include <string.h>

#include <kiln/loop.h>

#include "icmp_wire.h"
#include "ipv4_wire.h"
#include "stack.h"

#define REASM_HDR	  IPV4_MAX_HDR_LEN /* room for the header before data */
#define REASM_MAX_PAYLOAD (NET_REASM_BYTES - IPV4_HDR_LEN)
#define REASM_BLOCKS	  ((REASM_MAX_PAYLOAD + 7) / 8)

struct reasm {
	bool used;
	bool first_seen, last_seen;
	uint8_t proto;
	uint16_t id;
	uint32_t src, dst;
	uint32_t have;	/* payload bytes held (no overlaps, so exact) */
	uint32_t total; /* payload length, once the last fragment came */
	uint64_t deadline;
	uint64_t created;      /* for eviction, oldest first */
	struct ipv4_hdr first; /* the offset-0 fragment's header */
	uint8_t bits[(REASM_BLOCKS + 7) / 8];
	uint8_t buf[REASM_HDR + REASM_MAX_PAYLOAD];
};

static struct reasm slots[NET_REASM_DATAGRAMS];
static uint32_t held; /* sum of `have` over the used slots */
static uint64_t seq;  /* creation order (ties in loop_now) */

static bool bit(const struct reasm *r, size_t i)
{
	return r->bits[i / 8] & (1u << (i % 8));
}

/* Abandon a datagram: counted as a failed reassembly. */
static void kill(struct reasm *r)
{
	held -= r->have;
	net.ip_reasm_fail++;
	net.drops[NET_DROP_IPV4_FRAGMENT]++;
	r->used = false;
}

static struct reasm *oldest(const struct reasm *except)
{
	struct reasm *o = NULL;
	unsigned i;

	for (i = 0; i < NET_REASM_DATAGRAMS; i++)
		if (slots[i].used && &slots[i] != except &&
		    (!o || slots[i].created < o->created))
			o = &slots[i];
	return o;
}

static struct reasm *lookup(const struct ipv4_hdr *h)
{
	struct reasm *r, *free_slot = NULL;
	unsigned i;

	for (i = 0; i < NET_REASM_DATAGRAMS; i++) {
		r = &slots[i];
		if (!r->used) {
			if (!free_slot)
				free_slot = r;
			continue;
		}
		if (r->src == h->src && r->dst == h->dst &&
		    r->proto == h->proto && r->id == h->id)
			return r;
	}
	if (!free_slot) {
		free_slot = oldest(NULL);
		net.ev.reasm_evicted++;
		kill(free_slot);
	}
	r = free_slot;
	r->used = true;
	r->first_seen = r->last_seen = false;
	r->src = h->src;
	r->dst = h->dst;
	r->proto = h->proto;
	r->id = h->id;
	r->have = r->total = 0;
	r->created = ++seq;
	memset(r->bits, 0, sizeof r->bits);
	r->deadline = loop_now() + NET_REASM_TIMEOUT_NS;
	net_timer_at(r->deadline);
	return r;
}

/*
 * Does [off, off + len) collide with what r holds? 0: no, 1: exact
 * duplicate, -1: a real overlap.
 */
static int collides(const struct reasm *r, size_t off, struct view data)
{
	size_t b, first = off / 8, last = (off + data.len - 1) / 8;
	unsigned set = 0;

	for (b = first; b <= last; b++)
		set += bit(r, b);
	if (set == 0)
		return 0;
	if (set == last - first + 1 &&
	    memcmp(r->buf + REASM_HDR + off, data.p, data.len) == 0)
		return 1;
	return -1;
}

/* The datagram is whole: hand it up, then free the slot. */
static void complete(struct reasm *r)
{
	struct ipv4_rx rx;
	size_t ihl = r->first.ihl;

	rx.h = r->first;
	rx.h.mf = false;
	rx.h.frag_off = 0;
	rx.h.total_len = (uint16_t)(ihl + r->total);
	rx.h.payload = view_make(r->buf + REASM_HDR, r->total);
	rx.h.payload_len = (uint16_t)r->total;
	rx.h.options = view_make(r->buf + REASM_HDR - ihl + IPV4_HDR_LEN,
				 ihl - IPV4_HDR_LEN);
	rx.dgram = view_make(r->buf + REASM_HDR - ihl, ihl + r->total);
	rx.nb = NULL;
	rx.csum_ok = false; /* fragments are never vouched for */
	net.ip_reasm_ok++;
	/* Nothing reaches ipv4_reasm_input while the datagram is up: L4
	 * inputs only send, and sending never receives. */
	ipv4_deliver(&rx);
	held -= r->have;
	r->used = false;
}

void ipv4_reasm_input(struct netbuf *nb, const struct ipv4_hdr *h)
{
	struct view data = h->payload;
	size_t off = h->frag_off, end = off + data.len;
	struct reasm *r, *o;
	int c;

	/* RFC 791: all but the last carry a non-zero multiple of 8. */
	if ((h->mf && (data.len == 0 || data.len % 8)) ||
	    end > REASM_MAX_PAYLOAD || h->ihl + end > NET_REASM_BYTES ||
	    data.len == 0) {
		net.ev.reasm_bad++;
		net_drop(NET_DROP_IPV4_FRAGMENT, nb);
		return;
	}
	r = lookup(h);
	if ((!h->mf && r->last_seen && r->total != end) ||
	    (r->last_seen && end > r->total)) {
		net.ev.reasm_bad++;
		goto drop_datagram;
	}
	if (!h->mf && !r->last_seen && r->have) {
		/* A final end below bytes we hold is an overlap too. */
		size_t b;
		for (b = (end + 7) / 8; b < REASM_BLOCKS; b++)
			if (bit(r, b)) {
				net.ev.reasm_bad++;
				goto drop_datagram;
			}
	}
	c = collides(r, off, data);
	if (c > 0) {
		net.ev.reasm_dup++;
		netbuf_free(nb);
		return;
	}
	if (c < 0) {
		net.ev.reasm_overlap++;
		goto drop_datagram;
	}
	/* The byte budget: make room by evicting the oldest others. */
	while (held + data.len > NET_REASM_TOTAL && (o = oldest(r)) != NULL) {
		net.ev.reasm_evicted++;
		kill(o);
	}
	if (held + data.len > NET_REASM_TOTAL) {
		net.ev.reasm_evicted++;
		goto drop_datagram;
	}
	memcpy(r->buf + REASM_HDR + off, data.p, data.len);
	for (size_t b = off / 8; b <= (end - 1) / 8; b++)
		r->bits[b / 8] |= (uint8_t)(1u << (b % 8));
	r->have += (uint32_t)data.len;
	held += (uint32_t)data.len;
	if (!h->mf) {
		r->last_seen = true;
		r->total = (uint32_t)end;
	}
	if (off == 0) {
		/* Keep the header right before the payload (ihl <= 60). */
		r->first_seen = true;
		r->first = *h;
		memcpy(r->buf + REASM_HDR - h->ihl, nb->data, h->ihl);
	}
	netbuf_free(nb);
	if (r->first_seen && r->last_seen && r->have == r->total)
		complete(r);
	return;

drop_datagram:
	kill(r);
	net_drop(NET_DROP_IPV4_FRAGMENT, nb);
}

uint64_t ipv4_reasm_poll(uint64_t now)
{
	uint64_t next = UINT64_MAX;
	struct ipv4_rx rx;
	unsigned i;

	for (i = 0; i < NET_REASM_DATAGRAMS; i++) {
		struct reasm *r = &slots[i];

		if (!r->used)
			continue;
		if (now < r->deadline) {
			if (r->deadline < next)
				next = r->deadline;
			continue;
		}
		/* RFC 1122 3.3.2: time exceeded, if fragment zero came. */
		if (r->first_seen) {
			memset(&rx, 0, sizeof rx);
			rx.h = r->first;
			rx.h.payload = view_make(r->buf + REASM_HDR, 8);
			rx.dgram = view_make(r->buf + REASM_HDR - r->first.ihl,
					     r->first.ihl + 8u);
			rx.bcast = ipv4_is_bcast(r->dst);
			icmp_send_error(&rx, ICMP_TIME_EXCEEDED, 1);
		}
		net.ev.reasm_timeout++;
		kill(r);
	}
	return next;
}

unsigned ipv4_reasm_active(void)
{
	unsigned i, n = 0;

	for (i = 0; i < NET_REASM_DATAGRAMS; i++)
		n += slots[i].used;
	return n;
}

void ipv4_reasm_reset(void)
{
	unsigned i;

	for (i = 0; i < NET_REASM_DATAGRAMS; i++)
		slots[i].used = false;
	held = 0;
}
