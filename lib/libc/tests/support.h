/* Support for the libc host tests (support.c). */
#ifndef KILN_LIBC_TESTS_SUPPORT_H
#define KILN_LIBC_TESTS_SUPPORT_H

#include <setjmp.h>

/* Armed by a test that expects kiln_panic; cleared when it fires. */
extern jmp_buf *panic_jmp;
extern char panic_msg[512];

#endif
