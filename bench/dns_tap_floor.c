/*
 * The tap floor for bench/dns.sh: a DNS "server" on a tap that does no DNS
 * work. It reads each frame from the tap with one read(2) and answers it
 * with one write(2): an ARP request for its address gets the ARP reply, a
 * UDP datagram to its address goes back to its sender with QR set (the
 * query echoed: MACs, addresses and ports swapped, the UDP checksum
 * patched for the one changed bit, RFC 1624); anything else is dropped.
 * Blocking I/O, one core: what it costs per query is what the tap path
 * costs, the least any server on a tap pays (posix-direct and kvm).
 *
 *   dns_tap_floor TAP A.B.C.D
 *
 * The tap must exist (ip tuntap add TAP mode tap), as for posix-direct.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0xd0, 0x53};

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Ethernet: our MAC as the source, the sender's as the destination. */
static void eth_back(uint8_t *f)
{
	memcpy(f, f + 6, 6);
	memcpy(f + 6, mac, 6);
}

static size_t arp(uint8_t *f, size_t n, const uint8_t ip[4])
{
	uint8_t *a = f + 14;

	/* Ethernet/IPv4 request for our address */
	if (n < 42 || a[6] != 0 || a[7] != 1 || memcmp(a + 24, ip, 4))
		return 0;
	eth_back(f);
	a[7] = 2;
	memcpy(a + 18, a + 8, 10); /* target = the sender (MAC, IP) */
	memcpy(a + 8, mac, 6);
	memcpy(a + 14, ip, 4);
	return 42;
}

static size_t udp(uint8_t *f, size_t n, const uint8_t ip[4])
{
	uint8_t *h = f + 14, *u;
	size_t hl = (size_t)(h[0] & 15) * 4;
	uint32_t sum;

	if (n < 14 + 20 || h[0] >> 4 != 4 || h[9] != 17 ||
	    memcmp(h + 16, ip, 4) || (h[6] & 0x3f) || h[7] ||
	    n < 14 + hl + 8 + 3)
		return 0; /* not IPv4 UDP to us, or a fragment */
	u = h + hl;
	eth_back(f);
	swap(h + 12, h + 16, 4); /* the sums do not change */
	swap(u, u + 2, 2);
	if (!(u[10] & 0x80)) {
		u[10] |= 0x80;
		if (u[6] | u[7]) {
			/* HC' = ~(~HC + ~m + m'), and ~m + m' = 0x8000 */
			sum = (uint16_t) ~(u[6] << 8 | u[7]);
			sum += 0x8000;
			sum = (sum & 0xffff) + (sum >> 16);
			sum = ~sum & 0xffff;
			if (sum == 0)
				sum = 0xffff;
			u[6] = (uint8_t)(sum >> 8);
			u[7] = (uint8_t)sum;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	static uint8_t f[65536];
	struct ifreq ifr = {0};
	uint8_t ip[4];
	int fd;

	if (argc != 3 || inet_pton(AF_INET, argv[2], ip) != 1) {
		fprintf(stderr, "usage: dns_tap_floor TAP A.B.C.D\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[1]);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror(argv[1]);
		return 1;
	}
	/* A tap keeps the offloads its last user asked for (posix-direct
	 * turns them on): without a virtio-net header to say so, frames
	 * would come with checksums left to us. None, then. */
	if (ioctl(fd, TUNSETOFFLOAD, 0ul) < 0) {
		perror("TUNSETOFFLOAD");
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, f, sizeof f);
		size_t out = 0;

		if (n < 14)
			continue;
		if (f[12] == 0x08 && f[13] == 0x06)
			out = arp(f, (size_t)n, ip);
		else if (f[12] == 0x08 && f[13] == 0x00)
			out = udp(f, (size_t)n, ip);
		if (out > 0 && write(fd, f, out) < 0)
			perror("write");
	}
}
