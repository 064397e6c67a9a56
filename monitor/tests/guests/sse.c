/*
 * The one part of the test guest built with SSE2 enabled (the rest is
 * -mgeneral-regs-only): checks that the monitor turned on CR4.OSFXSR and
 * OSXMMEXCPT, so that baseline x86-64 code runs. On a host whose KVM
 * emulates guest code (PVM), the emulator refuses these instructions and
 * the monitor reports it.
 */
int guest_sse(void);
int guest_sse(void)
{
	volatile double a = 1.5, b = 2.25;
	return a * b == 3.375 ? 0 : 1;
}
