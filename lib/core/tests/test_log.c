/* Unit tests for logging, kiln_printf and kiln_panic (log.h, kiln.h). */
#include <stdbool.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>

#include "core.h"
#include "fakeplat.h"

static void test_levels(void)
{
	enum log_level l = LOG_ERROR;

	CHECK("log: default level info", log_current_level == LOG_INFO);
	CHECK("log: parse error",
	      log_level_parse("error", &l) && l == LOG_ERROR);
	CHECK("log: parse warn", log_level_parse("warn", &l) && l == LOG_WARN);
	CHECK("log: parse info", log_level_parse("info", &l) && l == LOG_INFO);
	CHECK("log: parse debug",
	      log_level_parse("debug", &l) && l == LOG_DEBUG);
	l = LOG_WARN;
	CHECK("log: parse refuses others",
	      !log_level_parse("Debug", &l) && !log_level_parse("", &l) &&
		      !log_level_parse("warning", &l) &&
		      !log_level_parse(NULL, &l) && l == LOG_WARN);
}

static int evaluated;
static int side(void)
{
	return ++evaluated;
}

static void test_write(void)
{
	fake_console_clear();
	log_set_level(LOG_INFO);
	log_error("e %d", 1);
	log_warn("w %s", "x");
	log_info("i");
	log_debug("d %d", side());
	CHECK("log: lines with level prefixes",
	      strcmp(fake_console, "error: e 1\nwarn: w x\ninfo: i\n") == 0);
	CHECK("log: filtered line not evaluated", evaluated == 0);
	log_set_level(LOG_DEBUG);
	fake_console_clear();
	log_debug("d %d", side());
	CHECK("log: debug when enabled",
	      strcmp(fake_console, "debug: d 1\n") == 0);
	log_set_level(LOG_ERROR);
	fake_console_clear();
	log_warn("hidden");
	log_error("shown");
	CHECK("log: error level hides warn",
	      strcmp(fake_console, "error: shown\n") == 0);
	log_set_level(LOG_INFO);
}

static void test_truncate(void)
{
	static char big[3000];

	memset(big, 'a', sizeof(big) - 1);
	fake_console_clear();
	log_info("%s", big);
	CHECK("log: long line cut to the buffer",
	      fake_console_len == LOG_LINE_MAX - 1);
	CHECK("log: cut line ends with newline",
	      fake_console[fake_console_len - 1] == '\n' &&
		      strncmp(fake_console, "info: aaa", 9) == 0);
	fake_console_clear();
	memset(big, 'b', LOG_LINE_MAX - 8);
	big[LOG_LINE_MAX - 8] = '\0';
	log_info("%s", big); /* "info: " + 1016 + "\n" = 1023 bytes: fits */
	CHECK("log: line that just fits is whole",
	      fake_console_len == LOG_LINE_MAX - 1 &&
		      fake_console[LOG_LINE_MAX - 3] == 'b');
}

static void test_printf(void)
{
	static char big[6000];
	int n;

	fake_console_clear();
	n = kiln_printf("x=%d %s\n", 42, "y");
	CHECK("printf: writes",
	      n == 7 && strcmp(fake_console, "x=42 y\n") == 0);
	fake_console_clear();
	n = kiln_printf("%s", "");
	CHECK("printf: empty", n == 0 && fake_console_len == 0);
	memset(big, 'c', sizeof(big) - 1);
	fake_console_clear();
	n = kiln_printf("%s", big);
	CHECK("printf: long output cut at KILN_PRINTF_MAX - 1",
	      n == KILN_PRINTF_MAX - 1 &&
		      fake_console_len == KILN_PRINTF_MAX - 1);
}

static void do_panic(void *arg)
{
	kiln_panic("broken %s", (const char *)arg);
}

static void do_assert(void *arg)
{
	int x = 1;

	KILN_ASSERT(x == 2);
}

static void test_panic(void)
{
	int st = 0;
	unsigned long bt = fake_backtraces;

	fake_console_clear();
	CHECK("panic: exits 134",
	      fake_catch_exit(do_panic, "thing", &st) && st == 134);
	CHECK("panic: message",
	      strncmp(fake_console, "PANIC at ", 9) == 0 &&
		      fake_console_has("test_log.c:") &&
		      fake_console_has(": broken thing\n[backtrace]\n"));
	CHECK("panic: backtrace once", fake_backtraces == bt + 1);
	fake_console_clear();
	CHECK("panic: second panic works too (guard cleared)",
	      fake_catch_exit(do_panic, "again", &st) && st == 134 &&
		      fake_console_has(": broken again\n"));
	fake_console_clear();
	CHECK("panic: assert",
	      fake_catch_exit(do_assert, NULL, &st) && st == 134 &&
		      fake_console_has("assertion failed: x == 2"));
}

int main(void)
{
	test_levels();
	test_write();
	test_truncate();
	test_printf();
	test_panic();
	return fake_done();
}
