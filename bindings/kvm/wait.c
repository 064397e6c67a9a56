/*
 * plat_wait on the kvm target, the one place the VM waits: one exit per
 * pass of the loop. With a net device that is NET_IO (netif.c), which
 * sends the frames the pass queued, receives a batch and waits for input
 * up to the timeout only when none came; without one, POLL. Either way
 * the monitor blocks in its ppoll(2) on the devices' descriptors and
 * says which have input; we then receive from each other ready net
 * device (block devices complete synchronously and are never "ready").
 * The timeout is relative, from the TSC clock, so no exit is spent on
 * reading time.
 */
#include <stdint.h>

#include <kiln/kiln.h>
#include <kiln/platform.h>

#include "kvm.h"

void plat_wait(uint64_t deadline_ns)
{
	uint64_t timeout, ready;

	if (deadline_ns == 0 || deadline_ns == UINT64_MAX) {
		timeout = deadline_ns;
	} else {
		uint64_t now = kiln_mono_ns();
		timeout = deadline_ns > now ? deadline_ns - now : 0;
	}
	if (kvm_net_any()) {
		ready = kvm_net_wait(timeout);
	} else {
		struct kvm_hc_poll p = {.timeout_ns = timeout};
		kvm_hypercall(KVM_HC_POLL, &p);
		ready = p.ready;
	}
	for (unsigned i = 0; i < KVM_MAX_DEVS && ready; i++, ready >>= 1)
		if ((ready & 1) && kvm_net_is(i))
			kvm_net_ready(i);
}
