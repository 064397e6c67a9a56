/*
 * kiln_panic: for states that cannot happen (log.h). Prints the message and
 * a backtrace, then ends the image with status 134 (what a shell reports
 * for SIGABRT, so scripts treat a panic like an abort).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/platform.h>

#include "core.h"

/*
 * Set while the message and backtrace are printed: a panic raised from the
 * console or the backtrace code must not recurse forever, so the second one
 * goes straight to the exit.
 */
static bool in_panic;

/* snprintf through vsnprintf: the one stdio call lib/core relies on. */
static size_t format_prefix(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 ? 0 : (size_t)n;
}

void kiln_panic_at(const char *file, int line, const char *fmt, ...)
{
	static const char nested[] = "PANIC while panicking\n";
	char buf[PANIC_LINE_MAX];
	size_t used;
	va_list ap;

	if (in_panic) {
		(void)kiln_console_write(nested, sizeof(nested) - 1);
		plat_exit(134);
	}
	in_panic = true;
	used = format_prefix(buf, sizeof(buf),
			     "PANIC at %s:%d: ", file ? file : "?", line);
	va_start(ap, fmt);
	used = core_vformat_line(buf, sizeof(buf), used, fmt, ap);
	va_end(ap);
	(void)kiln_console_write(buf, used);
	plat_backtrace();
	/* Cleared before the exit, which a test platform may turn into a
	 * longjmp back to the test. */
	in_panic = false;
	plat_exit(134);
}
