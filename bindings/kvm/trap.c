/*
 * CPU exceptions on the kvm target. The image runs at CPL 3; its IDT
 * (kvm.ld, in read-only data) is named by the IDT note (start.S), and the
 * monitor loads it, with its own GDT and a TSS whose IST1 stack every one
 * of our 32 gates uses (include/kiln/kvm_abi.h): code at CPL 3 could not
 * lidt, lgdt or ltr, and there is nothing to set up here. Handlers run at
 * CPL 0. An exception is always a bug in the image (no device raises
 * interrupts; the guest runs with interrupts off), so the handler reports
 * and halts; nothing returns.
 *
 * The report goes out as the HALT hypercall's message (the monitor writes
 * it to its stderr, like its own fault reports): the exception's name,
 * error code, RIP, CR2 for a page fault with what the error code says
 * (a write to read-only memory, an instruction fetch from no-execute
 * memory, an unmapped page, a NULL pointer), "stack overflow" when CR2 is
 * in the guard page below the stack, and a frame-pointer backtrace of
 * addresses (`addr2line -e IMAGE ADDR` names them; the image keeps its
 * symbols). The exit status follows what a shell shows for the signal a
 * posix image would get: 139 (SIGSEGV) for page faults, protection
 * faults and most others, 132 (SIGILL) for an invalid opcode, 136 (SIGFPE)
 * for arithmetic faults, 133 (SIGTRAP) for breakpoints.
 *
 * A fault while reporting (a corrupt frame chain, say) must not loop: a
 * second entry halts at once with a fixed message. Every gate uses IST1
 * (the monitor's), so even then the handler starts on a known-good stack.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <kiln/image.h>
#include <kiln/kiln.h>

#include "kvm.h"

#define NVEC 32

/* What start.S's trap_common leaves on the stack. */
struct kvm_trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

static const char *const names[NVEC] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack-segment fault",
	[13] = "#GP general protection fault",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point error",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
};

static int status_for(unsigned vec)
{
	switch (vec) {
	case 6:
		return 128 + 4; /* SIGILL */
	case 0:
	case 16:
	case 19:
		return 128 + 8; /* SIGFPE */
	case 1:
	case 3:
		return 128 + 5; /* SIGTRAP */
	default:
		return 128 + 11; /* SIGSEGV */
	}
}

/* The report, built here rather than on a stack that may be the problem. */
static char report[KVM_CMDLINE_MAX];
static size_t used;
static volatile int in_trap;

static void add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (used >= sizeof report - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(report + used, sizeof report - used, fmt, ap);
	va_end(ap);
	if (n > 0)
		used += (size_t)n < sizeof report - used
				? (size_t)n
				: sizeof report - used - 1;
}

/* What a page fault's error code and address say, in words. */
static void explain_pf(uint64_t err, uint64_t cr2)
{
	uint64_t guard = kvm_boot->stack_bottom - 4096;

	if (cr2 >= guard && cr2 < kvm_boot->stack_bottom) {
		add("stack overflow (address 0x%llx is in the guard page "
		    "below the stack)\n",
		    (unsigned long long)cr2);
		return;
	}
	/* Above stack_top lies the monitor's memory: page tables, GDT, TSS
	 * and exception stacks, in supervisor-only pages that the image, at
	 * CPL 3, cannot touch (kvm_abi.h). */
	bool monitor = cr2 >= kvm_boot->stack_top && cr2 < kvm_boot->mem_size;
	const char *what = err & (1u << 4) ? "instruction fetch from"
			   : err & 2	   ? "write to"
					   : "read of";
	const char *kind = !(err & 1)	     ? "unmapped"
			   : monitor	     ? "the monitor's (supervisor-only)"
			   : err & (1u << 4) ? "no-execute (data)"
			   : err & 2	     ? "read-only"
					     : "protected";

	add("%s %s address 0x%llx%s\n", what, kind, (unsigned long long)cr2,
	    cr2 < 4096 ? " (a NULL pointer)" : "");
}

/* Is [p, p + 16) inside guest memory and outside page 0? */
static int frame_ok(uintptr_t p)
{
	uintptr_t guard = kvm_boot->stack_bottom - 4096;

	return p >= 4096 && p % 8 == 0 && p + 16 <= kvm_boot->mem_size &&
	       !(p + 16 > guard && p < kvm_boot->stack_bottom);
}

/* Append up to 32 return addresses walked from frame pointer fp. */
static void add_backtrace(uintptr_t fp)
{
	for (int depth = 0; depth < 32 && fp && frame_ok(fp); depth++) {
		const uint64_t *f = (const uint64_t *)fp;
		if (!f[1])
			break;
		add("  0x%llx\n", (unsigned long long)f[1]);
		if (f[0] <= fp) /* frames go up the stack; anything else is
				   a corrupt chain */
			break;
		fp = (uintptr_t)f[0];
	}
}

__attribute__((noreturn)) void kvm_trap(struct kvm_trap_frame *f);
void kvm_trap(struct kvm_trap_frame *f)
{
	unsigned vec = (unsigned)f->vector;
	uint64_t cr2 = 0;

	if (in_trap)
		kvm_halt(139, "kiln: fault while reporting a fault\n");
	in_trap = 1;
	if (vec == 14)
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	add("PANIC: %s: CPU exception %u (%s), error code 0x%llx\n",
	    image_app_name, vec,
	    vec < NVEC && names[vec] ? names[vec] : "reserved",
	    (unsigned long long)f->error);
	add("  rip 0x%llx rsp 0x%llx rbp 0x%llx cr2 0x%llx\n",
	    (unsigned long long)f->rip, (unsigned long long)f->rsp,
	    (unsigned long long)f->rbp, (unsigned long long)cr2);
	add("  ");
	if (vec == 14)
		explain_pf(f->error, cr2);
	else if (vec == 13 && f->error == 0)
		add("a protection fault (a bad instruction operand, a "
		    "non-canonical address, a privileged operation)\n");
	else if (vec == 8)
		add("a fault while the CPU was delivering another one\n");
	else
		add("an exception the image did not expect\n");
	add("  backtrace (addr2line -e IMAGE ADDR names them):\n  0x%llx\n",
	    (unsigned long long)f->rip);
	add_backtrace((uintptr_t)f->rbp);
	kvm_halt(status_for(vec), report);
}
