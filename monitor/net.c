/*
 * Net devices: each is a tap opened by name, non-blocking, without the
 * packet-information header (IFF_TAP | IFF_NO_PI) but with a virtio-net
 * header (IFF_VNET_HDR) where the kernel allows, so one read or write
 * moves one whole Ethernet frame -- or, on send, one TCP segmentation
 * offload frame of up to 64 KiB (kvm_abi.h) that the kernel cuts. The guest
 * moves a batch of frames per hypercall because each exit costs microseconds,
 * and with NET_IO one exit per pass of its loop sends, receives and waits; the
 * monitor still makes one system call per frame (a tap has no batch interface),
 * as the no-work tap floor of bench/dns.sh does, plus the read that finds the
 * tap empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <kiln/tap_tso.h>

#include "monitor.h"

#define NET_MTU 1500

int net_open(struct dev *d)
{
	struct ifreq ifr;

	if (strlen(d->backend) >= IFNAMSIZ) {
		fprintf(stderr,
			"kiln-kvm: --net=%s: name too long for an "
			"interface\n",
			d->backend);
		return -1;
	}
	/*
	 * TUNSETIFF on a name that does not exist would create a fresh tap
	 * nobody configured: insist that the user's tap exists.
	 */
	if (if_nametoindex(d->backend) == 0) {
		fprintf(stderr,
			"kiln-kvm: --net=%s: no such interface (create "
			"it: ip tuntap add %s mode tap)\n",
			d->backend, d->backend);
		return -1;
	}
	d->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0) {
		fprintf(stderr, "kiln-kvm: --net=%s: /dev/net/tun: %s\n",
			d->backend, strerror(errno));
		return -1;
	}
	/*
	 * With a virtio-net header in front of every frame, the guest can
	 * hand over TCP segmentation offload frames (kvm_abi.h): one write
	 * of up to 64 KiB instead of forty. No receive offloads are asked
	 * for (no TUNSETOFFLOAD): the guest gets ordinary frames. A kernel
	 * that refuses the header gets the plain tap and no offload.
	 */
	int hs = (int)sizeof(struct virtio_net_hdr);
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", d->backend);
	d->vnet = ioctl(d->fd, TUNSETIFF, &ifr) == 0 &&
		  ioctl(d->fd, TUNSETVNETHDRSZ, &hs) == 0;
	/* No receive offloads, and say so: a tap keeps the offloads its last
	 * user set (posix-direct turns them on), and the guest's stack takes
	 * only ordinary, checksummed frames. */
	if (d->vnet && ioctl(d->fd, TUNSETOFFLOAD, 0ul) < 0) {
		fprintf(stderr, "kiln-kvm: --net=%s: TUNSETOFFLOAD: %s\n",
			d->backend, strerror(errno));
		return -1;
	}
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (!d->vnet && ioctl(d->fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "kiln-kvm: --net=%s: TUNSETIFF: %s%s\n",
			d->backend, strerror(errno),
			errno == EINVAL	 ? " (a tun, not a tap?)"
			: errno == EBUSY ? " (in use by another process?)"
					 : "");
		return -1;
	}
	/* A random locally administered unicast MAC for the guest. */
	if (getrandom(d->mac + 1, 5, 0) != 5) {
		fprintf(stderr, "kiln-kvm: getrandom: %s\n", strerror(errno));
		return -1;
	}
	d->mac[0] = 0x02;
	return 0;
}

static struct dev *net_dev(struct monitor *m, uint32_t i)
{
	return i < m->ndevs && m->devs[i].kind == KVM_DEV_NET ? &m->devs[i]
							      : NULL;
}

