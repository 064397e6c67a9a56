/*
 * The virtio-net header of a TCP segmentation offload frame, as a Linux
 * tap opened with IFF_VNET_HDR takes it: shared by the two programs that
 * write Kiln's offload frames to a tap, posix-direct's driver
 * (bindings/posix-direct/netif_tap.c, frames of netbuf.h) and kiln-kvm
 * (monitor/net.c, frames of kvm_abi.h). Host side, Linux only.
 *
 * An offload frame is Ethernet II, IPv4, TCP, with all three headers in
 * its first p[0 .. len) bytes and the TCP checksum field holding the
 * pseudo-header sum; the kernel cuts its payload into mss-byte segments
 * and completes each checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM at the TCP
 * header, offset 16).
 */
#ifndef KILN_TAP_TSO_H
#define KILN_TAP_TSO_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Fill vh for the offload frame at p; false, vh zeroed, when the bytes
 * are not such a frame (another EtherType or protocol, short headers). */
static inline bool tap_tso_hdr(const uint8_t *p, size_t len, uint16_t mss,
			       struct virtio_net_hdr *vh)
{
	size_t ihl, thl;

	memset(vh, 0, sizeof *vh);
	if (len < 14 + 20 || p[12] != 0x08 || p[13] != 0x00)
		return false;
	ihl = (size_t)(p[14] & 0x0f) * 4;
	if (ihl < 20 || p[14 + 9] != 6 || len < 14 + ihl + 20)
		return false;
	thl = (size_t)(p[14 + ihl + 12] >> 4) * 4;
	if (thl < 20 || len < 14 + ihl + thl)
		return false;
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh->hdr_len = (uint16_t)(14 + ihl + thl);
	vh->gso_size = mss;
	vh->csum_start = (uint16_t)(14 + ihl);
	vh->csum_offset = 16;
	return true;
}

#endif /* KILN_TAP_TSO_H */
