/*
 * Net devices on the kvm target: the NET_* hypercalls, one struct netif
 * per `device net` of the manifest, with Kiln's stack (lib/net) on top.
 *
 * Each exit costs microseconds here, so frames move in batches of up to
 * KVM_NET_BATCH_MAX per hypercall both ways:
 *  - send: the stack hands over a chain; we describe up to 64 frames in
 *    one array of struct kvm_frame (their addresses are the netbufs'
 *    data: guest memory is identity mapped) and make one NET_SEND. The
 *    monitor copies the frames to the tap before it returns, so every
 *    buffer is freed right after the call; frames it could not write are
 *    counted (tx_drops) and gone, as netif.h allows.
 *  - receive: each device keeps a standing array of NET_RX_RING empty
 *    netbufs described in its own struct kvm_frame array. When POLL says
 *    the device has input, one NET_RECV fills the first `received` of
 *    them; those are chained and given to the stack in one input call (so
 *    the answers to a burst also leave as one batch), and only their slots
 *    are refilled. No buffer is allocated and freed again per call: where
 *    KVM emulates guest code every instruction costs about a microsecond,
 *    and churning 64 buffers per frame received was most of the cost.
 *    While the monitor says `more`, we go again, at most NET_RX_PASSES
 *    times, then let the loop run timers.
 * With the pool empty, frames are still drained into a small discard
 * area (and counted) so that a device that stays ready cannot make the
 * loop spin on POLL exits.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/loop.h>
#include <kiln/netbuf.h>
#include <kiln/netif.h>

#include "../../lib/libc/libc.h"
#include "kvm.h"

#define NET_MAX_DEVS  4
#define NET_RX_PASSES 2
#define NET_RX_ROOM   (NETBUF_SIZE - NETBUF_HEADROOM)
#define NET_DISCARD   4	 /* frames drained per call with the pool empty */
#define NET_RX_RING   32 /* receive buffers each device holds ready */

struct kvm_net {
	struct netif nif;
	unsigned dev; /* boot-order index: the hypercalls' dev, POLL's bit */
	/* rx[0..rx_ready) hold empty buffers, described in rx_frames */
	struct netbuf *rx[NET_RX_RING];
	struct kvm_frame rx_frames[NET_RX_RING];
	unsigned rx_ready;
	uint64_t rx_nobuf, rx_early, tx_toobig, tx_unsent;
};

static struct kvm_net nets[NET_MAX_DEVS];
static unsigned nnets;
static struct kvm_net *by_dev[KVM_MAX_DEVS];

/* The send batch's descriptors: used only inside one net_send. */
static struct kvm_frame frames[KVM_NET_BATCH_MAX];
static struct netbuf *bufs[KVM_NET_BATCH_MAX];
/* Where frames go when the pool is empty. */
static struct kvm_frame discard_frames[NET_DISCARD];
static uint8_t discard[NET_DISCARD][KVM_NET_FRAME_MAX];

static unsigned net_send(struct netif *nif, struct netbuf *chain);

static const struct netif_ops net_ops = {
	.send = net_send,
};

int kvm_net_open(unsigned i, const struct kvm_boot_dev *d, char *why,
		 size_t whylen)
{
	struct kvm_hc_net_info info = {.dev = i};
	struct kvm_net *n;

	if (nnets == NET_MAX_DEVS) {
		snprintf(why, whylen, "too many net devices (max %d)",
			 NET_MAX_DEVS);
		return -1;
	}
	kvm_hypercall(KVM_HC_NET_INFO, &info);
	if (info.ret < 0) {
		snprintf(why, whylen, "the monitor has no backend for it (%s)",
			 strerror(-info.ret));
		return -1;
	}
	n = &nets[nnets++];
	n->dev = i;
	n->nif.ops = &net_ops;
	n->nif.name = d->name;
	memcpy(n->nif.mac, info.mac, sizeof n->nif.mac);
	n->nif.mtu = info.mtu ? info.mtu : 1500;
	by_dev[i] = n;
	/* The device can produce frames for as long as the image runs. */
	loop_ref();
	return 0;
}

/*
 * TCP's pools (connections, send buffers) take half of the heap that is
 * left once the network buffer pool has its quarter (main.c), unless the
 * image's keys size them: the guest's memory is chosen when it starts
 * (kiln-kvm --mem), after the image was built, so only the guest knows
 * it. The other half stays for the appliance. In 4 MiB that is about
 * 1.3 MiB: some 390 connections and 170 send chunks.
 */
int kvm_net_attach_all(char *why, size_t whylen)
{
	size_t pool_mem = libc_heap_free() / 2;

	for (unsigned k = 0; k < nnets; k++) {
		struct netif *nif = &nets[k].nif;
		int err = kvm_gen_net_attach(nif, pool_mem);
		if (err < 0) {
			snprintf(why, whylen, "device %s (net): %s", nif->name,
				 strerror(-err));
			return -1;
		}
		log_info("%s: mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u",
			 nif->name, nif->mac[0], nif->mac[1], nif->mac[2],
			 nif->mac[3], nif->mac[4], nif->mac[5], nif->mtu);
	}
	return 0;
}

bool kvm_net_is(unsigned i)
{
	return i < KVM_MAX_DEVS && by_dev[i];
}

