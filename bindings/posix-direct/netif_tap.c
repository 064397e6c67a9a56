/*
 * posix-direct's net devices: Linux tap devices, one per `device net` of
 * the manifest, opened by name (--net TAP) and driven on the posix epoll
 * loop. Frames are whole Ethernet II frames (IFF_TAP | IFF_NO_PI: no packet
 * information header in front).
 *
 * The cost, honestly: a tap moves one frame per system call in each
 * direction. It has no recvmmsg/sendmmsg (those are socket calls; a tap fd
 * is a character device) and no batched read. What we batch is everything
 * around the calls: one epoll wakeup drains up to TAP_RX_BATCH frames and
 * hands them to the stack as one chain (one input call, so the answers to
 * a burst leave as one transmit batch), and the stack hands us whole
 * transmit batches. On this project's machines a read plus a write costs
 * about 5.2 µs per frame pair (shared/NOTES.md), which bounds a tap-based
 * appliance near 200k frames/s per core whatever the stack does. The
 * vhost-net or AF_XDP paths that avoid it are for other targets.
 *
 * What the tap does give us is segmentation offload on transmit: opened
 * with IFF_VNET_HDR, every frame in each direction carries a virtio-net
 * header in front, and a frame we write may be one TCP segment of up to
 * 64 KiB (the stack's offload frames, netbuf.h) that the kernel cuts into
 * MTU-sized segments itself, or -- when it goes to a local socket through
 * a bridge, as in our tests and benchmarks -- delivers whole. One write
 * then moves forty segments' worth. On receive we ask for no offloads
 * (no TUNSETOFFLOAD), so the kernel hands us ordinary, checksummed frames
 * and our header is all zeros; we skip it. A kernel without IFF_VNET_HDR
 * gets the plain tap and the stack sends MTU frames.
 *
 * Writes that find the tap's queue full (EAGAIN) drop the frame and count
 * it, as netif.h asks: the stack's retransmission covers TCP, UDP may lose.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <net/if.h> /* before linux/if_tun.h: ifreq, if_nametoindex */
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/loop.h>
#include <kiln/netbuf.h>
#include <kiln/netif.h>
#include <kiln/tap_tso.h>

#include "../posix/posix.h"
#include "direct.h"

/* The largest offload frame: a whole IPv4 datagram (netif.h). */
#define TAP_TSO_MAX 65535u
/* Pieces of one written frame: the virtio-net header and the buffers. */
#define TAP_IOV_MAX (2 + (TAP_TSO_MAX + 14) / (NETBUF_SIZE - NETBUF_HEADROOM))

/* Frames read per wakeup before the loop gets a turn (timers, sends). */
#define TAP_RX_BATCH 64
/* Room for a received frame: the buffer less the stack's headroom. */
#define TAP_RX_ROOM (NETBUF_SIZE - NETBUF_HEADROOM)
#define ETH_HDR_LEN 14
#define TAP_MTU_MIN 576
/* A frame of exactly TAP_RX_ROOM bytes may have been cut by read(2): the
 * largest MTU leaves it free (and 4 bytes for an 802.1Q tag). */
#define TAP_MTU_MAX (TAP_RX_ROOM - ETH_HDR_LEN - 4)

struct tap {
	struct posix_fd pf; /* first: the epoll handler gets &pf */
	struct netif nif;
	char ifname[IFNAMSIZ];
	bool vnet;  /* frames carry a struct virtio_net_hdr in front */
	bool rxoff; /* and may be offload frames on receive (tap_rxoff.c) */
	struct tap_rxoff_stats rxoff_st;
	/* why frames were dropped on receive, besides nif.rx_drops' total */
	uint64_t rx_nobuf, rx_toobig, rx_early, rx_errors;
	uint64_t tx_again, tx_errors, tx_short;
};

static struct tap taps[DIRECT_MAX_TAPS];
static size_t ntaps;

/* Where frames go when the pool is empty: the tap must still be drained,
 * or level-triggered epoll would wake us again at once, forever. */
#define TAP_HDR_ROOM sizeof(struct virtio_net_hdr)
static uint8_t discard[TAP_HDR_ROOM + TAP_RX_ROOM];

/* With receive offload, each read lands here: up to a 64 KiB datagram and
 * its Ethernet header; tap_rxoff cuts it into buffers. */
#define TAP_BIG (14 + 65535 + 4 + 1)
static struct {
	struct virtio_net_hdr vh; /* read(2) puts it first */
	uint8_t f[TAP_BIG];
} __attribute__((packed)) rxbig;

static void tap_ready(struct posix_fd *pf, uint32_t events);
static unsigned tap_send(struct netif *nif, struct netbuf *chain);

static const struct netif_ops tap_ops = {
	.send = tap_send,
};

