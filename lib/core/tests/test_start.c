/* Unit tests for start-up (core_start, kiln_exit) on the fake platform. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <kiln/addr.h>
#include <kiln/config.h>
#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/loop.h>
#include <kiln/platform.h>

#include "core.h"
#include "fakeplat.h"

struct start_args {
	int n;
	char **args;
};

static void run_start(void *arg)
{
	struct start_args *a = arg;

	core_start(a->n, a->args);
}

/* Run core_start on args; returns the exit status (-1000: no exit). */
static int start(int n, char **args)
{
	struct start_args a = {n, args};
	int st = -1000;

	fake_main_calls = 0;
	fake_main_argc = -1;
	fake_console_clear();
	if (!fake_catch_exit(run_start, &a, &st))
		return -1000;
	return st;
}

static bool argv_is(int argc, const char *const *want)
{
	int i;

	if (fake_main_argc != argc || fake_main_argv[argc] != NULL)
		return false;
	for (i = 0; i < argc; i++)
		if (strcmp(fake_main_argv[i], want[i]) != 0)
			return false;
	return true;
}

static void test_keys_and_args(void)
{
	char *a1[] = {"addr=1.2.3.4/8", "log=debug", "--", "a", "b"};
	char *a2[] = {"quiet=on", "hello", "x=1"};
	char *a3[] = {"Port=80", "y"};
	char *a4[] = {"--", "--", "z"};
	char *a5[] = {"gateway=9.9.9.9"};
	static const char *const w1[] = {"fakeapp", "a", "b"};
	static const char *const w2[] = {"fakeapp", "hello", "x=1"};
	static const char *const w3[] = {"fakeapp", "Port=80", "y"};
	static const char *const w4[] = {"fakeapp", "--", "z"};
	static const char *const w5[] = {"fakeapp"};
	uint32_t ip = 0;
	unsigned p = 0;

	fake_main_ret = 5;
	CHECK("start: main's status when the loop runs dry",
	      start(5, a1) == 5 && fake_main_calls == 1);
	CHECK("start: keys applied, '--' dropped", argv_is(3, w1));
	CHECK("start: settable key set", cfg_ipv4net("addr", &ip, &p) &&
						 ip == NET_IP4(1, 2, 3, 4) &&
						 p == 8);
	CHECK("start: log key applied", log_current_level == LOG_DEBUG);
	log_set_level(LOG_INFO);
	fake_main_ret = 0;
	CHECK("start: first non-key token starts the args",
	      start(3, a2) == 0 && argv_is(3, w2) && cfg_bool("quiet"));
	CHECK("start: capital name is not a key",
	      start(2, a3) == 0 && argv_is(3, w3));
	CHECK("start: only the first '--' is dropped",
	      start(3, a4) == 0 && argv_is(3, w4));
	CHECK("start: no args",
	      start(1, a5) == 0 && argv_is(1, w5) &&
		      cfg_ipv4("gateway") == NET_IP4(9, 9, 9, 9));
	CHECK("start: nothing at all", start(0, NULL) == 0 && argv_is(1, w5));
	cfg_start_reset();
}

static void test_refused(void)
{
	char *b1[] = {"port=80", "x"};
	char *b2[] = {"prot=80"};
	char *b3[] = {"gateway=1.2.3"};
	char *b4[] = {"log=loud"};

	CHECK("start: sealed key exits 2",
	      start(2, b1) == 2 && fake_main_calls == 0);
	CHECK("start: sealed key message",
	      strcmp(fake_console, "fakeapp: key port is sealed at build "
				   "time; rebuild with port=80\n") == 0);
	CHECK("start: unknown key exits 2",
	      start(1, b2) == 2 && fake_console_has("fakeapp: key prot: "));
	CHECK("start: bad value exits 2",
	      start(1, b3) == 2 &&
		      fake_console_has("fakeapp: key gateway: expected ipv4"));
	CHECK("start: bad log level exits 2",
	      start(1, b4) == 2 && fake_console_has("fakeapp: key log: "));
}

static void test_too_many(void)
{
	static char *many[CORE_MAX_ARGS + 1];
	int i;

	for (i = 0; i < CORE_MAX_ARGS + 1; i++)
		many[i] = "arg";
	CHECK("start: too many args exits 2",
	      start(CORE_MAX_ARGS + 1, many) == 2 &&
		      fake_console_has("too many arguments"));
	CHECK("start: CORE_MAX_ARGS args accepted",
	      start(CORE_MAX_ARGS, many) == 0 &&
		      fake_main_argc == CORE_MAX_ARGS + 1);
}

/* kiln_exit from kiln_main and from a later callback. */
static struct loop_timer t;

static int main_exits(int argc, char **argv)
{
	kiln_exit(7);
	return 0;
}

static void later(struct loop_timer *tm, void *arg)
{
	kiln_exit(11);
}

static int main_arms(int argc, char **argv)
{
	loop_timer_init(&t, later, NULL);
	loop_timer_arm_in(&t, 1000000);
	return 3;
}

static void test_exit(void)
{
	fake_main_fn = main_exits;
	CHECK("start: kiln_exit in kiln_main wins", start(0, NULL) == 7);
	fake_main_fn = main_arms;
	CHECK("start: kiln_exit from a timer",
	      start(0, NULL) == 11 && !loop_timer_armed(&t));
	fake_main_fn = NULL;
	CHECK("start: names", strcmp(kiln_app_name(), "fakeapp") == 0 &&
				      strcmp(kiln_target_name(), "fake") == 0);
}

int main(void)
{
	test_keys_and_args();
	test_refused();
	test_too_many();
	test_exit();
	return fake_done();
}