/* One NET_SEND for frames[0..count); returns how many the monitor sent. */
static unsigned send_batch(struct kvm_net *n, unsigned count)
{
	struct kvm_hc_net_send s = {
		.dev = n->dev,
		.count = count,
		.frames = (uint64_t)(uintptr_t)frames,
	};

	kvm_hypercall(KVM_HC_NET_SEND, &s);
	if (s.ret < 0 || s.sent > count)
		s.sent = 0;
	return s.sent;
}

static unsigned net_send(struct netif *nif, struct netbuf *chain)
{
	struct kvm_net *n = (struct kvm_net *)nif;
	unsigned accepted = 0;

	while (chain) {
		unsigned count = 0, sent;

		while (chain && count < KVM_NET_BATCH_MAX) {
			struct netbuf *nb = chain;
			chain = nb->next;
			nb->next = NULL;
			if (nb->len == 0 || nb->len > KVM_NET_FRAME_MAX) {
				n->tx_toobig++;
				nif->tx_drops++;
				netbuf_free(nb);
				continue;
			}
			frames[count].addr = (uint64_t)(uintptr_t)nb->data;
			frames[count].len = nb->len;
			frames[count].cap = 0;
			bufs[count++] = nb;
		}
		if (count == 0)
			break;
		sent = send_batch(n, count);
		/* The monitor sends in order: the first `sent` went out. */
		for (unsigned k = 0; k < count; k++) {
			if (k < sent) {
				nif->tx_frames++;
				nif->tx_bytes += bufs[k]->len;
			} else {
				n->tx_unsent++;
				nif->tx_drops++;
			}
			netbuf_free(bufs[k]);
		}
		accepted += sent;
	}
	return accepted;
}

/*
 * Fill the empty receive slots from the pool, in order, stopping at the
 * first the pool cannot fill: rx[0..rx_ready) must stay contiguous, since
 * it is one array to the monitor. Standing buffers never take the pool
 * below half (in a small VM the pool is small, and the stack needs
 * buffers to answer with); one slot is always worth filling.
 */
static void rx_refill(struct kvm_net *n)
{
	while (n->rx_ready < NET_RX_RING) {
		struct netbuf *nb;

		if (n->rx_ready > 0 && netbuf_avail() <= netbuf_total() / 2)
			return;
		nb = netbuf_alloc();
		if (!nb)
			return;
		n->rx[n->rx_ready] = nb;
		n->rx_frames[n->rx_ready].addr = (uint64_t)(uintptr_t)nb->data;
		n->rx_frames[n->rx_ready].len = 0;
		n->rx_frames[n->rx_ready].cap = NET_RX_ROOM;
		n->rx_ready++;
	}
}

/* With the pool empty: drain a few frames, counted and dropped. */
static bool rx_discard(struct kvm_net *n)
{
	struct kvm_hc_net_recv r = {
		.dev = n->dev,
		.count = NET_DISCARD,
		.frames = (uint64_t)(uintptr_t)discard_frames,
	};

	for (unsigned k = 0; k < NET_DISCARD; k++) {
		discard_frames[k].addr = (uint64_t)(uintptr_t)discard[k];
		discard_frames[k].len = 0;
		discard_frames[k].cap = KVM_NET_FRAME_MAX;
	}
	kvm_hypercall(KVM_HC_NET_RECV, &r);
	if (r.ret < 0 || r.received > NET_DISCARD)
		return false;
	n->rx_nobuf += r.received;
	n->nif.rx_drops += r.received;
	return r.more;
}

/*
 * One NET_RECV into the ready slots. The filled ones go on *tail (or are
 * dropped before the stack is attached); the other slots keep their
 * buffers. Returns the monitor's `more`.
 */
static bool recv_batch(struct kvm_net *n, struct netbuf ***tail)
{
	struct kvm_hc_net_recv r = {
		.dev = n->dev,
		.frames = (uint64_t)(uintptr_t)n->rx_frames,
	};
	unsigned got;

	rx_refill(n);
	if (n->rx_ready == 0)
		return rx_discard(n);
	r.count = n->rx_ready;
	kvm_hypercall(KVM_HC_NET_RECV, &r);
	if (r.ret < 0 || r.received > r.count)
		return false;
	got = r.received;
	for (unsigned k = 0; k < got; k++) {
		struct netbuf *nb = n->rx[k];
		uint32_t len = n->rx_frames[k].len;

		if (!n->nif.input || len > NET_RX_ROOM) {
			n->rx_early++;
			n->nif.rx_drops++;
			netbuf_free(nb);
			continue;
		}
		nb->len = len;
		n->nif.rx_frames++;
		n->nif.rx_bytes += len;
		**tail = nb;
		*tail = &nb->next;
	}
	/* Fill the holes at the front with the last untouched buffers, so
	 * that rx[0..rx_ready) stays contiguous: O(got), order is free. */
	for (unsigned k = 0, last = n->rx_ready; k < got && last > got; k++) {
		last--;
		n->rx[k] = n->rx[last];
		n->rx_frames[k] = n->rx_frames[last];
	}
	n->rx_ready -= got;
	return r.more;
}

void kvm_net_ready(unsigned i)
{
	struct kvm_net *n = i < KVM_MAX_DEVS ? by_dev[i] : NULL;

	if (!n)
		return;
	for (int pass = 0; pass < NET_RX_PASSES; pass++) {
		struct netbuf *head = NULL, **tail = &head;
		bool more = recv_batch(n, &tail);

		if (head)
			n->nif.input(&n->nif, head, n->nif.input_arg);
		if (!more)
			break;
	}
}
