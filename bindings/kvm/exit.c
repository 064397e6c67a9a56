/*
 * Ending the VM and backtraces on the kvm target.
 *
 * plat_exit is the HALT hypercall, after the frames the net devices still
 * queue for the next exit (netif.c) are sent: an appliance that sends and
 * then stops means them to go. The console is unbuffered (every
 * kiln_console_write is its own hypercall).
 * plat_backtrace walks the frame-pointer chain (every kvm image is built
 * with -fno-omit-frame-pointer) and prints return addresses; the image
 * keeps its symbols, so `addr2line -e IMAGE ADDR` names them.
 */
#include <stdint.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/platform.h>

#include "kvm.h"

void kvm_halt(int status, const char *why)
{
	struct kvm_hc_halt h = {.status = status & 0xff};

	if (why) {
		h.msg = (uint64_t)(uintptr_t)why;
		h.msg_len = strnlen(why, 4096);
	}
	for (;;) /* the monitor never resumes a halted guest */
		kvm_hypercall(KVM_HC_HALT, &h);
}

void plat_exit(int status)
{
	kvm_net_flush();
	kvm_halt(status, NULL);
}

void kvm_backtrace_from(uintptr_t fp)
{
	kiln_printf("backtrace (addr2line -e IMAGE ADDR names them):\n");
	for (int depth = 0; depth < 32 && fp >= 4096 && fp % 8 == 0 &&
			    fp + 16 <= kvm_boot->mem_size;
	     depth++) {
		const uint64_t *f = (const uint64_t *)fp;
		if (!f[1])
			break;
		kiln_printf("  0x%llx\n", (unsigned long long)f[1]);
		if (f[0] <= fp)
			break;
		fp = (uintptr_t)f[0];
	}
}

void plat_backtrace(void)
{
	kvm_backtrace_from((uintptr_t)__builtin_frame_address(0));
}