int net_poll(struct monitor *m, uint64_t timeout_ns, uint64_t *ready)
{
	struct pollfd pfd[KVM_MAX_DEVS];
	unsigned idx[KVM_MAX_DEVS], n = 0;
	struct timespec ts, *tp = NULL;
	int r;

	for (unsigned i = 0; i < m->ndevs; i++)
		if (m->devs[i].kind == KVM_DEV_NET) {
			pfd[n] = (struct pollfd){m->devs[i].fd, POLLIN, 0};
			idx[n++] = i;
		}
	if (timeout_ns != UINT64_MAX) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
		ts.tv_nsec = (long)(timeout_ns % 1000000000u);
		tp = &ts;
	}
	*ready = 0;
	r = ppoll(pfd, n, tp, NULL);
	if (r <= 0)
		return r < 0 && errno != EINTR ? -errno : 0;
	for (unsigned k = 0; k < n; k++)
		if (pfd[k].revents & POLLIN)
			*ready |= 1ull << idx[k];
	return 0;
}

void net_info(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_net_info q;
	void *p = hc_gpa(m, KVM_HC_NET_INFO, gpa, sizeof q);
	struct dev *d;

	memcpy(&q, p, sizeof q);
	d = net_dev(m, q.dev);
	q.ret = d ? 0 : -ENODEV;
	q.mtu = d ? NET_MTU : 0;
	q.tso_max = d && d->vnet ? KVM_NET_TSO_MAX : 0;
	memcpy(q.mac, d ? d->mac : (const uint8_t[6]){0}, 6);
	memcpy(p, &q, sizeof q);
}

/*
 * The frame table of a batch, copied out of the guest, and every frame's
 * buffer checked, before any frame moves: a bad batch ends the guest with
 * nothing half done.
 */
static void frames_in(struct monitor *m, unsigned call, bool tx,
		      const struct dev *d, uint32_t count, uint64_t gpa,
		      struct kvm_frame *f, uint8_t **buf)
{
	uint64_t max = d->vnet ? 14 + KVM_NET_TSO_MAX : KVM_NET_FRAME_MAX;

	if (count > KVM_NET_BATCH_MAX)
		hc_refuse(m, call, "batch of %" PRIu32 " frames (max %u)",
			  count, KVM_NET_BATCH_MAX);
	if (count == 0)
		return;
	memcpy(f, hc_gpa(m, call, gpa, (uint64_t)count * sizeof *f),
	       count * sizeof *f);
	for (uint32_t i = 0; i < count; i++) {
		uint64_t len = f[i].len;
		if (tx && len > max)
			hc_refuse(m, call,
				  "frame %" PRIu32 " of %" PRIu64
				  " bytes (max %" PRIu64 ")",
				  i, len, max);
		if (tx && i == count - 1 && (f[i].cap & KVM_FRAME_MORE))
			hc_refuse(m, call,
				  "frame %" PRIu32 " goes on past the batch",
				  i);
		if (!tx) {
			len = f[i].cap;
			if (len < KVM_NET_FRAME_MAX)
				hc_refuse(m, call,
					  "frame %" PRIu32 " with "
					  "room for %" PRIu64 " bytes (min %u)",
					  i, len, KVM_NET_FRAME_MAX);
		}
		buf[i] = hc_gpa(m, call, f[i].addr, len);
	}
}

/*
 * The virtio-net header of a frame starting with entry p (len bytes in
 * it): zero for a plain frame; for an offload frame (kvm_abi.h) the
 * header lengths read from the Ethernet, IPv4 and TCP headers, which must
 * lie in this entry. False for an offload frame that is not one.
 */
static bool vnet_hdr(const uint8_t *p, uint32_t len, uint32_t flags,
		     struct virtio_net_hdr *vh)
{
	uint16_t mss = (uint16_t)(flags & 0xffffu);

	memset(vh, 0, sizeof *vh);
	return mss == 0 || tap_tso_hdr(p, len, mss, vh);
}

/* Frames up to this size are copied and sent with write(2) (below). */
#define TX_COPY_MAX 2048u
static uint8_t txb[sizeof(struct virtio_net_hdr) + TX_COPY_MAX];

/*
 * Writes a checked send batch to d's tap, a frame (its entries chained by
 * KVM_FRAME_MORE) per write; fills q->sent (frames) and q->ret. A frame
 * that breaks kvm_abi.h's rules is dropped and counted (d->bad): the
 * guest is only hurting itself.
 */
