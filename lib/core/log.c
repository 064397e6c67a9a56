/*
 * Levelled logging and kiln_printf, straight to the console.
 *
 * Nothing here allocates: each line is formatted into a buffer on the stack
 * and written with one kiln_console_write, so that lines from different
 * callbacks never interleave and a line is on the console before the call
 * returns (which matters when the next thing that happens is a crash).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>

#include "core.h"

enum log_level log_current_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	if ((unsigned)level > LOG_DEBUG)
		level = LOG_DEBUG;
	log_current_level = level;
}

bool log_level_parse(const char *name, enum log_level *out)
{
	unsigned i;

	if (!name)
		return false;
	for (i = 0; i <= LOG_DEBUG; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

/*
 * Format into buf (size > 1) and make sure it ends with a newline, cutting
 * the text when it does not fit. Returns the length to write.
 */
size_t core_vformat_line(char *buf, size_t size, size_t used, const char *fmt,
			 va_list ap)
{
	int n;

	if (used >= size - 1)
		used = size - 2;
	n = vsnprintf(buf + used, size - used, fmt, ap);
	if (n < 0)
		n = 0;
	used += (size_t)n;
	if (used > size - 2)
		used = size - 2; /* cut: keep room for the newline */
	buf[used++] = '\n';
	buf[used] = '\0';
	return used;
}

void log_write(enum log_level level, const char *fmt, ...)
{
	char buf[LOG_LINE_MAX];
	size_t used;
	va_list ap;

	if ((unsigned)level > LOG_DEBUG)
		level = LOG_DEBUG;
	used = strlen(level_names[level]);
	memcpy(buf, level_names[level], used);
	buf[used++] = ':';
	buf[used++] = ' ';
	va_start(ap, fmt);
	used = core_vformat_line(buf, sizeof(buf), used, fmt, ap);
	va_end(ap);
	(void)kiln_console_write(buf, used);
}

/*
 * Output longer than KILN_PRINTF_MAX - 1 bytes is cut there (nothing marks
 * the cut): formatting again in chunks would need the whole output, and a
 * larger stack buffer is a poor trade on bare targets. Returns the bytes
 * written, or -EIO.
 */
int kiln_printf(const char *fmt, ...)
{
	char buf[KILN_PRINTF_MAX];
	va_list ap;
	int n;
	size_t len;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EIO;
	len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	if (len && kiln_console_write(buf, len) < 0)
		return -EIO;
	return (int)len;
}
