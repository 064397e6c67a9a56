/*
 * The boot floor of this machine: the least a KVM monitor can do. Creates
 * a VM with the same amount of memory as kiln-kvm would (mmap'd the same
 * way), one vCPU in real mode, and runs one HLT. Exit 0 when the HLT
 * exit arrives; 1 with the reason when this host cannot run a VM (the
 * tests use that to decide to skip).
 *   floor [--mem=MIB]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long mib = 32;
	int kvm, vm, vcpu, sz;
	uint8_t *mem;
	struct kvm_run *run;
	struct kvm_sregs sr;
	struct kvm_regs regs = {.rip = 0x1000, .rflags = 2};

	if (argc > 1 && !strncmp(argv[1], "--mem=", 6))
		mib = strtoul(argv[1] + 6, NULL, 10);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	mem = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	mem[0x1000] = 0xf4; /* hlt */
	struct kvm_userspace_memory_region slot = {
		.memory_size = mib << 20, .userspace_addr = (uintptr_t)mem};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || sz <= 0)
		return fail("KVM_CREATE_VCPU");
	run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
		   0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sr) < 0)
		return fail("KVM_GET_SREGS");
	sr.cs.base = 0;
	sr.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sr) < 0 ||
	    ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_SREGS/REGS");
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "floor: exit %u, want HLT\n", run->exit_reason);
		return 1;
	}
	return 0;
}