static void send_frames(struct dev *d, struct kvm_hc_net_send *q,
			const struct kvm_frame *f, uint8_t *const *buf)
{
	struct iovec iov[1 + KVM_NET_BATCH_MAX];

	for (uint32_t i = 0; i < q->count;) {
		struct virtio_net_hdr vh;
		uint32_t j = i, k = 0;
		uint64_t total = 0;
		bool ok;

		ok = vnet_hdr(buf[i], f[i].len, f[i].cap, &vh) &&
		     (d->vnet || (f[i].cap & 0xffffu) == 0);
		if (d->vnet)
			iov[k++] = (struct iovec){&vh, sizeof vh};
		for (;;) {
			iov[k++] = (struct iovec){buf[j], f[j].len};
			total += f[j].len;
			if (!(f[j].cap & KVM_FRAME_MORE))
				break;
			j++; /* frames_in: the last entry has no MORE */
		}
		if (vh.gso_size == 0 && total > KVM_NET_FRAME_MAX)
			ok = false;
		if (vh.gso_size && total > 14 + KVM_NET_TSO_MAX)
			ok = false;
		if (!ok) {
			d->bad++;
			i = j + 1;
			continue;
		}
		ssize_t w;
		if (k == 2 && d->vnet && total <= TX_COPY_MAX) {
			/* A small frame: copied behind its header and sent
			 * with one write(2), which costs the kernel less
			 * than importing a two-piece iovec. */
			memcpy(txb, &vh, sizeof vh);
			memcpy(txb + sizeof vh, buf[i], total);
			w = write(d->fd, txb, sizeof vh + total);
		} else {
			w = writev(d->fd, iov, (int)k);
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w >= 0) {
			q->sent++;
		} else if (errno == EAGAIN || errno == ENOBUFS) {
			d->drops++; /* the tap's queue is full: like a wire */
		} else {
			q->ret = -errno;
			break;
		}
		i = j + 1;
	}
}

/* A received frame's header and bytes (KVM_NET_FRAME_MAX and room for a
 * larger MTU's, up to one page-sized guest buffer and more). */
#define RX_ROOM 65536u
static uint8_t rxb[sizeof(struct virtio_net_hdr) + RX_ROOM];

/*
 * Reads frames from d's tap into a checked receive batch until it is
 * full or the tap has no more (one read past the last frame, which says
 * EAGAIN); adds to q->received and sets the lens in f.
 */
static void recv_frames(struct dev *d, struct kvm_hc_net_recv *q,
			struct kvm_frame *f, uint8_t *const *buf)
{
	while (q->received < q->count) {
		uint8_t *dst = buf[q->received];
		size_t cap = f[q->received].cap;
		ssize_t k;

		if (d->vnet) {
			/* Into rxb, header first, then a copy of the frame:
			 * for the small frames that dominate a busy server
			 * the copy is cheaper than a readv's iovec. Room as
			 * before: a frame longer than cap is cut at cap. */
			size_t room = cap < RX_ROOM ? cap : RX_ROOM;
			k = read(d->fd, rxb,
				 sizeof(struct virtio_net_hdr) + room);
			if (k >= (ssize_t)sizeof(struct virtio_net_hdr)) {
				k -= (ssize_t)sizeof(struct virtio_net_hdr);
				memcpy(dst, rxb + sizeof(struct virtio_net_hdr),
				       (size_t)k);
			} else if (k >= 0) {
				continue; /* cannot happen: the tap puts a
					     header on each frame */
			}
		} else {
			k = read(d->fd, dst, cap);
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			if (errno != EAGAIN)
				q->ret = -errno;
			break;
		}
		f[q->received++].len = (uint32_t)k;
	}
}

