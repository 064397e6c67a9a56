/*
 * The ChaCha20 block function of RFC 8439 (section 2.3), written from the
 * RFC: the only cipher Kiln carries, for the image's random generator
 * (rng.c). Its test vectors (RFC 8439 section 2 and appendix A.1) are in
 * lib/core/tests/test_chacha20.c.
 *
 * The state is sixteen 32-bit words: four constants, the 256-bit key, a
 * 32-bit block counter and a 96-bit nonce, each read little-endian.
 * Twenty rounds (ten column rounds, ten diagonal rounds) of quarter
 * rounds, then the input state is added back word by word, and the words
 * are written out little-endian. The code uses only additions, XORs and
 * rotations, so its time does not depend on the key.
 */
#include <stdint.h>

#include "core.h"

static uint32_t rotl(uint32_t v, int n)
{
	return v << n | v >> (32 - n);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 8439 section 2.1, applied to four words of the state. */
static void quarter(uint32_t *x, int a, int b, int c, int d)
{
	x[a] += x[b];
	x[d] = rotl(x[d] ^ x[a], 16);
	x[c] += x[d];
	x[b] = rotl(x[b] ^ x[c], 12);
	x[a] += x[b];
	x[d] = rotl(x[d] ^ x[a], 8);
	x[c] += x[d];
	x[b] = rotl(x[b] ^ x[c], 7);
}

void chacha20_block(const uint8_t key[32], uint32_t counter,
		    const uint8_t nonce[12], uint8_t out[64])
{
	/* "expand 32-byte k", as four little-endian words. */
	uint32_t in[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	uint32_t x[16];

	for (int i = 0; i < 8; i++)
		in[4 + i] = le32(key + 4 * i);
	in[12] = counter;
	for (int i = 0; i < 3; i++)
		in[13 + i] = le32(nonce + 4 * i);
	for (int i = 0; i < 16; i++)
		x[i] = in[i];
	for (int i = 0; i < 10; i++) {
		quarter(x, 0, 4, 8, 12); /* columns */
		quarter(x, 1, 5, 9, 13);
		quarter(x, 2, 6, 10, 14);
		quarter(x, 3, 7, 11, 15);
		quarter(x, 0, 5, 10, 15); /* diagonals */
		quarter(x, 1, 6, 11, 12);
		quarter(x, 2, 7, 8, 13);
		quarter(x, 3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		put_le32(out + 4 * i, x[i] + in[i]);
}
