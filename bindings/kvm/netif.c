/*
 * Net devices on the kvm target: the NET_* hypercalls, one struct netif
 * per `device net` of the manifest, with Kiln's stack (lib/net) on top.
 *
 * Each exit costs 10-20 us here (nested, software KVM), more than the
 * whole of the stack's work for a batch of frames, so the steady state
 * is one exit per pass of the loop: NET_IO (kvm_abi.h), which sends what
 * the stack handed over since the last one, receives a batch, and waits
 * for input only when none came.
 *  - send: the stack's chains are queued, up to KVM_NET_BATCH_MAX entries (a
 * frame each, or an offload frame's pieces) described in one struct kvm_frame
 * array (their addresses are the netbufs' data: guest memory is identity
 * mapped), and go with the next NET_IO, which plat_wait makes before the loop
 * can wait. A full queue or a pool running low is sent at once with NET_SEND;
 * so is every queue at exit. The monitor copies the frames to the tap before
 * the call returns, so every buffer is freed right after it; frames it could
 * not write are counted (tx_drops) and gone, as netif.h allows.
 *  - receive: each device keeps a standing array of NET_RX_RING empty
 *    netbufs described in its own struct kvm_frame array. The filled
 *    ones are chained and given to the stack in one input call (so the
 *    answers to a burst leave as one batch, with the next NET_IO), and
 *    only their slots are refilled. No buffer is allocated and freed
 *    again per call: that churn once cost more than the frames.
 * With the pool empty, frames are still drained into a small discard
 * area (and counted) so that a device that stays ready cannot make the
 * loop spin on exits that move nothing.
 *
 * The first net device rides plat_wait's NET_IO; another one that has
 * input gets a NET_IO of its own (timeout 0), its queue flushed by it.
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

#define NET_MAX_DEVS 4
#define NET_RX_ROOM  (NETBUF_SIZE - NETBUF_HEADROOM)
#define NET_DISCARD  4	 /* frames drained per call with the pool empty */
#define NET_RX_RING  128 /* receive buffers each device holds ready */

struct kvm_net {
	struct netif nif;
	unsigned dev; /* boot-order index: the hypercalls' dev, POLL's bit */
	/* rx[0..rx_ready) hold empty buffers, described in rx_frames */
	struct netbuf *rx[NET_RX_RING];
	struct kvm_frame rx_frames[NET_RX_RING];
	unsigned rx_ready;
	/* tx[0..tx_n): frames queued for the next exit, described by
	 * tx_frames[0..tx_e): one entry per buffer, an offload frame's
	 * pieces chained with KVM_FRAME_MORE (kvm_abi.h) */
	struct netbuf *tx[KVM_NET_BATCH_MAX];
	struct kvm_frame tx_frames[KVM_NET_BATCH_MAX];
	unsigned tx_n, tx_e;
	uint64_t rx_nobuf, rx_early, tx_toobig, tx_unsent;
};

static struct kvm_net nets[NET_MAX_DEVS];
static unsigned nnets;
static struct kvm_net *by_dev[KVM_MAX_DEVS];

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
	/* Offload frames go as chained entries of one batch. */
	n->nif.tso_max =
		info.tso_max > KVM_NET_TSO_MAX ? KVM_NET_TSO_MAX : info.tso_max;
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

/* The monitor sent the queue's first `sent` frames: count, free all. */
static void tx_done(struct kvm_net *n, uint32_t sent)
{
	struct netif *nif = &n->nif;

	/* The monitor sends in order: the first `sent` went out. */
	for (unsigned k = 0; k < n->tx_n; k++) {
		if (k < sent) {
			nif->tx_frames++;
			nif->tx_bytes += netbuf_frame_len(n->tx[k]);
			if (n->tx[k]->gso_size)
				nif->tx_offload++;
		} else {
			n->tx_unsent++;
			nif->tx_drops++;
		}
		netbuf_free(n->tx[k]);
	}
	n->tx_n = n->tx_e = 0;
}

/* The queue now, with a NET_SEND of its own. */
static void tx_flush(struct kvm_net *n)
{
	struct kvm_hc_net_send s = {
		.dev = n->dev,
		.count = n->tx_e,
		.frames = (uint64_t)(uintptr_t)n->tx_frames,
	};

	if (n->tx_n == 0)
		return;
	kvm_hypercall(KVM_HC_NET_SEND, &s);
	tx_done(n, s.ret < 0 || s.sent > s.count ? 0 : s.sent);
}

/*
 * Queue the chain for the next exit. A full queue goes at once, and so
 * does one holding more than a quarter of the pool: in a small VM the
 * stack needs buffers to go on with.
 */