/* Whether d's tap has a frame queued, without waiting. */
static int has_input(const struct dev *d)
{
	struct pollfd pfd = {d->fd, POLLIN, 0};
	struct timespec zero = {0, 0};

	return ppoll(&pfd, 1, &zero, NULL) > 0 && (pfd.revents & POLLIN);
}

/* Only the len fields change; the table was checked by frames_in. */
static void frames_out(struct monitor *m, unsigned call, uint32_t count,
		       uint64_t gpa, const struct kvm_frame *f)
{
	if (count)
		memcpy(hc_gpa(m, call, gpa, (uint64_t)count * sizeof *f), f,
		       count * sizeof *f);
}

void net_send(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_net_send q;
	struct kvm_frame f[KVM_NET_BATCH_MAX];
	uint8_t *buf[KVM_NET_BATCH_MAX];
	void *p = hc_gpa(m, KVM_HC_NET_SEND, gpa, sizeof q);
	struct dev *d;

	memcpy(&q, p, sizeof q);
	q.sent = 0;
	q.ret = 0;
	d = net_dev(m, q.dev);
	if (!d) {
		q.ret = -ENODEV;
		memcpy(p, &q, sizeof q);
		return;
	}
	frames_in(m, KVM_HC_NET_SEND, true, d, q.count, q.frames, f, buf);
	send_frames(d, &q, f, buf);
	memcpy(p, &q, sizeof q);
}

void net_recv(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_net_recv q;
	struct kvm_frame f[KVM_NET_BATCH_MAX];
	uint8_t *buf[KVM_NET_BATCH_MAX];
	void *p = hc_gpa(m, KVM_HC_NET_RECV, gpa, sizeof q);
	struct dev *d;

	memcpy(&q, p, sizeof q);
	q.received = q.more = 0;
	q.ret = 0;
	d = net_dev(m, q.dev);
	if (!d) {
		q.ret = -ENODEV;
		memcpy(p, &q, sizeof q);
		return;
	}
	frames_in(m, KVM_HC_NET_RECV, false, d, q.count, q.frames, f, buf);
	recv_frames(d, &q, f, buf);
	d->rx_calls++;
	d->rx_frames += q.received;
	if (q.received == q.count && q.count)
		q.more = has_input(d);
	frames_out(m, KVM_HC_NET_RECV, q.count, q.frames, f);
	memcpy(p, &q, sizeof q);
}

/*
 * Receive coalescing, as a NIC moderates its interrupts: each exit costs
 * the guest far more than a frame does (tens of microseconds on nested
 * KVM, a few on bare metal), so under load the monitor lets frames
 * gather before it gives them to the guest. Under load means the last
 * NET_IO already received COALESCE_BUSY frames or more and this one some
 * but not a full batch; then it sleeps for the window (--coalesce) and
 * reads again. A guest that said not to wait (timeout 0: it has work
 * queued) is not held, nor past its next timer. At low load a frame
 * goes to the guest at once: a lone query or a TCP handshake waits for
 * nothing. Whether to receive again.
 */
#define COALESCE_BUSY 4

static bool coalesce(const struct monitor *m, struct dev *d,
		     const struct kvm_hc_net_io *q)
{
	uint64_t ns = m->coalesce_ns;
	struct timespec ts;

	if (ns == 0 || d->last_rx < COALESCE_BUSY || q->rx.received == 0 ||
	    q->rx.received == q->rx.count || q->rx.ret || q->timeout_ns == 0)
		return false;
	if (ns > q->timeout_ns)
		ns = q->timeout_ns;
	ts = (struct timespec){0, (long)ns};
	ppoll(NULL, 0, &ts, NULL); /* an interruption just ends it early */
	d->held++;
	return true;
}

/*
 * NET_IO: send, receive, and wait only when nothing came. Both tables are
 * checked before anything moves, as for the single calls. A tap that
 * has frames left is not polled again: the receive stopped short of
 * EAGAIN only because the batch was full, and `more` says so.
 */
