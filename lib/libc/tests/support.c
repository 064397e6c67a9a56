/*
 * Support for the libc host tests: kiln_panic_at, which the libc calls on
 * misuse (a double free). A test that expects a panic arms panic_jmp and
 * gets back there; any other panic ends the test binary with a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <kiln/log.h>

#include "support.h"

jmp_buf *panic_jmp;
char panic_msg[512];

void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
	va_end(ap);
	if (panic_jmp) {
		jmp_buf *j = panic_jmp;
		panic_jmp = NULL;
		longjmp(*j, 1);
	}
	printf("not ok - unexpected panic at %s:%d: %s\n", file, line,
	       panic_msg);
	exit(1);
}
