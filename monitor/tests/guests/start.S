/*
 * Entry and exception stubs of the test guests. The monitor enters here in
 * long mode with RDI = boot info, RSP = stack top; guest_main's return
 * value becomes the exit status through the HALT hypercall.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	xorl %ebp, %ebp		/* the end of the frame-pointer chain */
	call guest_main
	movl %eax, %edi
	call guest_exit
1:	jmp 1b

/* Vector n: push a zero error code when the CPU pushes none. */
.macro stub n, err
	.text
isr\n:
	.if \err == 0
	pushq $0
	.endif
	pushq $\n
	jmp isr_common
	.section .rodata
	.quad isr\n
.endm

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
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
	.section .note.GNU-stack,"",@progbits