/*
 * A random locally administered unicast MAC (first octet: bit 1 set, bit 0
 * clear), as hypervisors give their guests. A fixed prefix byte 0x02 makes
 * them easy to spot in a bridge's forwarding table.
 */
static int random_mac(uint8_t mac[6])
{
	if (kiln_entropy(mac + 1, 5) < 0)
		return -1;
	mac[0] = 0x02;
	return 0;
}

/*
 * The tap's own MTU, which the Linux side uses for frames it sends us:
 * ours should match it. Clamped to what one netbuf holds.
 */
static uint16_t tap_mtu(const char *ifname)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int mtu = 1500;

	if (s >= 0) {
		memset(&ifr, 0, sizeof ifr);
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
		if (ioctl(s, SIOCGIFMTU, &ifr) == 0)
			mtu = ifr.ifr_mtu;
		close(s);
	}
	if (mtu > (int)TAP_MTU_MAX)
		mtu = TAP_MTU_MAX;
	if (mtu < TAP_MTU_MIN)
		mtu = TAP_MTU_MIN;
	return (uint16_t)mtu;
}

int posix_net_open(const char *dev, const char *tap, char *why, size_t whylen)
{
	struct ifreq ifr;
	struct tap *t;
	int fd, err;

	if (!tap) {
		snprintf(why, whylen,
			 "needs a tap device: --net TAP (posix-direct runs "
			 "Kiln's TCP/IP stack on a tap; see README, "
			 "\"posix-direct: a tap in a namespace\")");
		return -1;
	}
	if (ntaps == DIRECT_MAX_TAPS) {
		snprintf(why, whylen, "too many net devices (max %d)",
			 DIRECT_MAX_TAPS);
		return -1;
	}
	if (strlen(tap) >= IFNAMSIZ) {
		snprintf(why, whylen, "tap name '%s' is longer than %d bytes",
			 tap, IFNAMSIZ - 1);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "/dev/net/tun: %s%s", strerror(errno),
			 errno == EACCES || errno == EPERM
				 ? " (needs root or CAP_NET_ADMIN)"
				 : "");
		return -1;
	}
	/*
	 * TUNSETIFF on a name that does not exist would create a transient
	 * tap, which nobody has put on a bridge or given an address: not
	 * what the user meant. Insist that it exists (if_nametoindex looks
	 * in the namespace we run in).
	 */
	if (if_nametoindex(tap) == 0) {
		snprintf(why, whylen,
			 "no tap device '%s' in this network namespace "
			 "(make it first: ip tuntap add %s mode tap; ip "
			 "link set %s up)",
			 tap, tap, tap);
		goto err_close;
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", tap);
	bool vnet = ioctl(fd, TUNSETIFF, &ifr) == 0;
	if (!vnet)
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI; /* an older kernel */
	if (vnet) {
		/* The plain header (no num_buffers), whatever an earlier
		 * owner of a persistent tap set. */
		int hs = (int)sizeof(struct virtio_net_hdr);
		if (ioctl(fd, TUNSETVNETHDRSZ, &hs) < 0)
			vnet = false;
	}
	if (!vnet && ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = errno;
		snprintf(why, whylen, "%s: TUNSETIFF: %s%s", tap, strerror(err),
			 err == EINVAL	? " (is it a tun device, not a tap?)"
			 : err == EBUSY ? " (another process has it open)"
			 : err == EPERM ? " (owned by another user; needs "
					  "CAP_NET_ADMIN)"
					: "");
		goto err_close;
	}

	t = &taps[ntaps];
	memset(t, 0, sizeof *t);
	snprintf(t->ifname, sizeof t->ifname, "%s", ifr.ifr_name);
	t->nif.ops = &tap_ops;
	t->nif.name = dev;
	t->nif.mtu = tap_mtu(t->ifname);
	t->vnet = vnet;
	/* Receive offload: large TCP packets from the Linux side arrive
	 * whole, and locally made ones with partial checksums (tap_rxoff.c
	 * says why). Without it the kernel cuts and sums them for us. */
	t->rxoff = vnet && ioctl(fd, TUNSETOFFLOAD,
				 (unsigned long)(TUN_F_CSUM | TUN_F_TSO4)) == 0;
	/* The tap keeps what its last user set; without ours, none. */
	if (!t->rxoff && ioctl(fd, TUNSETOFFLOAD, 0ul) < 0 && vnet) {
		snprintf(why, whylen, "%s: TUNSETOFFLOAD: %s", tap,
			 strerror(errno));
		goto err_close;
	}
	t->nif.tso_max = vnet ? TAP_TSO_MAX : 0;
	if (random_mac(t->nif.mac) < 0) {
		snprintf(why, whylen, "no entropy for a MAC address");
		goto err_close;
	}
	t->pf.fd = fd;
	t->pf.events = EPOLLIN;
	t->pf.ready = tap_ready;
	err = posix_fd_add(&t->pf);
	if (err < 0) {
		snprintf(why, whylen, "%s: epoll: %s", tap, strerror(-err));
		goto err_close;
	}
	/* The device can produce frames for as long as the image runs. */
	loop_ref();
	ntaps++;
	return 0;

err_close:
	close(fd);
	return -1;
}

