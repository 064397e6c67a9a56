/*
 * The kvm target's entry point, exception stubs and IDT note.
 *
 * The monitor enters _start in 64-bit mode at CPL 3, interrupts off, with
 * RDI = the guest-physical address of struct kvm_boot_info and RSP = the
 * top of the stack, 16-byte aligned, and IDTR loaded from our IDT note
 * (include/kiln/kvm_abi.h). Memory is identity mapped. Nothing here needs
 * more than that: clear RBP so that backtraces end at this frame, and call
 * kvm_main (main.c), which never returns.
 */
#include <kiln/kvm_abi.h>

	.section .text.boot, "ax", @progbits
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp
	cld
	/* RSP is 16-byte aligned here; the call pushes 8 bytes, which is
	 * what the SysV ABI expects at a function's entry. */
	call kvm_main
1:	jmp 1b			/* not reached (hlt would #GP at CPL 3) */
	.size _start, . - _start

/*
 * Exception vectors 0-31. Each stub makes the stack look the same for
 * every vector: it pushes a zero where the CPU pushes no error code, then
 * the vector number, and jumps to trap_common, which saves the general
 * registers and calls kvm_trap(struct kvm_trap_frame *) (trap.c), which
 * reports and halts: no handler ever returns. Handlers run at CPL 0. Every
 * gate runs on the monitor's IST1 stack (TSS.IST1), so that even a fault
 * in a handler still has a stack to report on.
 */
	.macro TRAP_NOERR vec
	.balign 16
trap_stub_\vec:
	pushq $0
	pushq $\vec
	jmp trap_common
	.endm

	.macro TRAP_ERR vec
	.balign 16
trap_stub_\vec:
	pushq $\vec
	jmp trap_common
	.endm

	.section .text.trap, "ax", @progbits
	.globl kvm_trap_stub0	/* kvm.ld builds the IDT from it */
	.balign 16
kvm_trap_stub0:
	TRAP_NOERR 0
	TRAP_NOERR 1
	TRAP_NOERR 2
	TRAP_NOERR 3
	TRAP_NOERR 4
	TRAP_NOERR 5
	TRAP_NOERR 6
	TRAP_NOERR 7
	TRAP_ERR 8
	TRAP_NOERR 9
	TRAP_ERR 10
	TRAP_ERR 11
	TRAP_ERR 12
	TRAP_ERR 13
	TRAP_ERR 14
	TRAP_NOERR 15
	TRAP_NOERR 16
	TRAP_ERR 17
	TRAP_NOERR 18
	TRAP_NOERR 19
	TRAP_NOERR 20
	TRAP_ERR 21
	TRAP_NOERR 22
	TRAP_NOERR 23
	TRAP_NOERR 24
	TRAP_NOERR 25
	TRAP_NOERR 26
	TRAP_NOERR 27
	TRAP_NOERR 28
	TRAP_ERR 29
	TRAP_ERR 30
	TRAP_NOERR 31

/*
 * The layout pushed here, lowest address first, is struct kvm_trap_frame
 * in trap.c: r15 ... rax, vector, error code, then the CPU's RIP, CS,
 * RFLAGS, RSP, SS. The CPU aligned RSP to 16 before its 6 words (with the
 * error code); 1 + 15 more words keep it aligned for the call.
 */
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call kvm_trap
1:	hlt			/* kvm_trap does not return */
	jmp 1b

/*
 * The IDT note: the monitor loads IDTR with kvm.ld's kvm_idt before the
 * first instruction (code at CPL 3 cannot lidt). Same section as the
 * manifest note (gen/kiln_kvm.c), 4-byte aligned like it.
 */
	.section .note.kiln, "a"
	.balign 4
	.long 5, 16, KVM_NOTE_IDT	/* namesz, descsz, type */
	.asciz "Kiln"
	.balign 4
	.quad kvm_idt, kvm_idt_end	/* struct kvm_note_idt */

	.section .note.GNU-stack, "", @progbits
