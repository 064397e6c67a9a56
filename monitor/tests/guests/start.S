/*
 * Entry and exception stubs of the test guests. The monitor enters here in
 * long mode at CPL 3 (or 0 with --cpl0) with RDI = boot info, RSP = stack
 * top; guest_main's return value becomes the exit status through the HALT
 * hypercall.
 */
#include <kiln/kvm_abi.h>

	.section .text.start, "ax"
	.globl _start
_start:
	xorl %ebp, %ebp		/* the end of the frame-pointer chain */
	call guest_main
	movl %eax, %edi
	call guest_exit
1:	jmp 1b

/*
 * Vector n's stub, 16 bytes apart from isr_stub0 (guest.ld builds the IDT
 * from that): push a zero error code when the CPU pushes none.
 */
.macro stub n, err
	.balign 16
	.if \err == 0
	pushq $0
	.endif
	pushq $\n
	jmp isr_common
.endm

	.section .text.isr, "ax"
	.balign 16
	.globl isr_stub0
isr_stub0:
	stub 0,0
	stub 1,0
	stub 2,0
	stub 3,0
	stub 4,0
	stub 5,0
	stub 6,0
	stub 7,0
	stub 8,1
	stub 9,0
	stub 10,1
	stub 11,1
	stub 12,1
	stub 13,1
	stub 14,1
	stub 15,0
	stub 16,0
	stub 17,1
	stub 18,0
	stub 19,0

	.text
isr_common:
	movq %rsp, %rdi		/* vector, error, rip, cs, rflags, rsp, ss */
	subq $8, %rsp		/* 16-byte alignment for the call */
	call exception
1:	jmp 1b

#ifdef GUEST_IDT
/* The IDT note: the monitor loads IDTR from it (guest.ld's guest_idt). */
	.section .note.kiln, "a"
	.balign 4
	.long 5, 16, KVM_NOTE_IDT
	.asciz "Kiln"
	.balign 4
	.quad guest_idt, guest_idt_end
#endif
	.section .note.GNU-stack,"",@progbits
