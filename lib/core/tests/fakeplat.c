/*
 * The fake platform of fakeplat.h: host code, so it may use stdio, stdlib
 * and setjmp, which lib/core itself may not.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/blockdev.h>
#include <kiln/kiln.h>
#include <kiln/loop.h>
#include <kiln/platform.h>

#include "fakeplat.h"

uint64_t fake_mono = 1000000000ull;
uint64_t fake_wall_offset = 1700000000ull * 1000000000ull;

unsigned long fake_wait_calls;
unsigned long fake_wait_forever;
uint64_t fake_wait_last;
void (*fake_wait_hook)(uint64_t deadline);

char fake_console[65536];
size_t fake_console_len;
bool fake_console_lost;

unsigned long fake_backtraces;
int fake_failures;

static jmp_buf exit_jmp;
static bool exit_armed;
static int exit_status;
static uint8_t entropy_counter;

uint64_t kiln_mono_ns(void)
{
	return fake_mono;
}

uint64_t kiln_wall_ns(void)
{
	return fake_mono + fake_wall_offset;
}

int kiln_entropy(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len--)
		*p++ = entropy_counter++;
	return 0;
}

int kiln_console_write(const void *buf, size_t len)
{
	size_t room = sizeof(fake_console) - 1 - fake_console_len;

	if (len > room) {
		len = room;
		fake_console_lost = true;
	}
	memcpy(fake_console + fake_console_len, buf, len);
	fake_console_len += len;
	fake_console[fake_console_len] = '\0';
	return 0;
}

void fake_console_clear(void)
{
	fake_console_len = 0;
	fake_console[0] = '\0';
	fake_console_lost = false;
}

bool fake_console_has(const char *needle)
{
	return strstr(fake_console, needle) != NULL;
}

void plat_wait(uint64_t deadline)
{
	fake_wait_calls++;
	fake_wait_last = deadline;
	if (fake_wait_hook) {
		fake_wait_hook(deadline);
	} else if (deadline == UINT64_MAX) {
		fake_wait_forever++;
		loop_stop(FAKE_BLOCKED);
		return;
	}
	if (deadline != UINT64_MAX && deadline > fake_mono)
		fake_mono = deadline;
}

void plat_backtrace(void)
{
	static const char mark[] = "[backtrace]\n";

	fake_backtraces++;
	kiln_console_write(mark, sizeof(mark) - 1);
}

void plat_exit(int status)
{
	if (exit_armed) {
		exit_status = status;
		longjmp(exit_jmp, 1);
	}
	fprintf(stderr, "fakeplat: unexpected plat_exit(%d); console:\n%s\n",
		status, fake_console);
	abort();
}

bool fake_catch_exit(void (*fn)(void *), void *arg, int *status)
{
	bool was_armed = exit_armed;

	/* Not nestable; a nested call would clobber the outer jmp_buf. */
	if (was_armed) {
		fprintf(stderr, "fakeplat: nested fake_catch_exit\n");
		abort();
	}
	if (setjmp(exit_jmp) != 0) {
		exit_armed = false;
		if (status)
			*status = exit_status;
		return true;
	}
	exit_armed = true;
	fn(arg);
	exit_armed = false;
	return false;
}

void fake_check(const char *name, bool good, const char *what, const char *file,
		int line)
{
	if (good) {
		printf("ok - %s\n", name);
	} else {
		printf("not ok - %s: %s (%s:%d)\n", name, what, file, line);
		fake_failures++;
	}
	fflush(stdout);
}

int fake_done(void)
{
	if (fake_failures)
		printf("# %d check(s) failed\n", fake_failures);
	return fake_failures ? 1 : 0;
}

/* lib/core/block.c's target half (blockdev.h): core tests register no
 * block device, so this is never reached. */
int blockdev_execute(long handle, const struct blockdev_req *r)
{
	(void)handle;
	(void)r;
	return -EIO;
}
