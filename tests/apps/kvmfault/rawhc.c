/*
 * Raw hypercalls for kvmfault, test-only: an appliance never talks to the
 * monitor itself. Port numbers and struct layout from kiln/kvm_abi.h.
 */
#include <kiln/kvm_abi.h>

void rawhc_bad_address(void);
void rawhc_unknown_call(void);

static void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

/* A console call whose struct would lie past the end of guest memory. */
void rawhc_bad_address(void)
{
	outl(KVM_HC_PORT_BASE + KVM_HC_CONSOLE, 0xfffffff0u);
}

/* A call number past the last one. */
void rawhc_unknown_call(void)
{
	static struct kvm_hc_walltime w;

	outl(KVM_HC_PORT_BASE + KVM_HC_COUNT + 7, (uint32_t)(uintptr_t)&w);
}
