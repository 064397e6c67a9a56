/*
 * Entropy on the kvm target: the CPU's RDSEED or RDRAND when CPUID offers
 * them (KVM passes them through when the host has them), without exits.
 *
 * RDSEED draws from the conditioned hardware source directly and may run
 * dry for a moment under load; RDRAND is a DRBG reseeded from it. We
 * prefer RDRAND for bulk (it almost never fails) and retry each draw a
 * bounded number of times, as Intel's guidance says; a persistent failure
 * is reported as -EIO, which kiln.h allows.
 *
 * The fallback, for a CPU with neither: a SplitMix64 generator seeded
 * from the boot wall clock, the TSC and the jitter of timing a few
 * hypercall exits. Be honest about it: that seed has perhaps a few tens
 * of bits an attacker cannot guess, so the output is NOT fit for secrets
 * (TCP initial sequence numbers against an on-path attacker, keys). It
 * only keeps images running on such CPUs; a warning says so at the first
 * use.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>

#include "kvm.h"

#define RETRIES 32

enum source { SRC_UNKNOWN, SRC_RDRAND, SRC_RDSEED, SRC_FALLBACK };
static enum source src;
static uint64_t mix_state;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < RETRIES; i++) {
		unsigned char ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

static bool rdseed64(uint64_t *v)
{
	for (int i = 0; i < RETRIES; i++) {
		unsigned char ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fallback_seed(void)
{
	uint64_t s = kvm_boot->wall_ns ^ rdtsc();

	/* Each exit takes a slightly different number of TSC ticks. */
	for (int i = 0; i < 16; i++) {
		struct kvm_hc_walltime w;
		uint64_t t0 = rdtsc();
		kvm_hypercall(KVM_HC_WALLTIME, &w);
		s = (s << 7 | s >> 57) ^ (rdtsc() - t0) ^ w.ns;
		(void)splitmix(&s);
	}
	mix_state = s;
}

static void pick_source(void)
{
	unsigned a, b, c, d;

	src = SRC_FALLBACK;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_RDRND))
		src = SRC_RDRAND;
	else if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_RDSEED))
		src = SRC_RDSEED;
	if (src == SRC_FALLBACK) {
		fallback_seed();
		log_warn("no RDRAND or RDSEED on this CPU: entropy comes "
			 "from a weak fallback, not fit for secrets");
	}
}

int kiln_entropy(void *buf, size_t len)
{
	unsigned char *p = buf;

	if (src == SRC_UNKNOWN)
		pick_source();
	while (len > 0) {
		uint64_t v;
		size_t n = len < 8 ? len : 8;

		if (src == SRC_RDRAND) {
			if (!rdrand64(&v))
				return -EIO;
		} else if (src == SRC_RDSEED) {
			if (!rdseed64(&v))
				return -EIO;
		} else {
			v = splitmix(&mix_state) ^ rdtsc();
		}
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
	return 0;
}
