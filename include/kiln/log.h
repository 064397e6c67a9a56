/*
 * Logging with levels, and panic.
 *
 * Log lines go to the console as "LEVEL: message\n" (posix targets add
 * nothing else: the host's tools add time stamps if wanted). The level is
 * set at start with the built-in key `log=error|warn|info|debug` (default
 * info); lines below it cost one comparison.
 *
 * kiln_panic() is for states that cannot happen: it prints the message and
 * a backtrace (symbolised where the target can) and ends the image with
 * status 134. It never returns. Malformed input is never a reason to panic:
 * count it and drop it.
 */
#ifndef KILN_LOG_H
#define KILN_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

extern enum log_level log_current_level;

void log_set_level(enum log_level level);

/* Parse "error", "warn", "info" or "debug"; returns false otherwise. */
bool log_level_parse(const char *name, enum log_level *out);

void log_write(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define KLOG(level, ...)                                                       \
	do {                                                                   \
		if ((level) <= log_current_level)                              \
			log_write((level), __VA_ARGS__);                       \
	} while (0)

#define log_error(...) KLOG(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  KLOG(LOG_WARN, __VA_ARGS__)
#define log_info(...)  KLOG(LOG_INFO, __VA_ARGS__)
#define log_debug(...) KLOG(LOG_DEBUG, __VA_ARGS__)

/* Print "PANIC at file:line: message", a backtrace, and end the image. */
void kiln_panic_at(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

#define kiln_panic(...) kiln_panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* Panic unless cond holds; for invariants, never for input checks. */
#define KILN_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			kiln_panic("assertion failed: %s", #cond);             \
	} while (0)

#endif /* KILN_LOG_H */
