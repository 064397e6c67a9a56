/*
 * The Internet checksum (RFC 1071), shared by IPv4, ICMP, UDP and TCP.
 *
 * The checksum is the one's complement of the one's-complement sum of the
 * data taken as big-endian 16-bit words (a trailing odd byte is padded with
 * a zero byte). A sum is accumulated in a struct net_csum over any number of
 * pieces, in order, and net_csum_final() gives the value to store in the
 * checksum field. To verify, sum the whole message including its checksum
 * field: a correct message finals to 0.
 *
 * Pieces may have any length and start anywhere in memory: a piece that
 * follows an odd-length piece starts at an odd offset of the checksummed
 * data, and the accumulator accounts for that (RFC 1071 section 2(B):
 * a byte-swapped sum is the swap of the sum). Pure functions, no state
 * beyond the struct, never block.
 */
#ifndef KILN_NET_CKSUM_H
#define KILN_NET_CKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/view.h>

struct net_csum {
	uint32_t sum; /* big-endian word sum, kept folded to <= 0x1fffe */
	bool odd;     /* an odd number of bytes has been summed so far */
};

static inline struct net_csum net_csum_start(void)
{
	struct net_csum c = {0, false};
	return c;
}

/* Add the bytes of v, which follow whatever was added before. */
void net_csum_add(struct net_csum *c, struct view v);

/* Add a 16-bit / 32-bit big-endian value as if it were two / four bytes. */
void net_csum_add16(struct net_csum *c, uint16_t x);
void net_csum_add32(struct net_csum *c, uint32_t x);

/*
 * Add the IPv4 pseudo-header of UDP and TCP (RFC 768; RFC 9293 3.1):
 * source, destination (host byte order), zero, protocol, and the length of
 * the transport header plus data. Call it first, on an empty accumulator
 * or at an even offset.
 */
void net_csum_pseudo(struct net_csum *c, uint32_t src, uint32_t dst,
		     uint8_t proto, uint16_t len);

/* The checksum field value: ~(folded sum), in host byte order. */
uint16_t net_csum_final(const struct net_csum *c);

/* The checksum of one view: net_csum_final over v alone. */
uint16_t net_cksum(struct view v);

#endif /* KILN_NET_CKSUM_H */
