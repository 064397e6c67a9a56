/*
 * Entropy on the posix targets: lib/core's ChaCha20 generator (rng.c,
 * platform.h), seeded once at start with 32 bytes of getrandom(2).
 *
 * Why not getrandom for every call: posix-direct seals itself with
 * seccomp after start, and its allow-list has no getrandom (nor any other
 * way to reach the host's generator), while lib/net needs fresh random
 * numbers all along (TCP initial sequence numbers and ephemeral ports,
 * DHCP transaction ids, IP ids). posix-socket does the same so that both
 * posix targets behave alike; it costs one system call at start instead
 * of one per connection.
 *
 * getrandom blocks only until the kernel's pool is first initialised,
 * long done on a running system, and only here at start. Should it fail
 * (a kernel without it), kiln_entropy reports -EIO, as kiln.h allows.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>

#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/platform.h>

#include "posix.h"

void posix_entropy_init(void)
{
	uint8_t seed[RNG_SEED_LEN];
	size_t got = 0;

	while (got < sizeof seed) {
		ssize_t n = getrandom(seed + got, sizeof seed - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warn("getrandom: %s: no entropy for this image",
				 strerror(errno));
			return;
		}
		got += (size_t)n;
	}
	rng_seed(seed);
	/* The seed is in the generator's key now; no copy stays behind. */
	for (size_t i = 0; i < sizeof seed; i++)
		((volatile uint8_t *)seed)[i] = 0;
}

int kiln_entropy(void *buf, size_t len)
{
	return rng_fill(buf, len);
}
