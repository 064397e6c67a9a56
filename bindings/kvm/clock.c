/*
 * Clocks on the kvm target: the TSC, read without an exit.
 *
 * The monitor passes the TSC frequency (KVM_GET_TSC_KHZ) and a pair
 * (wall_ns, tsc_at_boot) in the boot info. Monotonic time is the TSC
 * since tsc_at_boot scaled to nanoseconds; wall time is wall_ns plus the
 * same. The scaling is a multiply and a shift, no division per read:
 * mult = 10^6 * 2^32 / tsc_khz, computed once, and ns = delta * mult >>
 * 32 in 128-bit arithmetic, so no product overflows whatever the uptime
 * (delta * mult needs at most 64 + 32 bits for any TSC above 1 MHz).
 * The truncation of mult costs under a nanosecond per second.
 *
 * Without a TSC frequency (tsc_khz 0: a monitor that could not get one)
 * both clocks fall back to the WALLTIME hypercall, an exit per read.
 * Either way kiln_mono_ns never goes back: the last value is kept and
 * returned again if the source ever reads lower.
 */
#include <stdint.h>

#include <kiln/kiln.h>

#include "kvm.h"

static uint64_t tsc_base, mult, boot_wall, last_mono;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t hc_wall(void)
{
	struct kvm_hc_walltime w = {0};

	kvm_hypercall(KVM_HC_WALLTIME, &w);
	return w.ns;
}

void kvm_clock_init(void)
{
	tsc_base = kvm_boot->tsc_at_boot;
	boot_wall = kvm_boot->wall_ns;
	/* 10^6 * 2^32 < 2^52: a 64-bit division (one instruction; a
	 * 128-bit one is a libgcc loop, and every instruction counts at
	 * boot where KVM emulates guest code). */
	if (kvm_boot->tsc_khz)
		mult = (1000000ull << 32) / kvm_boot->tsc_khz;
}

/* Nanoseconds since boot, from the source at hand. */
static uint64_t since_boot(void)
{
	if (!mult) {
		uint64_t w = hc_wall();
		return w > boot_wall ? w - boot_wall : 0;
	}
	uint64_t now = rdtsc();
	uint64_t delta = now > tsc_base ? now - tsc_base : 0;
	return (uint64_t)(((unsigned __int128)delta * mult) >> 32);
}

uint64_t kiln_mono_ns(void)
{
	uint64_t ns = since_boot();

	if (ns < last_mono)
		return last_mono;
	last_mono = ns;
	return ns;
}

uint64_t kiln_wall_ns(void)
{
	return boot_wall + kiln_mono_ns();
}