void net_io(struct monitor *m, uint32_t gpa)
{
	struct kvm_hc_net_io q;
	struct kvm_frame tf[KVM_NET_BATCH_MAX], rf[KVM_NET_BATCH_MAX];
	uint8_t *tb[KVM_NET_BATCH_MAX], *rb[KVM_NET_BATCH_MAX];
	void *p = hc_gpa(m, KVM_HC_NET_IO, gpa, sizeof q);
	struct dev *td = NULL, *rd = NULL;
	uint64_t bit;

	memcpy(&q, p, sizeof q);
	q.ready = 0;
	q.tx.sent = 0;
	q.tx.ret = 0;
	q.rx.received = q.rx.more = 0;
	q.rx.ret = 0;
	if (q.tx.count && !(td = net_dev(m, q.tx.dev)))
		q.tx.ret = -ENODEV;
	if (q.rx.count && !(rd = net_dev(m, q.rx.dev)))
		q.rx.ret = -ENODEV;
	if (td)
		frames_in(m, KVM_HC_NET_IO, true, td, q.tx.count, q.tx.frames,
			  tf, tb);
	if (rd)
		frames_in(m, KVM_HC_NET_IO, false, rd, q.rx.count, q.rx.frames,
			  rf, rb);
	if (td)
		send_frames(td, &q.tx, tf, tb);
	if (!rd) {
		if (q.rx.ret == 0)
			net_poll(m, q.timeout_ns, &q.ready);
		memcpy(p, &q, sizeof q);
		return;
	}
	bit = 1ull << q.rx.dev;
	recv_frames(rd, &q.rx, rf, rb);
	if (coalesce(m, rd, &q))
		recv_frames(rd, &q.rx, rf, rb);
	if (q.rx.received == 0 && q.rx.ret == 0 && q.timeout_ns) {
		net_poll(m, q.timeout_ns, &q.ready);
		if (q.ready & bit)
			recv_frames(rd, &q.rx, rf, rb);
	} else if (m->nnet > 1) {
		net_poll(m, 0, &q.ready); /* the other devices */
	}
	if (q.rx.received == q.rx.count)
		q.rx.more = has_input(rd);
	q.ready = (q.ready & ~bit) | (q.rx.more ? bit : 0);
	rd->last_rx = q.rx.received;
	rd->rx_calls++;
	rd->rx_frames += q.rx.received;
	if (q.rx.received)
		frames_out(m, KVM_HC_NET_IO, q.rx.count, q.rx.frames, rf);
	memcpy(p, &q, sizeof q);
}

/* With --prof: how many frames each receiving exit brought, and how
 * often the coalescing window held them. */
void net_prof_report(const struct monitor *m)
{
	for (unsigned i = 0; i < m->ndevs; i++) {
		const struct dev *d = &m->devs[i];

		if (d->kind != KVM_DEV_NET)
			continue;
		fprintf(stderr,
			"kiln-kvm: %s: %" PRIu64 " frames received in %" PRIu64
			" exits (%.1f each), %" PRIu64
			" held for the coalescing window (%" PRIu64 " us)\n",
			d->name, d->rx_frames, d->rx_calls,
			d->rx_calls ? (double)d->rx_frames / (double)d->rx_calls
				    : 0.0,
			d->held, m->coalesce_ns / 1000);
	}
}

/* At exit: frames the guest sent that a full tap queue dropped, and
 * offload frames that broke kvm_abi.h's rules. */
void net_report(const struct monitor *m)
{
	for (unsigned i = 0; i < m->ndevs; i++) {
		const struct dev *d = &m->devs[i];

		if (d->kind != KVM_DEV_NET)
			continue;
		if (d->drops)
			fprintf(stderr,
				"kiln-kvm: %s (tap %s): %" PRIu64 " frames "
				"dropped on send: the tap's queue was full\n",
				d->name, d->backend, d->drops);
		if (d->bad)
			fprintf(stderr,
				"kiln-kvm: %s (tap %s): %" PRIu64 " frames "
				"refused: not the offload frames they said\n",
				d->name, d->backend, d->bad);
	}
}
