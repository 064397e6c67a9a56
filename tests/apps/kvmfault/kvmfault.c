/*
 * kvmfault: the kvm target's fault reports (tests/kvm_guest.t). The first
 * argument picks what goes wrong; each must end the VM with its own clear
 * message and a non-zero status, and never crash the monitor:
 *
 *   text       write to the image's own text (read-execute)
 *   data       jump into data (read-write, no-execute)
 *   null       read page 0 (never mapped)
 *   stack      recurse until the stack's guard page
 *   ud         an invalid instruction
 *   panic      kiln_panic
 *   hcaddr     a hypercall whose struct lies outside guest memory
 *   hcunknown  a hypercall number the ABI does not have
 *   peek ADDR  read ADDR (hex), e.g. the monitor's page tables at the top
 *              of guest memory, which CPL 3 may not touch
 *   exit N     no fault: kiln_exit(N), for the exit status
 *
 * The hypercalls are raw `outl`s in rawhc.c: appliances never do this.
 */
#include <kiln/kiln.h>
#include <kiln/log.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The faults are on purpose; so is telling the compiler so. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
#pragma GCC diagnostic ignored "-Warray-bounds"

void rawhc_bad_address(void);
void rawhc_unknown_call(void);

/* A `ret` in writable data: executing it must fault (NX). */
static uint8_t data_code[16] = {0xc3};

static volatile int sink;

static int __attribute__((noinline)) recurse(int depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	return recurse(depth + 1) + pad[0];
}

int kiln_main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	kiln_printf("kvmfault: %s\n", what);
	if (!strcmp(what, "text")) {
		*(volatile uint8_t *)(uintptr_t)kiln_main = 0x90;
	} else if (!strcmp(what, "data")) {
		((void (*)(void))(uintptr_t)data_code)();
	} else if (!strcmp(what, "null")) {
		sink = *(volatile int *)(uintptr_t)8;
	} else if (!strcmp(what, "stack")) {
		sink = recurse(0);
	} else if (!strcmp(what, "ud")) {
		__builtin_trap();
	} else if (!strcmp(what, "panic")) {
		kiln_panic("kvmfault asked for a panic");
	} else if (!strcmp(what, "hcaddr")) {
		rawhc_bad_address();
	} else if (!strcmp(what, "hcunknown")) {
		rawhc_unknown_call();
	} else if (!strcmp(what, "peek") && argc > 2) {
		sink = *(volatile int *)(uintptr_t)strtoull(argv[2], NULL, 16);
	} else if (!strcmp(what, "exit") && argc > 2) {
		kiln_exit(atoi(argv[2]));
		return 0;
	} else {
		kiln_printf("kvmfault: unknown fault '%s'\n", what);
		return 3;
	}
	kiln_printf("kvmfault: %s did not fault\n", what);
	return 4;
}
