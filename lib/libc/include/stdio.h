/*
 * Kiln's freestanding libc: stdio.h. There are no streams on a bare
 * target (the console is kiln/kiln.h's kiln_printf): only the formatting
 * half, the snprintf family.
 *
 * Conversions: d i u x X o c s p %%; length modifiers hh h l ll z t j;
 * flags - 0 + space #; width and precision, each also as '*'. Not
 * supported: %n (it writes through an argument: a format-string attack's
 * favourite; here it consumes its pointer and writes nothing), and
 * floating point (%f %e %g %a print "?", and consume a double where the
 * compiler can pass one; kvm images are built with general registers
 * only): Kiln has no floating-point code. An unknown conversion character is
 * printed as it stands. Returns the length the whole output would have, as C
 * says.
 */
#ifndef KILN_LIBC_STDIO_H
#define KILN_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
	      va_list ap) __attribute__((format(printf, 3, 0)));
int sprintf(char *restrict buf, const char *restrict fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