int direct_attach_all(char *why, size_t whylen)
{
	for (size_t i = 0; i < ntaps; i++) {
		int err = net_attach(&taps[i].nif);
		if (err < 0) {
			snprintf(why, whylen, "device %s (net, tap %s): %s",
				 taps[i].nif.name, taps[i].ifname,
				 strerror(-err));
			return -1;
		}
		log_info("%s: tap %s, mac %02x:%02x:%02x:%02x:%02x:%02x, "
			 "mtu %u",
			 taps[i].nif.name, taps[i].ifname, taps[i].nif.mac[0],
			 taps[i].nif.mac[1], taps[i].nif.mac[2],
			 taps[i].nif.mac[3], taps[i].nif.mac[4],
			 taps[i].nif.mac[5], taps[i].nif.mtu);
	}
	return 0;
}

/* Read one frame into nb; 1 done, 0 nothing more to read, -1 an error. */
static int tap_read_one(struct tap *t, struct netbuf *nb, size_t *len)
{
	/* The virtio-net header lands in the headroom, just before the
	 * frame: one read(2), not a readv of two pieces (the iovec costs
	 * the kernel more than the read itself saves). */
	size_t hs = t->vnet ? sizeof(struct virtio_net_hdr) : 0;
	uint8_t *dst = (nb ? nb->data : discard + TAP_HDR_ROOM) - hs;
	ssize_t n;

	for (;;) {
		n = read(t->pf.fd, dst, TAP_RX_ROOM + hs);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			return 0;
		t->rx_errors++;
		return -1;
	}
	/* A tap read returns one whole frame; 0 only if the device went
	 * away. A frame that fills the buffer may have been cut. */
	if (n == 0)
		return -1;
	if ((size_t)n < hs) {
		t->rx_errors++;
		return -1;
	}
	*len = (size_t)n - hs;
	return 1;
}

/*
 * Readiness: drain up to TAP_RX_BATCH frames, then give the chain to the
 * stack in one call. Level-triggered: what is left wakes us on the next
 * pass, after timers and deferred sends have had their turn.
 */
static void tap_ready_rxoff(struct tap *t, uint32_t events);

static void tap_ready(struct posix_fd *pf, uint32_t events)
{
	struct tap *t = (struct tap *)pf;
	struct netbuf *head = NULL, **tail = &head;

	if (t->rxoff) {
		tap_ready_rxoff(t, events);
		return;
	}
	for (int k = 0; k < TAP_RX_BATCH; k++) {
		struct netbuf *nb = netbuf_alloc();
		size_t len = 0;
		int r = tap_read_one(t, nb, &len);

		if (r <= 0) {
			netbuf_free(nb);
			break;
		}
		t->nif.rx_frames++;
		t->nif.rx_bytes += len;
		if (!nb) {
			t->rx_nobuf++;
			t->nif.rx_drops++;
			continue;
		}
		if (len >= TAP_RX_ROOM) {
			t->rx_toobig++;
			t->nif.rx_drops++;
			netbuf_free(nb);
			continue;
		}
		if (!t->nif.input) {
			t->rx_early++;
			t->nif.rx_drops++;
			netbuf_free(nb);
			continue;
		}
		nb->len = (uint32_t)len;
		nb->next = NULL;
		*tail = nb;
		tail = &nb->next;
	}
	if (head)
		t->nif.input(&t->nif, head, t->nif.input_arg);
	if (events & (EPOLLERR | EPOLLHUP))
		t->rx_errors++;
}

/*
 * tap_ready with receive offload: reads into rxbig, each frame made into
 * ordinary frames by tap_rxoff, until TAP_RX_BATCH frames (segments
 * counted) or reads.
 */
