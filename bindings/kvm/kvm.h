/*
 * Internal interface of the kvm binding (bindings/kvm): Kiln as a bare
 * x86-64 virtual machine under kiln-kvm. Only bindings/kvm includes it.
 *
 * Start-up, in order:
 *   1. start.S: the monitor enters in 64-bit mode at CPL 3 with RDI = the
 *      boot info and RSP = the stack top, its GDT and TSS loaded and our
 *      IDT (kvm.ld, named by start.S's IDT note) too; start.S calls
 *      kvm_main.
 *   2. kvm_main (main.c): the boot info;
 *      the clocks; the heap (lib/libc) over the boot info's heap region;
 *      the start line split into tokens; the devices (netif.c, block.c);
 *      then core_start with the tokens.
 *   3. core_start applies KEY=VALUE, then calls kiln_main, which the link
 *      wraps (-Wl,--wrap=kiln_main, as posix-direct does) so that
 *      __wrap_kiln_main attaches the stack to the net devices once ipv4=
 *      and gateway= are known, then calls the appliance's kiln_main.
 *   4. loop_run; plat_wait (wait.c) is the one place that waits: a NET_IO
 *      hypercall (POLL without a net device) with the time left, which
 *      also sends and receives, then the other ready devices' handlers.
 */
#ifndef KILN_KVM_H
#define KILN_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/kvm_abi.h>

/* The boot info the monitor handed over, kept for the image's life. */
extern const struct kvm_boot_info *kvm_boot;

/*
 * Make hypercall `call` with its struct at arg. The monitor reads the
 * struct, does the call and writes the OUT fields before the guest runs
 * on: the "memory" clobber makes the compiler store every IN field before
 * the out instruction and read the OUT fields afresh after it. Guest
 * memory is identity mapped, so the struct's address is its GPA.
 */
static inline void kvm_hypercall(enum kvm_hc call, void *arg)
{
	__asm__ volatile("outl %0, %1"
			 :
			 : "a"((uint32_t)(uintptr_t)arg),
			   "Nd"((uint16_t)(KVM_HC_PORT_BASE + call))
			 : "memory");
}

/* End the VM with status and an optional reason (NULL: none). */
void kvm_halt(int status, const char *why) __attribute__((noreturn));

/* clock.c: read the boot info's TSC frequency; before any clock read. */
void kvm_clock_init(void);

/*
 * Devices (netif.c, block.c): called by kvm_main for each device of the
 * boot info, index i in boot order (the bit of KVM_HC_POLL's ready mask).
 * Returns 0, or -1 with a reason in why.
 */
int kvm_net_open(unsigned i, const struct kvm_boot_dev *d, char *why,
		 size_t whylen);
int kvm_block_open(unsigned i, const struct kvm_boot_dev *d, char *why,
		   size_t whylen);

/*
 * net_attach (lib/net), with pool_mem bytes of the heap for TCP's pools
 * (net_set_pool_memory), when the manifest declares a net device, else a
 * stub returning -ENODEV: generated per image into gen/kiln_kvm.c
 * (tools/gen_kvm.c), so that an image without a net device does not
 * reference Kiln's stack and the linker leaves it out.
 */
struct netif;
int kvm_gen_net_attach(struct netif *nif, size_t pool_mem);

/* Attach Kiln's stack to every net device (netif.c), after the keys. */
int kvm_net_attach_all(char *why, size_t whylen);

/* Whether the image has a net device (then plat_wait is kvm_net_wait). */
bool kvm_net_any(void);

/*
 * plat_wait's one exit: the first net device's queued frames out, a batch
 * in and given to the stack, and a wait up to timeout_ns when nothing
 * came (NET_IO). Returns the other devices that have input.
 */
uint64_t kvm_net_wait(uint64_t timeout_ns);

/* Device i has input (a ready mask said so): receive a batch. */
void kvm_net_ready(unsigned i);

/* Send every queued frame now (at exit). */
void kvm_net_flush(void);

/* True when device i is a net device this binding drives. */
bool kvm_net_is(unsigned i);

/* Print a frame-pointer backtrace starting at frame pointer fp. */
void kvm_backtrace_from(uintptr_t fp);

#endif /* KILN_KVM_H */
