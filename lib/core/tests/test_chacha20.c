/*
 * Unit tests for the ChaCha20 block function (chacha20.c) against the test
 * vectors of RFC 8439, and for the random generator built on it (rng.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/platform.h>

#include "../core.h"
#include "fakeplat.h"

/* Hex text (whitespace ignored) into out; the number of bytes. */
static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s && n < max; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static bool block_is(const uint8_t key[32], uint32_t counter,
		     const uint8_t nonce[12], const char *hex)
{
	uint8_t want[64], got[64];

	if (unhex(hex, want, sizeof want) != 64)
		return false;
	chacha20_block(key, counter, nonce, got);
	return memcmp(got, want, 64) == 0;
}

static void test_block(void)
{
	uint8_t key[32], zero_key[32] = {0}, zero_nonce[12] = {0};
	const uint8_t nonce[12] = {0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0};

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	/* RFC 8439 2.3.2: key 00..1f, nonce 000000090000004a00000000,
	 * block count 1, the serialized block. */
	CHECK("chacha20: RFC 8439 2.3.2 block function",
	      block_is(key, 1, nonce,
		       "10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4"
		       "c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e"
		       "d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2"
		       "b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e"));
	/* RFC 8439 A.1 test vector #1: all zero, block count 0. */
	CHECK("chacha20: RFC 8439 A.1 #1 (zero key, counter 0)",
	      block_is(zero_key, 0, zero_nonce,
		       "76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28"
		       "bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7"
		       "da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37"
		       "6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86"));
	/* RFC 8439 A.1 test vector #2: all zero, block count 1. */
	CHECK("chacha20: RFC 8439 A.1 #2 (zero key, counter 1)",
	      block_is(zero_key, 1, zero_nonce,
		       "9f 07 e7 be 55 51 38 7a 98 ba 97 7c 73 2d 08 0d"
		       "cb 0f 29 a0 48 e3 65 69 12 c6 53 3e 32 ee 7a ed"
		       "29 b7 21 76 9c e6 4e 43 d5 71 33 b0 74 d8 39 d5"
		       "31 ed 1f 28 51 0a fb 45 ac e1 0a 1f 4b 79 4d 6f"));
}

/* RFC 8439 2.4.2: the block function as a stream cipher, key 00..1f,
 * nonce 000000000000004a00000000, initial counter 1. */
static void test_encrypt(void)
{
	static const char pt[] =
		"Ladies and Gentlemen of the class of '99: If I could offer "
		"you only one tip for the future, sunscreen would be it.";
	const uint8_t nonce[12] = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
	uint8_t key[32], want[114], got[114], ks[64];
	size_t len = sizeof pt - 1;

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	for (size_t off = 0; off < len; off += 64) {
		chacha20_block(key, 1 + (uint32_t)(off / 64), nonce, ks);
		for (size_t i = 0; i < 64 && off + i < len; i++)
			got[off + i] = (uint8_t)pt[off + i] ^ ks[i];
	}
	CHECK("chacha20: RFC 8439 2.4.2 plaintext is 114 bytes", len == 114);
	CHECK("chacha20: RFC 8439 2.4.2 encryption",
	      unhex("6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81"
		    "e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b"
		    "f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57"
		    "16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8"
		    "07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e"
		    "52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36"
		    "5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42"
		    "87 4d",
		    want, sizeof want) == 114 &&
		      memcmp(got, want, 114) == 0);
}

/* What the generator must produce from seed: refills of four blocks under
 * a key, the first 32 bytes the next key, the other 224 the output. */
static void expect(const uint8_t seed[32], uint8_t *out, size_t len)
{
	static const uint8_t nonce[12];
	uint8_t key[32], blk[256];

	memcpy(key, seed, 32);
	while (len > 0) {
		size_t n = len < 224 ? len : 224;

		for (uint32_t i = 0; i < 4; i++)
			chacha20_block(key, i, nonce, blk + 64 * i);
		memcpy(key, blk, 32);
		memcpy(out, blk + 32, n);
		out += n;
		len -= n;
	}
}

static void test_rng(void)
{
	uint8_t seed[RNG_SEED_LEN], buf[1000], want[1000], a[16], b[16];
	int rc;

	rc = rng_fill(buf, 8);
	CHECK("rng: -EIO before it is seeded", rc == -EIO);
	for (int i = 0; i < RNG_SEED_LEN; i++)
		seed[i] = (uint8_t)(0xa5 ^ i);
	rng_seed(seed);
	/* 1000 bytes in uneven pieces: five refills, pieces across them. */
	rc = 0;
	for (size_t off = 0, n = 1; off < sizeof buf; off += n, n = n * 3 + 1) {
		if (n > sizeof buf - off)
			n = sizeof buf - off;
		rc |= rng_fill(buf + off, n);
	}
	expect(seed, want, sizeof want);
	CHECK("rng: output is ChaCha20 with fast key erasure, across refills",
	      rc == 0 && memcmp(buf, want, sizeof buf) == 0);
	CHECK("rng: fills in a row differ",
	      rng_fill(a, sizeof a) == 0 && rng_fill(b, sizeof b) == 0 &&
		      memcmp(a, b, sizeof a) != 0);
	CHECK("rng: zero bytes is fine", rng_fill(NULL, 0) == 0);
}

int main(void)
{
	test_block();
	test_encrypt();
	test_rng();
	return fake_done();
}