static unsigned net_send(struct netif *nif, struct netbuf *chain)
{
	struct kvm_net *n = (struct kvm_net *)nif;
	unsigned accepted = 0;

	while (chain) {
		struct netbuf *nb = chain;
		unsigned pieces = 0;
		size_t len = 0;

		chain = nb->next;
		nb->next = NULL;
		for (struct netbuf *p = nb; p; p = p->frag) {
			pieces++;
			len += p->len;
		}
		if (nb->len == 0 || pieces > KVM_NET_BATCH_MAX ||
		    (nb->gso_size ? len > 14u + nif->tso_max
				  : len > KVM_NET_FRAME_MAX)) {
			n->tx_toobig++;
			nif->tx_drops++;
			netbuf_free(nb);
			continue;
		}
		if (n->tx_e + pieces > KVM_NET_BATCH_MAX)
			tx_flush(n);
		for (struct netbuf *p = nb; p; p = p->frag) {
			struct kvm_frame *f = &n->tx_frames[n->tx_e++];

			f->addr = (uint64_t)(uintptr_t)p->data;
			f->len = p->len;
			f->cap = (p->frag ? KVM_FRAME_MORE : 0) |
				 (p == nb ? KVM_FRAME_GSO(nb->gso_size) : 0);
		}
		n->tx[n->tx_n++] = nb;
		accepted++;
	}
	if (n->tx_e > netbuf_total() / 4)
		tx_flush(n);
	return accepted;
}

void kvm_net_flush(void)
{
	for (unsigned k = 0; k < nnets; k++)
		tx_flush(&nets[k]);
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

/*
 * The first `got` slots were filled: chain them (or drop them before the
 * stack is attached) and close the ring up. Returns the chain.
 */
static struct netbuf *rx_take(struct kvm_net *n, unsigned got)
{
	struct netbuf *head = NULL, **tail = &head;

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
		*tail = nb;
		tail = &nb->next;
	}
	/* Fill the holes at the front with the last untouched buffers, so
	 * that rx[0..rx_ready) stays contiguous: O(got), order is free. */
	for (unsigned k = 0, last = n->rx_ready; k < got && last > got; k++) {
		last--;
		n->rx[k] = n->rx[last];
		n->rx_frames[k] = n->rx_frames[last];
	}
	n->rx_ready -= got;
	return head;
}

/*
 * One NET_IO on n: its queue out, a batch in (given to the stack, whose
 * answers queue up for the next exit), waiting up to timeout_ns when
 * nothing came. Returns the monitor's ready mask.
 */
static uint64_t net_io(struct kvm_net *n, uint64_t timeout_ns)
{
	struct kvm_hc_net_io q = {
		.timeout_ns = timeout_ns,
		.tx = {.dev = n->dev,
		       .count = n->tx_e,
		       .frames = (uint64_t)(uintptr_t)n->tx_frames},
		.rx = {.dev = n->dev,
		       .frames = (uint64_t)(uintptr_t)n->rx_frames},
	};
	bool drain;
	unsigned got;
	struct netbuf *chain;

	rx_refill(n);
	drain = n->rx_ready == 0;
	if (drain) {
		for (unsigned k = 0; k < NET_DISCARD; k++) {
			discard_frames[k].addr =
				(uint64_t)(uintptr_t)discard[k];
			discard_frames[k].len = 0;
			discard_frames[k].cap = KVM_NET_FRAME_MAX;
		}
		q.rx.count = NET_DISCARD;
		q.rx.frames = (uint64_t)(uintptr_t)discard_frames;
	} else {
		q.rx.count = n->rx_ready;
	}
	kvm_hypercall(KVM_HC_NET_IO, &q);
	tx_done(n, q.tx.ret < 0 || q.tx.sent > q.tx.count ? 0 : q.tx.sent);
	got = q.rx.ret < 0 || q.rx.received > q.rx.count ? 0 : q.rx.received;
	if (drain) {
		n->rx_nobuf += got;
		n->nif.rx_drops += got;
		return q.ready;
	}
	chain = rx_take(n, got);
	if (chain)
		n->nif.input(&n->nif, chain, n->nif.input_arg);
	return q.ready;
}

uint64_t kvm_net_wait(uint64_t timeout_ns)
{
	/* Another device's queue cannot ride this exit: its own call. */
	for (unsigned k = 1; k < nnets; k++)
		tx_flush(&nets[k]);
	/* Frames left on the first device come with the next pass's
	 * NET_IO, which takes them before it would wait: timers and
	 * deferred calls run in between, and no exit is added. */
	return net_io(&nets[0], timeout_ns) & ~(1ull << nets[0].dev);
}

bool kvm_net_any(void)
{
	return nnets > 0;
}

void kvm_net_ready(unsigned i)
{
	struct kvm_net *n = i < KVM_MAX_DEVS ? by_dev[i] : NULL;

	if (n)
		(void)net_io(n, 0);
}
