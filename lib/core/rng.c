/*
 * The image's random generator (platform.h: rng_seed, rng_fill): ChaCha20
 * (chacha20.c, RFC 8439) as a "fast-key-erasure" generator, after
 * Bernstein's description of that construction. A binding seeds it once at
 * start from the platform's own source (getrandom(2) on the posix
 * targets), so that kiln_entropy needs no system call afterwards: the
 * posix-direct seal allows none for it.
 *
 * Each refill runs the block function under the current key with a zero
 * nonce and counters 0..RNG_BLOCKS-1; the first 32 bytes of that become
 * the next key at once, the rest is output. Output bytes are wiped as they
 * are handed out, so the generator's memory never holds a byte it has
 * given away, nor a key that produced one: reading the state later
 * reveals nothing about earlier output (backtracking resistance). A key
 * is used for one refill only, so the 32-bit counter and the fixed nonce
 * never repeat under one key.
 *
 * No reseeding after start: under the seal there is no source to reseed
 * from, and none is needed. 256 bits of seed from the kernel's generator
 * are as good as the kernel's own state; predicting this generator's
 * output means breaking ChaCha20 or reading the process's memory, and
 * whoever can do the latter owns the appliance anyway. The images never
 * fork, so two processes never share a state.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/platform.h>

#include "core.h"

#define RNG_BLOCKS 4 /* a refill: 256 bytes, 32 of key and 224 of output */
#define RNG_OUT	   (RNG_BLOCKS * 64 - 32)

static struct {
	uint8_t key[32];
	uint8_t out[RNG_OUT];
	size_t pos; /* out[pos..RNG_OUT) is unused; the rest is wiped */
	bool seeded;
} rng = {.pos = RNG_OUT};

/* A memset the compiler may not drop: the bytes are secrets. */
static void wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

static void refill(void)
{
	static const uint8_t nonce[12];
	uint8_t blk[RNG_BLOCKS * 64];

	for (uint32_t i = 0; i < RNG_BLOCKS; i++)
		chacha20_block(rng.key, i, nonce, blk + 64 * i);
	memcpy(rng.key, blk, 32);
	memcpy(rng.out, blk + 32, RNG_OUT);
	wipe(blk, sizeof blk);
	rng.pos = 0;
}

void rng_seed(const uint8_t seed[RNG_SEED_LEN])
{
	/* Mixed into the key, not put in its place: seeding again adds to
	 * what the generator has, it never replaces it. */
	for (int i = 0; i < RNG_SEED_LEN; i++)
		rng.key[i] ^= seed[i];
	/* Output made under the old key is not used any more. */
	wipe(rng.out, sizeof rng.out);
	rng.pos = RNG_OUT;
	rng.seeded = true;
}

int rng_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	if (!rng.seeded)
		return -EIO;
	while (len > 0) {
		size_t n;

		if (rng.pos == RNG_OUT)
			refill();
		n = RNG_OUT - rng.pos;
		if (n > len)
			n = len;
		memcpy(p, rng.out + rng.pos, n);
		wipe(rng.out + rng.pos, n);
		rng.pos += n;
		p += n;
		len -= n;
	}
	return 0;
}
