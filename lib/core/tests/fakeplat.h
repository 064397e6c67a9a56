/*
 * A fake platform for host unit tests (fakeplat.c), and the fake image
 * (fakeimage.c). Linked into every core and net unit test, so a test that
 * includes this gets a controllable clock, a captured console and a way to
 * survive plat_exit (panics included).
 */
#ifndef KILN_FAKEPLAT_H
#define KILN_FAKEPLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- clock ---------------------------------------------------------- */

/* What kiln_mono_ns() returns; tests may set it. Starts at 1 s. */
extern uint64_t fake_mono;
/* kiln_wall_ns() is fake_mono + this. */
extern uint64_t fake_wall_offset;

/* ---- plat_wait ------------------------------------------------------ */

/*
 * plat_wait(d) counts the call, records d, calls fake_wait_hook when set
 * (a test's "device readiness"), then advances fake_mono to d when d is
 * finite and later than now. With d == UINT64_MAX and no hook it records
 * that the loop would block forever and calls loop_stop(FAKE_BLOCKED) so
 * that a test never hangs.
 */
#define FAKE_BLOCKED (-99)
extern unsigned long fake_wait_calls;
extern unsigned long fake_wait_forever;
extern uint64_t fake_wait_last;
extern void (*fake_wait_hook)(uint64_t deadline);

/* ---- console -------------------------------------------------------- */

/* Everything written to the console since the last fake_console_clear,
 * NUL-terminated; cut (and fake_console_lost set) past 64 KiB. */
extern char fake_console[65536];
extern size_t fake_console_len;
extern bool fake_console_lost;
void fake_console_clear(void);
bool fake_console_has(const char *needle);

/* ---- exit and panic ------------------------------------------------- */

/*
 * Run fn(arg); when it (or anything it calls) reaches plat_exit, come back
 * here instead: returns true and stores the status. Returns false when fn
 * returned normally. Outside fake_catch_exit, plat_exit prints the
 * captured console to stderr and aborts.
 */
bool fake_catch_exit(void (*fn)(void *), void *arg, int *status);

/* Times plat_backtrace ran; it writes "[backtrace]\n" to the console. */
extern unsigned long fake_backtraces;

/* ---- fake image (fakeimage.c) ------------------------------------------ */

/* What the default kiln_main (weak; a test may define its own) saw. */
extern int fake_main_calls;
extern int fake_main_argc;
extern char **fake_main_argv;
/* The default kiln_main returns fake_main_fn(argc, argv) when it is set,
 * fake_main_ret otherwise. */
extern int fake_main_ret;
extern int (*fake_main_fn)(int argc, char **argv);

/* ---- checks ------------------------------------------------------------ */

extern int fake_failures;

/* Print "ok - name" or "not ok - name: cond"; count failures. */
#define CHECK(name, cond)                                                      \
	fake_check((name), (cond) ? true : false, #cond, __FILE__, __LINE__)
void fake_check(const char *name, bool good, const char *what, const char *file,
		int line);

/* The exit status for main: 0 when every check passed. */
int fake_done(void);

#endif /* KILN_FAKEPLAT_H */
