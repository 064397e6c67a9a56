/*
 * Kiln's freestanding libc: assert.h. A failed assertion is a panic: a
 * message naming the expression, file and line, a backtrace, status 134.
 * Not re-included guard-free like glibc's: NDEBUG is read once.
 */
#ifndef KILN_LIBC_ASSERT_H
#define KILN_LIBC_ASSERT_H

_Noreturn void __assert_fail(const char *expr, const char *file, int line,
			     const char *func);

#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e)                                                              \
	((e) ? (void)0 : __assert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#ifndef __cplusplus
#define static_assert _Static_assert
#endif

#endif
