/*
 * Ending the image, backtraces, and fatal signals on the posix targets.
 *
 * A fatal signal (a crash in the appliance or in Kiln) prints the signal,
 * a backtrace and ends the process with 128 + signal, like a shell reports
 * it. The handler uses only write(2), backtrace() and _exit(); backtrace()
 * is called once at start-up so that its lazy loading of libgcc (which
 * allocates) happens before any crash, which makes it safe enough here.
 * The handler runs on its own stack so that a stack overflow is reported
 * too.
 */
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <kiln/image.h>
#include <kiln/platform.h>

#include "posix.h"

#define BT_DEPTH 64

void plat_exit(int status)
{
	/* The console is unbuffered; stdio is flushed for anything that
	 * used it anyway (start-up errors, a debugging printf). */
	fflush(NULL);
	_exit(status & 0xff);
}

void plat_backtrace(void)
{
	void *pcs[BT_DEPTH];
	int n = backtrace(pcs, BT_DEPTH);

	backtrace_symbols_fd(pcs, n, STDOUT_FILENO);
}

static void put(const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, s, len);
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void crash_handler(int sig)
{
	char num[8];
	int i = (int)sizeof num - 1;
	int v = sig;

	num[i] = '\0';
	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);

	put("PANIC: ");
	put(image_app_name);
	put(": fatal signal ");
	put(num + i);
	put(" (");
	put(sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	put(")\n");
	plat_backtrace();
	_exit(128 + sig);
}

void posix_crash_init(void)
{
	static char altstack[64 * 1024];
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	void *warm[1];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	struct sigaction sa;

	(void)backtrace(warm, 1);
	(void)sigaltstack(&ss, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = crash_handler;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++)
		(void)sigaction(sigs[k], &sa, NULL);
}
