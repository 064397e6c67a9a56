/*
 * The Internet checksum, RFC 1071, summed 8 bytes at a time.
 *
 * Why it is correct to add 64-bit native-order words: one's-complement
 * addition is addition modulo 0xffff, and 2^16 == 1 (mod 0xffff), so a
 * 64-bit word is congruent to the sum of its four 16-bit lanes, and the
 * carry out of bit 63 (worth 2^64 == 1) is added back in ("end-around
 * carry", RFC 1071 2(A)). Summing in the machine's byte order and swapping
 * the folded result at the end gives the big-endian sum (RFC 1071 2(B),
 * byte-order independence). Loads go through memcpy, which compilers turn
 * into single unaligned loads, so odd addresses are fine.
 */
#include "cksum.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define CSUM_NATIVE_BE 1
#else
#define CSUM_NATIVE_BE 0
#endif

/* Add with end-around carry. */
static inline uint64_t add_carry(uint64_t acc, uint64_t x)
{
	acc += x;
	return acc + (acc < x);
}

static inline uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

static inline uint16_t swap16(uint16_t x)
{
	return (uint16_t)(x << 8 | x >> 8);
}

/*
 * The folded big-endian sum of v, as if v started at an even offset.
 * This walks the view's bytes directly: it is the one place in lib/net
 * that does (v.p and v.len bound every load).
 */
static uint16_t sum_view(struct view v)
{
	const uint8_t *p = v.p;
	size_t n = v.len;
	uint64_t acc = 0, w0, w1, w2, w3;

	while (n >= 32) {
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		memcpy(&w2, p + 16, 8);
		memcpy(&w3, p + 24, 8);
		acc = add_carry(acc, w0);
		acc = add_carry(acc, w1);
		acc = add_carry(acc, w2);
		acc = add_carry(acc, w3);
		p += 32;
		n -= 32;
	}
	while (n >= 8) {
		memcpy(&w0, p, 8);
		acc = add_carry(acc, w0);
		p += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc = add_carry(acc, w);
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc = add_carry(acc, w);
		p += 2;
		n -= 2;
	}
	if (n) {
		/* The last byte is the high half of a zero-padded word. */
		uint8_t pad[2] = {p[0], 0};
		uint16_t w;
		memcpy(&w, pad, 2);
		acc = add_carry(acc, w);
	}
	uint16_t s = fold64(acc);
	return CSUM_NATIVE_BE ? s : swap16(s);
}

static inline void add_folded(struct net_csum *c, uint16_t s)
{
	c->sum += s;
	c->sum = (c->sum & 0xffffu) + (c->sum >> 16);
}

void net_csum_add(struct net_csum *c, struct view v)
{
	if (!v.len)
		return;
	uint16_t s = sum_view(v);
	/* A piece at an odd offset has its bytes in the other lanes. */
	add_folded(c, c->odd ? swap16(s) : s);
	if (v.len & 1)
		c->odd = !c->odd;
}

void net_csum_add16(struct net_csum *c, uint16_t x)
{
	add_folded(c, c->odd ? swap16(x) : x);
}

void net_csum_add32(struct net_csum *c, uint32_t x)
{
	net_csum_add16(c, (uint16_t)(x >> 16));
	net_csum_add16(c, (uint16_t)x);
}

void net_csum_pseudo(struct net_csum *c, uint32_t src, uint32_t dst,
		     uint8_t proto, uint16_t len)
{
	net_csum_add32(c, src);
	net_csum_add32(c, dst);
	net_csum_add16(c, proto);
	net_csum_add16(c, len);
}

uint16_t net_csum_final(const struct net_csum *c)
{
	uint32_t s = c->sum;
	s = (s & 0xffffu) + (s >> 16);
	s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t net_cksum(struct view v)
{
	struct net_csum c = net_csum_start();
	net_csum_add(&c, v);
	return net_csum_final(&c);
}
