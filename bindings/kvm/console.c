/*
 * The console on the kvm target: the CONSOLE hypercall, which the monitor
 * writes to its stdout. Unbuffered as kiln.h asks: each call is one exit
 * (a few microseconds here), or more for output over the per-call limit.
 */
#include <errno.h>
#include <stdint.h>

#include <kiln/kiln.h>

#include "kvm.h"

#define CONSOLE_CHUNK 65536 /* the monitor's per-call limit (kvm_abi.h) */

int kiln_console_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		size_t n = len < CONSOLE_CHUNK ? len : CONSOLE_CHUNK;
		struct kvm_hc_console c = {.data = (uint64_t)(uintptr_t)p,
					   .len = n};

		kvm_hypercall(KVM_HC_CONSOLE, &c);
		if (c.ret < 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}