static void tap_ready_rxoff(struct tap *t, uint32_t events)
{
	struct netbuf *head = NULL, **tail = &head;
	unsigned frames = 0;

	for (int k = 0; k < TAP_RX_BATCH && frames < TAP_RX_BATCH; k++) {
		ssize_t n = read(t->pf.fd, &rxbig, sizeof rxbig);

		if (n < 0 && errno == EINTR) {
			k--;
			continue;
		}
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN)
				t->rx_errors++;
			break;
		}
		if ((size_t)n < sizeof rxbig.vh) {
			t->rx_errors++;
			break;
		}
		n -= (ssize_t)sizeof rxbig.vh;
		t->nif.rx_frames++;
		t->nif.rx_bytes += (uint64_t)n;
		if ((size_t)n >= TAP_BIG) {
			t->rx_toobig++;
			t->nif.rx_drops++;
			continue;
		}
		if (!t->nif.input) {
			t->rx_early++;
			t->nif.rx_drops++;
			continue;
		}
		uint64_t lost = t->rxoff_st.bad + t->rxoff_st.nobuf;
		struct virtio_net_hdr vh;
		memcpy(&vh, &rxbig.vh, sizeof vh);
		frames += tap_rxoff(&vh, rxbig.f, (size_t)n, TAP_RX_ROOM, &tail,
				    &t->rxoff_st);
		t->nif.rx_drops += t->rxoff_st.bad + t->rxoff_st.nobuf - lost;
	}
	if (head)
		t->nif.input(&t->nif, head, t->nif.input_arg);
	if (events & (EPOLLERR | EPOLLHUP))
		t->rx_errors++;
}

/* Write one frame (with its header and pieces); the write's result. */
static ssize_t tap_write_frame(struct tap *t, struct netbuf *nb, size_t *len)
{
	struct iovec iov[TAP_IOV_MAX];
	struct virtio_net_hdr vh;
	unsigned k = 0;
	ssize_t n;

	*len = nb->len;
	if (!t->vnet && !nb->frag) {
		do
			n = write(t->pf.fd, nb->data, nb->len);
		while (n < 0 && errno == EINTR);
		return n;
	}
	memset(&vh, 0, sizeof vh);
	if (nb->gso_size && !tap_tso_hdr(nb->data, nb->len, nb->gso_size, &vh))
		return -2; /* the stack broke netbuf.h's promise */
	if (t->vnet && !nb->frag && netbuf_headroom(nb) >= sizeof vh) {
		/* One piece: the header goes in the headroom and the frame
		 * leaves in one write(2), cheaper than a writev. */
		memcpy(nb->data - sizeof vh, &vh, sizeof vh);
		do
			n = write(t->pf.fd, nb->data - sizeof vh,
				  nb->len + sizeof vh);
		while (n < 0 && errno == EINTR);
		return n >= (ssize_t)sizeof vh ? n - (ssize_t)sizeof vh : n;
	}
	if (t->vnet)
		iov[k++] = (struct iovec){&vh, sizeof vh};
	*len = 0;
	for (; nb; nb = nb->frag) {
		if (k == TAP_IOV_MAX)
			return -2;
		iov[k++] = (struct iovec){nb->data, nb->len};
		*len += nb->len;
	}
	do
		n = writev(t->pf.fd, iov, (int)k);
	while (n < 0 && errno == EINTR);
	if (n >= (ssize_t)sizeof vh && t->vnet)
		n -= (ssize_t)sizeof vh;
	return n;
}

/*
 * Send a chain: one write(2) per frame (see the top of the file), a frame
 * of several pieces with writev. Takes every buffer; a frame the tap
 * cannot take now is dropped and counted.
 */
static unsigned tap_send(struct netif *nif, struct netbuf *chain)
{
	struct tap *t = (struct tap *)((char *)nif - offsetof(struct tap, nif));
	unsigned sent = 0;

	while (chain) {
		struct netbuf *nb = chain;
		size_t len;
		ssize_t n;

		chain = nb->next;
		nb->next = NULL;
		n = tap_write_frame(t, nb, &len);
		if (n == (ssize_t)len) {
			sent++;
			nif->tx_frames++;
			nif->tx_bytes += len;
			if (nb->gso_size)
				nif->tx_offload++;
		} else {
			nif->tx_drops++;
			if (n >= 0 || n == -2)
				t->tx_short++;
			else if (errno == EAGAIN)
				t->tx_again++;
			else
				t->tx_errors++;
		}
		netbuf_free(nb);
	}
	return sent;
}

size_t direct_ntaps(void)
{
	return ntaps;
}

int direct_tap_fd(size_t i)
{
	return i < ntaps ? taps[i].pf.fd : -1;
}

const struct netif *direct_tap_netif(size_t i)
{
	return i < ntaps ? &taps[i].nif : NULL;
}

const struct tap_rxoff_stats *direct_tap_rxoff(size_t i)
{
	return i < ntaps && taps[i].rxoff ? &taps[i].rxoff_st : NULL;
}

const char *direct_tap_name(size_t i)
{
	return i < ntaps ? taps[i].ifname : NULL;
}

/* Driver-level drop reasons, for the counters dump (stats.c). */
void direct_tap_drops(size_t i, uint64_t out[DIRECT_TAP_NDROPS])
{
	const struct tap *t = &taps[i];

	out[0] = t->rx_nobuf;
	out[1] = t->rx_toobig;
	out[2] = t->rx_early;
	out[3] = t->rx_errors;
	out[4] = t->tx_again;
	out[5] = t->tx_errors;
	out[6] = t->tx_short;
}
