/*
 * The network-device contract: what Kiln's stack (lib/net) needs from a
 * target's Ethernet device, and what the device gets from the stack.
 *
 * A target's binding makes one `struct netif` per net device the manifest
 * declares (a tap fd on posix-direct, hypercalls on kvm, virtio-net rings on
 * virtio) and hands it to the stack with net_attach() (lib/net). Frames are
 * whole Ethernet II frames without the FCS, in netbufs (netbuf.h), moved in
 * batches: on this project's hosts each device exit or system call costs
 * microseconds, so one call moves many frames.
 *
 * Several devices may exist in one image (a switch appliance), so this is a
 * const ops struct with function pointers, the one place Kiln uses them for
 * link-time variants.
 */
#ifndef KILN_NETIF_H
#define KILN_NETIF_H

#include <stdint.h>

#include <kiln/netbuf.h>

struct netif;

struct netif_ops {
	/*
	 * Required. Transmit a chain of frames (linked through nb->next).
	 * Takes ownership of every buffer in the chain, whatever it returns:
	 * frames it cannot send now (device queue full) are dropped, freed
	 * and counted by the device. Returns how many frames it accepted.
	 * Must not block and must not call back into the stack.
	 */
	unsigned (*send)(struct netif *nif, struct netbuf *chain);
};

/* Receive hook, set by the stack when it attaches. */
typedef void (*netif_input_fn)(struct netif *nif, struct netbuf *chain,
			       void *arg);

struct netif {
	const struct netif_ops *ops; /* set by the driver */
	const char *name;	     /* the manifest's device name */
	uint8_t mac[6];		     /* set by the driver */
	uint16_t mtu;		     /* IP MTU, 1500 unless the device says */
	/*
	 * TCP segmentation offload: the largest IPv4 datagram (at most
	 * 65535) the device takes as one frame with gso_size set and frag
	 * pieces (netbuf.h), cutting it into MTU-sized segments itself. 0:
	 * no offload; the stack then sends only single-buffer frames of at
	 * most the MTU. Set by the driver before net_attach.
	 */
	uint32_t tso_max;

	/*
	 * Set by the stack (net_attach). The driver calls input(nif, chain,
	 * input_arg) from its readiness handler on the loop with a chain of
	 * received frames; the stack owns the chain from then on. Frames
	 * arriving before attach are dropped by the driver.
	 */
	netif_input_fn input;
	void *input_arg;

	/* Counters kept by the driver. */
	uint64_t rx_frames, rx_bytes, rx_drops;
	uint64_t tx_frames, tx_bytes, tx_drops;
	uint64_t tx_offload; /* of tx_frames, offload frames (gso_size) */
};

/*
 * The stack's side (lib/net): attach Kiln's TCP/IP stack to nif, which
 * the binding has filled in (ops, name, mac, mtu). Configures the address
 * from the image's keys `ipv4` and `gateway`, sets nif->input, and
 * announces itself (gratuitous ARP) or starts DHCP. Called once, at start,
 * before kiln_main. Returns 0 or a negative errno.
 */
int net_attach(struct netif *nif);

#endif /* KILN_NETIF_H */
