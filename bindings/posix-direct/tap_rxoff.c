/*
 * Receive offload on a tap: what the kernel hands a tap that asked for
 * TUN_F_CSUM | TUN_F_TSO4 (netif_tap.c), turned back into the ordinary
 * frames Kiln's stack takes.
 *
 * Why: without offloads the kernel cuts every large TCP packet the Linux
 * side sends into MTU frames (skb_segment), computes each one's checksum,
 * and we read them one system call each -- most of what receiving costs
 * posix-direct. With them, one read brings up to 64 KiB of one TCP
 * connection; cutting it here is a copy of the payload into page buffers.
 *
 * No checksum pass at all: these packets never crossed a wire. The host
 * kernel made them and left their checksums to the device, so what a
 * checksum would guard against cannot have happened; the buffers say so
 * with csum_ok (netbuf.h) and the stack does not verify them. (The first
 * version completed every checksum here and the stack then verified it:
 * two passes over every byte received, about 1.5% of a DNS query's CPU
 * time.) Frames the host marks DATA_VALID, checked already, say so too.
 *
 * What arrives (a struct virtio_net_hdr in front of each frame):
 *  - gso_type TCPV4: one TCP/IPv4 packet of up to 64 KiB whose payload is
 *    to be cut into gso_size segments. Each segment gets the headers, the
 *    IPv4 total length, identification (counting up) and header checksum,
 *    its sequence number, FIN and PSH only on the last and CWR only on the
 *    first, as the kernel's own segmentation does; its TCP checksum field
 *    is left as it came (csum_ok).
 *  - NEEDS_CSUM without GSO: a locally made packet whose transport
 *    checksum holds only the pseudo-header sum; left so (csum_ok), once
 *    csum_start and csum_offset are seen to lie in the frame.
 *  - anything else: as it is.
 * A frame that claims an offload it does not match (another gso_type,
 * headers that do not parse, offsets out of the frame) is dropped and
 * counted: it came from the host kernel, so this is a bug, not an attack,
 * but it must not crash the appliance either.
 */
#include <linux/virtio_net.h>
#include <string.h>

#include <kiln/netbuf.h>

#include "../../lib/net/cksum.h"
#include "direct.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One frame into a fresh buffer at *tail; false when the pool is empty. */
static bool emit(const uint8_t *f, size_t len, bool csum_ok,
		 struct netbuf ***tail)
{
	struct netbuf *nb = netbuf_alloc();

	if (!nb)
		return false;
	memcpy(nb->data, f, len);
	nb->len = (uint32_t)len;
	nb->csum_ok = csum_ok;
	nb->next = NULL;
	**tail = nb;
	*tail = &nb->next;
	return true;
}

/* Whether a partial checksum's offsets lie in the frame. It is not
 * completed: the frame is the host's own, and csum_ok says so. */
static bool partial_ok(const struct virtio_net_hdr *vh, size_t len)
{
	size_t start = vh->csum_start, at = start + vh->csum_offset;

	return start < len && at + 2 <= len;
}

/* Cut a TCPV4 offload frame into segments of mss payload bytes. */
static unsigned cut(uint8_t *f, size_t len, size_t mss, struct netbuf ***tail,
		    struct tap_rxoff_stats *st)
{
	struct view fv = view_make(f, len);
	size_t ihl, thl, hl, payload;
	uint8_t *ip = f + 14, *tcp, seg[14 + 60 + 60], vihl, proto, doff;
	uint32_t seq;
	uint16_t type, id;
	unsigned n = 0;

	/* The headers through the checked view: a short or lying frame
	 * fails a read and is dropped. */
	if (!view_be16(fv, 12, &type) || type != 0x0800 || mss == 0 ||
	    !view_u8(fv, 14, &vihl) || !view_u8(fv, 14 + 9, &proto))
		goto bad;
	ihl = (size_t)(vihl & 0x0f) * 4;
	if (ihl < 20 || proto != 6 || !view_u8(fv, 14 + ihl + 12, &doff))
		goto bad;
	tcp = ip + ihl;
	thl = (size_t)(doff >> 4) * 4;
	hl = 14 + ihl + thl;
	if (thl < 20 || len < hl || !view_be32(fv, 14 + ihl + 4, &seq) ||
	    !view_be16(fv, 14 + 4, &id))
		goto bad;
	payload = len - hl;
	memcpy(seg, f, hl);
	for (size_t off = 0; off < payload || (payload == 0 && off == 0);
	     off += mss) {
		size_t k = payload - off < mss ? payload - off : mss;
		bool last = off + k >= payload;
		uint8_t *sip = seg + 14, *stcp = sip + ihl;
		struct netbuf *nb = netbuf_alloc();

		if (!nb) {
			st->nobuf++;
			break;
		}
		put16(sip + 2, (uint16_t)(ihl + thl + k));
		put16(sip + 4, (uint16_t)(id + n));
		put16(sip + 10, 0);
		put16(sip + 10, net_cksum(view_make(sip, ihl)));
		put32(stcp + 4, seq + (uint32_t)off);
		stcp[13] = tcp[13];
		if (!last)
			stcp[13] &= (uint8_t)~0x09; /* FIN, PSH: last only */
		if (off)
			stcp[13] &= (uint8_t)~0x80; /* CWR: first only */
		memcpy(nb->data, seg, hl);
		memcpy(nb->data + hl, f + hl + off, k);
		nb->len = (uint32_t)(hl + k);
		nb->csum_ok = true; /* TCP's checksum left as it came */
		nb->next = NULL;
		**tail = nb;
		*tail = &nb->next;
		n++;
		if (payload == 0)
			break;
	}
	st->cut++;
	return n;
bad:
	st->bad++;
	return 0;
}

unsigned tap_rxoff(const struct virtio_net_hdr *vh, uint8_t *f, size_t len,
		   size_t room, struct netbuf ***tail,
		   struct tap_rxoff_stats *st)
{
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_TCPV4) {
		if (vh->gso_size + 14u + 60 + 60 > room)
			goto bad; /* a segment would not fit a buffer */
		return cut(f, len, vh->gso_size, tail, st);
	}
	if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		goto bad;
	if (len > room)
		goto bad;
	if ((vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !partial_ok(vh, len))
		goto bad;
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		st->csum++;
	if (!emit(f, len,
		  vh->flags & (VIRTIO_NET_HDR_F_NEEDS_CSUM |
			       VIRTIO_NET_HDR_F_DATA_VALID),
		  tail)) {
		st->nobuf++;
		return 0;
	}
	return 1;
bad:
	st->bad++;
	return 0;
}
