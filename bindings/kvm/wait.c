/*
 * plat_wait on the kvm target: the POLL hypercall, the one place the VM
 * waits. The monitor blocks in its poll(2) on the devices' descriptors up
 * to the timeout and says which devices have input; we then receive from
 * each ready net device (block devices complete synchronously and are
 * never "ready"). The timeout is relative, from the TSC clock, so no exit
 * is spent on reading time.
 */
#include <stdint.h>

#include <kiln/kiln.h>
#include <kiln/platform.h>

#include "kvm.h"

void plat_wait(uint64_t deadline_ns)
{
	struct kvm_hc_poll p = {0};

	if (deadline_ns == 0 || deadline_ns == UINT64_MAX) {
		p.timeout_ns = deadline_ns;
	} else {
		uint64_t now = kiln_mono_ns();
		p.timeout_ns = deadline_ns > now ? deadline_ns - now : 0;
	}
	kvm_hypercall(KVM_HC_POLL, &p);
	for (unsigned i = 0; i < KVM_MAX_DEVS && p.ready; i++, p.ready >>= 1)
		if ((p.ready & 1) && kvm_net_is(i))
			kvm_net_ready(i);
}
