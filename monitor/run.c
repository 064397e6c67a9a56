/*
 * The exit loop. The only exits a well-behaved guest causes are its
 * hypercalls (a 4-byte `out` to a port from KVM_HC_PORT_BASE); anything
 * else (HLT without the HALT call, a triple fault, MMIO outside guest
 * memory, a failed entry, a KVM internal error) ends the run with a
 * report and status 1.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "monitor.h"

static void io_exit(struct monitor *m)
{
	const struct kvm_run *r = m->run;
	unsigned port = r->io.port;
	uint32_t v;

	if (r->io.direction == KVM_EXIT_IO_OUT && r->io.size == 4 &&
	    r->io.count == 1 && port >= KVM_HC_PORT_BASE &&
	    port < KVM_HC_PORT_BASE + HC_PORT_SPAN) {
		/* data_offset is KVM's, inside the kvm_run mapping. */
		memcpy(&v, (const uint8_t *)r + r->io.data_offset, sizeof v);
		hc_dispatch(m, port - KVM_HC_PORT_BASE, v);
		return;
	}
	guest_fault(m,
		    "guest did port I/O the monitor does not serve: %s of "
		    "%u byte(s) x%u at port 0x%x",
		    r->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
		    r->io.size, r->io.count, port);
}

/*
 * An instruction KVM had to emulate and could not. On a host whose KVM
 * runs guest code through its instruction emulator (software KVM such as
 * PVM), that includes SSE and x87 instructions: say which bytes, since
 * that is what the guest's author needs.
 */
static __attribute__((noreturn)) void internal_error(struct monitor *m)
{
	const struct kvm_run *r = m->run;
	char bytes[64] = "";
	size_t n = 0;

	if (r->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
		guest_fault(m, "KVM internal error, suberror %u",
			    r->internal.suberror);
	if (r->emulation_failure.ndata >= 3 &&
	    (r->emulation_failure.flags &
	     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		unsigned len = r->emulation_failure.insn_size;
		if (len > 8)
			len = 8; /* enough to name the instruction */
		n = (size_t)snprintf(bytes, sizeof bytes, ", bytes");
		for (unsigned i = 0; i < len; i++)
			n += (size_t)snprintf(
				bytes + n, sizeof bytes - n, " %02x",
				r->emulation_failure.insn_bytes[i]);
	}
	guest_fault(m,
		    "KVM could not emulate a guest instruction%s (on a "
		    "host whose KVM emulates guest code, SSE and x87 "
		    "instructions fail: build the guest with "
		    "-mgeneral-regs-only)",
		    bytes);
}

void run_loop(struct monitor *m)
{
	struct kvm_run *r = m->run;

	for (;;) {
		int rc, err;

		if (prof_on)
			prof_enter();
		rc = ioctl(m->vcpu_fd, KVM_RUN, 0);
		err = errno;
		if (prof_on)
			prof_leave(m, rc < 0 && err == EINTR);
		if (rc < 0) {
			errno = err;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			guest_fault(m, "KVM_RUN failed: %s", strerror(errno));
		}
		switch (r->exit_reason) {
		case KVM_EXIT_IO:
			io_exit(m);
			break;
		case KVM_EXIT_HLT:
			guest_fault(m, "guest executed HLT without the HALT "
				       "hypercall (with interrupts off, it "
				       "would never wake)");
		case KVM_EXIT_SHUTDOWN:
			guest_fault(m, "guest triple fault: an exception its "
				       "IDT did not handle (or no IDT)");
		case KVM_EXIT_MMIO:
			guest_fault(m,
				    "guest %s %u byte(s) at 0x%llx, outside "
				    "guest memory",
				    r->mmio.is_write ? "wrote" : "read",
				    r->mmio.len,
				    (unsigned long long)r->mmio.phys_addr);
		case KVM_EXIT_FAIL_ENTRY:
			guest_fault(m,
				    "KVM could not enter the guest "
				    "(hardware entry failure 0x%llx)",
				    (unsigned long long)r->fail_entry
					    .hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			internal_error(m);
		default:
			guest_fault(m, "unexpected KVM exit %u",
				    r->exit_reason);
		}
	}
}
